import {
  CompleteMigrationCommand,
  DescribeReplicationGroupsCommand,
  type ElastiCacheClient,
  IncreaseReplicaCountCommand,
  type IncreaseReplicaCountCommandInput,
  ListTagsForResourceCommand,
  ModifyReplicationGroupCommand,
  type ModifyReplicationGroupCommandInput,
  paginateDescribeCacheClusters,
  paginateDescribeEvents,
  paginateDescribeReplicationGroups,
  paginateDescribeServerlessCaches,
  type ReplicationGroup,
  type ServerlessCache,
  StartMigrationCommand,
  TestMigrationCommand,
} from '@aws-sdk/client-elasticache';
import type { PlanStep } from '../domain/durability/readiness.js';
import {
  type CacheNodeRef,
  CLUSTER_MODES,
  type ClusterMode,
  DURABILITY_LEVELS,
  DURABILITY_SETTINGS,
  type DurabilityLevel,
  type Resource,
  STORAGE_ENCRYPTION_TYPES,
  TRANSIT_ENCRYPTION_MODES,
} from '../domain/resource.js';
import type { FleetClients } from './clients.js';
import { AwsCallError, awsCall } from './errors.js';
import { mutate } from './mutation.js';
import { readTagsByArn, TAGGING_RESOURCE_TYPES } from './tagging.js';

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

/**
 * Read the whole fleet: replication groups and serverless caches page by page, and their
 * tags in bulk from the tagging API, all four streams at once. Calls: one per 100 of each.
 *
 * `onProgress` hears the number of resources described so far, after each page.
 *
 * @example
 * const fleet = await readFleet(createFleetClients({ region: 'eu-west-1' }));
 */
export async function readFleet(
  clients: FleetClients,
  onProgress?: (described: number) => void,
): Promise<Resource[]> {
  let described = 0;
  const onPage = (count: number) => {
    described += count;
    onProgress?.(described);
  };
  const [groups, caches, groupTags, cacheTags] = await Promise.all([
    awsCall('DescribeReplicationGroups', () => readReplicationGroups(clients.elasticache, onPage)),
    awsCall('DescribeServerlessCaches', () => readServerlessCaches(clients.elasticache, onPage)),
    awsCall('GetResources', () =>
      readTagsByArn(clients.tagging, TAGGING_RESOURCE_TYPES['replication-group']),
    ),
    awsCall('GetResources', () => readTagsByArn(clients.tagging, TAGGING_RESOURCE_TYPES['serverless-cache'])),
  ]);
  for (const group of groups) group.tags = groupTags.get(group.arn) ?? {};
  for (const cache of caches) cache.tags = cacheTags.get(cache.arn) ?? {};
  return [...groups, ...caches];
}

/** One replication group as the API describes it, or undefined when it does not exist (any more). */
async function describeGroup(
  client: ElastiCacheClient,
  replicationGroupId: string,
): Promise<ReplicationGroup | undefined> {
  try {
    const answer = await client.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }),
    );
    return answer.ReplicationGroups?.[0];
  } catch (error) {
    if (error instanceof Error && error.name === 'ReplicationGroupNotFoundFault') return undefined;
    throw new AwsCallError('DescribeReplicationGroups', error);
  }
}

/** One replication group with its tags, or undefined when it does not exist (any more). */
export async function readReplicationGroup(
  client: ElastiCacheClient,
  replicationGroupId: string,
): Promise<Resource | undefined> {
  const group = await describeGroup(client, replicationGroupId);
  if (group?.ARN === undefined) return undefined;
  const arn = group.ARN;
  const tags = await awsCall('ListTagsForResource', () =>
    client.send(new ListTagsForResourceCommand({ ResourceName: arn })),
  );
  return toReplicationGroupResource(
    group,
    Object.fromEntries((tags.TagList ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
  );
}

/**
 * Ask for a durability level: `ModifyReplicationGroup` with Durability as the only change,
 * as AWS requires. The group turns `modifying` (or holds the change as pending). A lost
 * answer, or an "invalid state" refusal of a change already made, is settled by reading the
 * group back: the request counts as made when the group asks for (or runs) `durability`.
 */
export async function setDurability(
  client: ElastiCacheClient,
  replicationGroupId: string,
  durability: DurabilityLevel,
  applyImmediately: boolean,
): Promise<'answered' | 'confirmed'> {
  return mutate(
    'ModifyReplicationGroup',
    () =>
      client.send(
        new ModifyReplicationGroupCommand({
          ReplicationGroupId: replicationGroupId,
          Durability: durability,
          ApplyImmediately: applyImmediately,
        }),
      ),
    async () => {
      const group = await describeGroup(client, replicationGroupId);
      return group?.Durability === durability || group?.EffectiveDurability === durability;
    },
    { landedOnRefusal: ['InvalidReplicationGroupStateFault'] },
  );
}

/** A customer (source) node of an online migration. */
export interface MigrationEndpoint {
  address: string;
  port: number;
}

/**
 * `TestMigration` or `StartMigration` from the customer's nodes into a group. Both answer at
 * once; TestMigration's outcome arrives later as an event, StartMigration turns the group
 * `migrating`. A lost StartMigration answer is settled by that status (the caller holds the
 * group's migration lock and saw it not migrating before).
 */
export async function requestMigration(
  client: ElastiCacheClient,
  call: 'TestMigration' | 'StartMigration',
  replicationGroupId: string,
  endpoints: readonly MigrationEndpoint[],
): Promise<void> {
  const input = {
    ReplicationGroupId: replicationGroupId,
    CustomerNodeEndpointList: endpoints.map((endpoint) => ({
      Address: endpoint.address,
      Port: endpoint.port,
    })),
  };
  if (call === 'TestMigration') {
    // Changes nothing, so the SDK's own retries apply.
    await awsCall(call, () => client.send(new TestMigrationCommand(input)));
    return;
  }
  await mutate(
    call,
    () => client.send(new StartMigrationCommand(input)),
    async () => (await describeGroup(client, replicationGroupId))?.Status === 'migrating',
  );
}

/**
 * `CompleteMigration`: promote the group after syncing, or with `force` stop at once without
 * syncing. A lost answer counts as done when the group has left `migrating`; it is not sent
 * again here, since a group that is completing still reads `migrating` for a while: the
 * caller polls, and decides after a wait whether the call landed.
 */
export async function completeMigration(
  client: ElastiCacheClient,
  replicationGroupId: string,
  force: boolean,
): Promise<'answered' | 'confirmed' | 'unconfirmed'> {
  try {
    return await mutate(
      'CompleteMigration',
      () =>
        client.send(new CompleteMigrationCommand({ ReplicationGroupId: replicationGroupId, Force: force })),
      async () => (await describeGroup(client, replicationGroupId))?.Status !== 'migrating',
      { attempts: 1 },
    );
  } catch (error) {
    if (error instanceof AwsCallError && error.fault === 'OutcomeUnknownError') return 'unconfirmed';
    throw error;
  }
}

/** Messages of a replication group's events since `since`, newest first: every page. */
export async function readGroupEvents(
  client: ElastiCacheClient,
  replicationGroupId: string,
  since: Date,
): Promise<{ message: string; date?: Date }[]> {
  const events: { message: string; date?: Date }[] = [];
  await awsCall('DescribeEvents', async () => {
    const pages = paginateDescribeEvents(
      { client, pageSize: 100 },
      { SourceIdentifier: replicationGroupId, SourceType: 'replication-group', StartTime: since },
    );
    for await (const page of pages) {
      for (const event of page.Events ?? []) events.push({ message: event.Message ?? '', date: event.Date });
    }
  });
  return events;
}

/**
 * Send one step of a readiness plan (shared/domain/durability/readiness.ts) exactly once: a lost answer
 * is settled by `landed` (the group turned `modifying`, or the step is no longer needed), as
 * for every change this app makes (shared/aws/mutation.ts).
 */
export async function sendPlanStep(
  client: ElastiCacheClient,
  step: Pick<PlanStep, 'api' | 'params'>,
  landed: () => Promise<boolean>,
): Promise<void> {
  const send =
    step.api === 'IncreaseReplicaCount'
      ? () =>
          client.send(
            new IncreaseReplicaCountCommand(step.params as unknown as IncreaseReplicaCountCommandInput),
          )
      : () =>
          client.send(
            new ModifyReplicationGroupCommand(step.params as unknown as ModifyReplicationGroupCommandInput),
          );
  await mutate(step.api, send, landed, { landedOnRefusal: ['InvalidReplicationGroupStateFault'] });
}
