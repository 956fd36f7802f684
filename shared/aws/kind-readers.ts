/**
 * The SDK side of each resource kind (shared/domain/resource-kinds.ts holds the rest of its
 * facts): the paginator that lists it and the mapper from the API's shape to `Resource`. The
 * fleet reader and the CLI's offline source iterate this table; a kind without a row is a
 * compile error.
 */
import {
  type ElastiCacheClient,
  paginateDescribeReplicationGroups,
  paginateDescribeServerlessCaches,
  type ReplicationGroup,
  type ServerlessCache,
} from '@aws-sdk/client-elasticache';
import {
  type CacheNodeRef,
  CLUSTER_MODES,
  type ClusterMode,
  DURABILITY_LEVELS,
  DURABILITY_SETTINGS,
  type NodeGroupRef,
  type Resource,
  type ResourceType,
  STORAGE_ENCRYPTION_TYPES,
  TRANSIT_ENCRYPTION_MODES,
} from '../domain/resource.js';

export const PAGE_SIZE = 100;

/** Narrow an API string to one of our enum values; anything else is unknown, never guessed. */
function oneOf<T extends string>(values: readonly T[], value: string | undefined): T | undefined {
  return value !== undefined && (values as readonly string[]).includes(value) ? (value as T) : undefined;
}

function hasPendingModifications(group: ReplicationGroup): boolean {
  const pending = group.PendingModifiedValues;
  if (pending === undefined) return false;
  return Object.values(pending).some((value) => value !== undefined && value !== null);
}

function clusterModeOf(group: ReplicationGroup): ClusterMode | undefined {
  const declared = oneOf(CLUSTER_MODES, group.ClusterMode);
  if (declared !== undefined) return declared;
  if (group.ClusterEnabled === undefined) return undefined;
  return group.ClusterEnabled ? 'enabled' : 'disabled';
}

function minReplicasPerShard(group: ReplicationGroup): number | undefined {
  const shards = group.NodeGroups ?? [];
  const counts = shards
    .map((shard) => shard.NodeGroupMembers?.length)
    .filter((count): count is number => count !== undefined);
  if (counts.length > 0 && counts.length === shards.length) return Math.max(0, Math.min(...counts) - 1);
  // Cluster-mode-enabled answers may omit members per shard; members are spread evenly.
  const members = group.MemberClusters?.length;
  if (members === undefined || shards.length === 0) return undefined;
  return Math.max(0, Math.floor(members / shards.length) - 1);
}

function primaryEndpoint(group: ReplicationGroup): Resource['primaryEndpoint'] {
  const endpoint =
    group.NodeGroups?.find((shard) => shard.PrimaryEndpoint?.Address !== undefined)?.PrimaryEndpoint ??
    group.ConfigurationEndpoint;
  return endpoint?.Address === undefined || endpoint.Port === undefined
    ? undefined
    : { address: endpoint.Address, port: endpoint.Port };
}

/**
 * `NodeGroupMember.CurrentRole` is given only in cluster mode disabled: there each shard's primary
 * is the node to watch; elsewhere every member of the shard is, since the primary is not named.
 * An answer without members per shard falls back on MemberClusters.
 */
function writeNodes(group: ReplicationGroup): CacheNodeRef[] | undefined {
  const nodes = (group.NodeGroups ?? []).flatMap((shard) => {
    const members = (shard.NodeGroupMembers ?? []).flatMap(({ CacheClusterId, CacheNodeId, CurrentRole }) =>
      CacheClusterId === undefined
        ? []
        : [{ cacheClusterId: CacheClusterId, cacheNodeId: CacheNodeId ?? '0001', role: CurrentRole }],
    );
    const primaries = members.filter((member) => member.role === 'primary');
    return (primaries.length > 0 ? primaries : members).map(({ cacheClusterId, cacheNodeId }) => ({
      cacheClusterId,
      cacheNodeId,
    }));
  });
  if (nodes.length > 0) return nodes;
  return group.MemberClusters?.map((id) => ({ cacheClusterId: id, cacheNodeId: '0001' }));
}

/** The shards with their members (`NodeGroupMembers`); undefined when the answer lists none. */
function nodeGroups(group: ReplicationGroup): NodeGroupRef[] | undefined {
  const shards = (group.NodeGroups ?? []).flatMap((shard, index): NodeGroupRef[] => {
    const members = (shard.NodeGroupMembers ?? []).flatMap(({ CacheClusterId, CacheNodeId, CurrentRole }) =>
      CacheClusterId === undefined
        ? []
        : [
            {
              node: { cacheClusterId: CacheClusterId, cacheNodeId: CacheNodeId ?? '0001' },
              role: CurrentRole,
            },
          ],
    );
    if (members.length === 0) return [];
    const primary = members.find((member) => member.role === 'primary')?.node;
    return [
      {
        id: shard.NodeGroupId ?? String(index + 1).padStart(4, '0'),
        members: members.map((member) => member.node),
        ...(primary === undefined ? {} : { primary }),
      },
    ];
  });
  return shards.length > 0 ? shards : undefined;
}

/** Normalise one DescribeReplicationGroups item. */
export function toReplicationGroupResource(group: ReplicationGroup, tags: Record<string, string>): Resource {
  return {
    type: 'replication-group',
    id: group.ReplicationGroupId ?? '',
    arn: group.ARN ?? '',
    engine: group.Engine?.toLowerCase(),
    status: group.Status ?? 'unknown',
    createdAt: group.ReplicationGroupCreateTime?.toISOString(),
    clusterMode: clusterModeOf(group),
    durability: oneOf(DURABILITY_SETTINGS, group.Durability),
    effectiveDurability: oneOf(DURABILITY_LEVELS, group.EffectiveDurability),
    storageEncryptionType: oneOf(STORAGE_ENCRYPTION_TYPES, group.StorageEncryptionType),
    kmsKeyId: group.KmsKeyId,
    atRestEncryptionEnabled: group.AtRestEncryptionEnabled,
    transitEncryptionEnabled: group.TransitEncryptionEnabled,
    transitEncryptionMode: oneOf(TRANSIT_ENCRYPTION_MODES, group.TransitEncryptionMode),
    snapshotRetentionLimit: group.SnapshotRetentionLimit,
    multiAZ: group.MultiAZ === undefined ? undefined : group.MultiAZ === 'enabled',
    cacheNodeType: group.CacheNodeType,
    shards: group.NodeGroups?.length,
    minReplicasPerShard: minReplicasPerShard(group),
    dataTiering: group.DataTiering === undefined ? undefined : group.DataTiering === 'enabled',
    globalDatastore: group.GlobalReplicationGroupInfo?.GlobalReplicationGroupId !== undefined,
    pendingModifications: hasPendingModifications(group),
    writeNodes: writeNodes(group),
    nodeGroups: nodeGroups(group),
    firstMemberCluster: group.MemberClusters?.[0],
    primaryEndpoint: primaryEndpoint(group),
    tags,
  };
}

/** Normalise one DescribeServerlessCaches item. */
export function toServerlessCacheResource(cache: ServerlessCache, tags: Record<string, string>): Resource {
  return {
    type: 'serverless-cache',
    id: cache.ServerlessCacheName ?? '',
    arn: cache.ARN ?? '',
    engine: cache.Engine?.toLowerCase(),
    engineVersion: cache.FullEngineVersion ?? cache.MajorEngineVersion,
    status: cache.Status ?? 'unknown',
    createdAt: cache.CreateTime?.toISOString(),
    storageEncryptionType: oneOf(STORAGE_ENCRYPTION_TYPES, cache.StorageEncryptionType),
    kmsKeyId: cache.KmsKeyId,
    snapshotRetentionLimit: cache.SnapshotRetentionLimit,
    pendingModifications: false,
    tags,
  };
}

/**
 * Describe pages become Resources as they arrive, so the SDK's much larger page objects are
 * dropped page by page instead of held until the last one (tags are attached afterwards).
 */
async function readReplicationGroups(client: ElastiCacheClient, onPage: (count: number) => void) {
  const groups: Resource[] = [];
  for await (const page of paginateDescribeReplicationGroups(
    { client, pageSize: PAGE_SIZE },
    { MaxRecords: PAGE_SIZE },
  )) {
    for (const group of page.ReplicationGroups ?? []) groups.push(toReplicationGroupResource(group, {}));
    onPage(page.ReplicationGroups?.length ?? 0);
  }
  return groups;
}

async function readServerlessCaches(client: ElastiCacheClient, onPage: (count: number) => void) {
  const caches: Resource[] = [];
  for await (const page of paginateDescribeServerlessCaches(
    { client, pageSize: PAGE_SIZE },
    { MaxResults: PAGE_SIZE },
  )) {
    for (const cache of page.ServerlessCaches ?? []) caches.push(toServerlessCacheResource(cache, {}));
    onPage(page.ServerlessCaches?.length ?? 0);
  }
  return caches;
}

/** The item each kind's describe call answers with, as the SDK types it. */
export interface KindItems {
  'replication-group': ReplicationGroup;
  'serverless-cache': ServerlessCache;
}

export interface KindReader<Item> {
  /** Every resource of the kind (tags empty), page by page; `onPage` hears each page's count. */
  readonly describe: (client: ElastiCacheClient, onPage: (count: number) => void) => Promise<Resource[]>;
  /** One item of its describe answer (the SDK's, or the AWS CLI's saved JSON) as a Resource. */
  readonly toResource: (item: Item, tags: Record<string, string>) => Resource;
}

export const KIND_READERS: { readonly [Type in ResourceType]: KindReader<KindItems[Type]> } = {
  'replication-group': { describe: readReplicationGroups, toResource: toReplicationGroupResource },
  'serverless-cache': { describe: readServerlessCaches, toResource: toServerlessCacheResource },
};

/**
 * One describe item of the kind `type` as a Resource.
 *
 * @example
 * const resource = toResource('serverless-cache', { ServerlessCacheName: 'sessions' }, {});
 */
export function toResource<Type extends ResourceType>(
  type: Type,
  item: KindItems[Type],
  tags: Record<string, string>,
): Resource {
  return KIND_READERS[type].toResource(item, tags);
}
