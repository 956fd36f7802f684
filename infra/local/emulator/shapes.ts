/**
 * The API's output shapes of the emulator's state: what Describe* and every mutating action
 * answer, with the member names of the SDK's schemas.
 */
import { DEFAULT_MAINTENANCE_WINDOW, pendingChanges } from './maintenance.js';
import { parameterGroupNameOf } from './parameter-groups.js';
import { automaticFailover } from './rules.js';
import type { EmulatorState, GroupState, ServerlessState, SnapshotState } from './state.js';

export function storageEncryptionType(group: { encrypted: boolean; kmsKeyId?: string }): string {
  if (!group.encrypted) return 'none';
  return group.kmsKeyId === undefined ? 'sse-elasticache' : 'sse-kms';
}

/**
 * The hash slots of one shard: 0-16383 split in order without overlap, the first shards
 * taking one slot more when 16384 does not divide evenly (3 shards: 0-5461, 5462-10922, 10923-16383).
 */
export function slotRange(shard: number, shards: number): string {
  const size = Math.floor(16384 / shards);
  const larger = 16384 % shards;
  const first = shard * size + Math.min(shard, larger);
  const last = first + size + (shard < larger ? 1 : 0) - 1;
  return `${first}-${last}`;
}

/**
 * PendingModifiedValues with the API's member names (AutomaticFailoverEnabled reads
 * AutomaticFailoverStatus); members the group's shape lacks (EngineVersion, CacheNodeType)
 * are dropped on the wire and show on the member clusters, as in AWS.
 */
function pendingShape(group: GroupState): Record<string, unknown> {
  const { AutomaticFailoverEnabled: failover, ...rest } = group.pending;
  if (typeof failover !== 'boolean') return rest;
  return { ...rest, AutomaticFailoverStatus: failover ? 'enabled' : 'disabled' };
}

interface Address {
  Address: string;
  Port: number;
}

const hostOf = (store: EmulatorState, name: string): Address => ({
  Address: `${name}.abc123.${store.region}.cache.amazonaws.com`,
  Port: 6379,
});

function nodeGroupsShape(store: EmulatorState, group: GroupState, target: Address | undefined) {
  return store.memberIds(group).map((ids, shard) => ({
    NodeGroupId: String(shard + 1).padStart(4, '0'),
    Status: 'available',
    ...(group.clusterMode === 'enabled'
      ? { Slots: slotRange(shard, group.shards) }
      : {
          PrimaryEndpoint: target ?? hostOf(store, `master.${group.id}`),
          ReaderEndpoint: hostOf(store, `replica.${group.id}`),
        }),
    NodeGroupMembers: ids.map((cacheClusterId, index) => ({
      CacheClusterId: cacheClusterId,
      CacheNodeId: '0001',
      PreferredAvailabilityZone: `${store.region}${'abc'[index % 3]}`,
      // Read endpoints and roles exist only in cluster mode disabled (NodeGroupMember).
      ...(group.clusterMode === 'enabled'
        ? {}
        : { ReadEndpoint: hostOf(store, cacheClusterId), CurrentRole: index === 0 ? 'primary' : 'replica' }),
    })),
  }));
}

export function replicationGroupShape(store: EmulatorState, group: GroupState): Record<string, unknown> {
  const served = store.migration.targetEndpoint(group.id);
  // A group whose data a migration backend serves is reached there, as clients would reach it.
  const target = served === undefined ? undefined : { Address: served.address, Port: served.port };
  return {
    ReplicationGroupId: group.id,
    Description: group.description,
    Status: group.status,
    PendingModifiedValues: pendingShape(group),
    MemberClusters: store.memberIds(group).flat(),
    NodeGroups: nodeGroupsShape(store, group, target),
    ...(group.globalDatastore === undefined
      ? {}
      : {
          GlobalReplicationGroupInfo: {
            GlobalReplicationGroupId: group.globalDatastore,
            GlobalReplicationGroupMemberRole: 'primary',
          },
        }),
    AutomaticFailover: automaticFailover(group) ? 'enabled' : 'disabled',
    MultiAZ: group.multiAZ ? 'enabled' : 'disabled',
    ...(group.clusterMode === 'enabled'
      ? { ConfigurationEndpoint: target ?? hostOf(store, `clustercfg.${group.id}`) }
      : {}),
    SnapshotRetentionLimit: group.snapshotRetentionLimit ?? 1,
    ClusterEnabled: group.clusterMode === 'enabled',
    CacheNodeType: group.nodeType,
    AuthTokenEnabled: false,
    TransitEncryptionEnabled: group.tls,
    ...(group.tls ? { TransitEncryptionMode: group.transitEncryptionMode ?? 'required' } : {}),
    AtRestEncryptionEnabled: group.atRestEncryptionEnabled,
    KmsKeyId: group.kmsKeyId,
    ARN: store.arn('replicationgroup', group.id),
    ReplicationGroupCreateTime: new Date(group.createdAt),
    DataTiering: group.dataTiering ? 'enabled' : 'disabled',
    AutoMinorVersionUpgrade: true,
    NetworkType: 'ipv4',
    IpDiscovery: 'ipv4',
    ClusterMode: group.clusterMode,
    Engine: group.engine,
    ...(group.legacyApi
      ? {}
      : {
          StorageEncryptionType: storageEncryptionType(group),
          Durability: group.durability,
          EffectiveDurability: group.effectiveDurability,
        }),
  };
}

/** `{ ReplicationGroup }`: the answer of every action that changes one group. */
export function groupAnswer(store: EmulatorState, group: GroupState) {
  return { ReplicationGroup: replicationGroupShape(store, group) };
}

/** One member cluster of a group (DescribeCacheClusters), with its node when `nodesShown`. */
export function cacheClusterShape(
  store: EmulatorState,
  group: GroupState,
  clusterId: string,
  nodesShown: boolean,
): Record<string, unknown> {
  const changes = pendingChanges(group);
  return {
    ...(nodesShown ? { CacheNodes: [cacheNodeShape(store, group, clusterId)] } : {}),
    CacheClusterId: clusterId,
    ReplicationGroupId: group.id,
    CacheNodeType: group.nodeType,
    Engine: group.engine,
    EngineVersion: group.engineVersion,
    CacheClusterStatus: group.status,
    NumCacheNodes: 1,
    TransitEncryptionEnabled: group.tls,
    ...(group.tls ? { TransitEncryptionMode: group.transitEncryptionMode ?? 'required' } : {}),
    AtRestEncryptionEnabled: group.atRestEncryptionEnabled,
    PreferredMaintenanceWindow: group.preferredMaintenanceWindow ?? DEFAULT_MAINTENANCE_WINDOW,
    CacheParameterGroup: {
      CacheParameterGroupName: parameterGroupNameOf(group),
      ParameterApplyStatus: 'in-sync',
      CacheNodeIdsToReboot: [],
    },
    // The node-level part of the group's pending changes.
    PendingModifiedValues: {
      EngineVersion: changes.EngineVersion,
      CacheNodeType: changes.CacheNodeType,
      TransitEncryptionEnabled: changes.TransitEncryptionEnabled,
      TransitEncryptionMode: changes.TransitEncryptionMode,
    },
    ARN: store.arn('cluster', clusterId),
  };
}

function cacheNodeShape(store: EmulatorState, group: GroupState, clusterId: string): Record<string, unknown> {
  return {
    CacheNodeId: '0001',
    CacheNodeStatus: 'available',
    CacheNodeCreateTime: new Date(group.createdAt),
    Endpoint: hostOf(store, clusterId),
    ParameterGroupStatus: 'in-sync',
  };
}

export function serverlessShape(store: EmulatorState, cache: ServerlessState): Record<string, unknown> {
  return {
    ServerlessCacheName: cache.name,
    Description: cache.description,
    CreateTime: new Date(cache.createdAt),
    Status: cache.status,
    Engine: cache.engine,
    MajorEngineVersion: cache.majorEngineVersion,
    FullEngineVersion: `${cache.majorEngineVersion}.0`,
    KmsKeyId: cache.kmsKeyId,
    ...(cache.legacyApi
      ? {}
      : {
          StorageEncryptionType: storageEncryptionType({
            encrypted: cache.encrypted ?? true,
            kmsKeyId: cache.kmsKeyId,
          }),
        }),
    Endpoint: {
      Address: `${cache.name}-abc123.serverless.${store.region}.cache.amazonaws.com`,
      Port: 6379,
    },
    ARN: store.arn('serverlesscache', cache.name),
    SnapshotRetentionLimit: 0,
    NetworkType: 'ipv4',
  };
}

export function snapshotShape(store: EmulatorState, snapshot: SnapshotState): Record<string, unknown> {
  return {
    SnapshotName: snapshot.name,
    ReplicationGroupId: snapshot.groupId,
    SnapshotStatus: snapshot.status,
    SnapshotSource: snapshot.source,
    CacheNodeType: snapshot.nodeType,
    Engine: snapshot.engine,
    EngineVersion: snapshot.engineVersion,
    NumNodeGroups: snapshot.shards,
    AutomaticFailover: 'enabled',
    NodeSnapshots: Array.from({ length: snapshot.shards }, (_, shard) => ({
      NodeGroupId: String(shard + 1).padStart(4, '0'),
      CacheSize: `${snapshot.sizeMb} MB`,
      SnapshotCreateTime: new Date(snapshot.createdAt),
    })),
    KmsKeyId: snapshot.kmsKeyId,
    ARN: store.arn('snapshot', snapshot.name),
    DataTiering: snapshot.dataTiering === true ? 'enabled' : 'disabled',
    Durability: snapshot.durability,
  };
}
