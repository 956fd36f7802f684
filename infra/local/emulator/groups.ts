/**
 * Replication groups: Describe, Create (also from a snapshot), Delete, and the member
 * clusters they show through DescribeCacheClusters.
 */
import { checkedParameterGroup } from './parameter-groups.js';
import { bool, engineOf, int, oneOf, page, required, tagsOf, text } from './params.js';
import type { Params } from './protocol.js';
import { QueryFault } from './protocol.js';
import { DURABILITY, durabilityProblems, resolveDurability } from './rules.js';
import { cacheClusterShape, groupAnswer, replicationGroupShape } from './shapes.js';
import { snapshotOf } from './snapshots.js';
import { DURATIONS, type EmulatorState, type GroupState, type Handler, type SnapshotState } from './state.js';

function describeReplicationGroups(store: EmulatorState, params: Params) {
  const size = int(params, 'MaxRecords', 20, 100) ?? 100;
  const id = text(params, 'ReplicationGroupId');
  if (id !== undefined) return { ReplicationGroups: [replicationGroupShape(store, store.group(id))] };
  const result = page(
    store.sortedIds('groups'),
    (key) => replicationGroupShape(store, store.group(key)),
    text(params, 'Marker'),
    size,
  );
  return { ReplicationGroups: result.items, Marker: result.marker };
}

function describeCacheClusters(store: EmulatorState, params: Params) {
  const size = int(params, 'MaxRecords', 20, 100) ?? 100;
  const wanted = text(params, 'CacheClusterId');
  const showNodes = bool(params, 'ShowCacheNodeInfo') ?? false;
  // Every member's id and group, in listing order; only the page answered is shaped.
  const groupOf = new Map<string, GroupState>();
  for (const id of store.sortedIds('groups')) {
    const group = store.group(id);
    for (const clusterId of store.memberIds(group).flat())
      if (wanted === undefined || clusterId === wanted) groupOf.set(clusterId, group);
    if (wanted !== undefined && groupOf.size > 0) break;
  }
  if (wanted !== undefined && groupOf.size === 0) {
    throw new QueryFault('CacheClusterNotFound', `CacheCluster ${wanted} not found.`);
  }
  const shape = (clusterId: string) => {
    const group = groupOf.get(clusterId) as GroupState;
    // Nodes are listed once provisioned: a creating or deleting cluster shows cluster-level fields only.
    const nodesShown = showNodes && group.status !== 'creating' && group.status !== 'deleting';
    return cacheClusterShape(store, group, clusterId, nodesShown);
  };
  const result = page([...groupOf.keys()], shape, text(params, 'Marker'), size);
  return { CacheClusters: result.items, Marker: result.marker };
}

/** The snapshot a group is restored from, when the request names one. */
function restoreSource(store: EmulatorState, params: Params): SnapshotState | undefined {
  const snapshotName = text(params, 'SnapshotName');
  const snapshot = snapshotName === undefined ? undefined : store.snapshots.get(snapshotName);
  if (snapshotName !== undefined && snapshot === undefined) {
    throw new QueryFault('SnapshotNotFoundFault', `Snapshot ${snapshotName} not found.`);
  }
  return snapshot;
}

const combination = (message: string) => new QueryFault('InvalidParameterCombination', message);

/** Cluster mode, shards, replicas, Multi-AZ and failover of a new group, checked together. */
function topologyOf(params: Params, snapshot: SnapshotState | undefined) {
  const clusterMode =
    oneOf(params, 'ClusterMode', ['enabled', 'disabled', 'compatible'] as const) ??
    snapshot?.clusterMode ??
    (int(params, 'NumNodeGroups', 1, 500) !== undefined ? 'enabled' : 'disabled');
  const shards = int(params, 'NumNodeGroups', 1, 500) ?? snapshot?.shards ?? 1;
  if (clusterMode !== 'enabled' && shards > 1)
    throw combination('NumNodeGroups greater than 1 requires cluster mode enabled.');
  const nodeType = text(params, 'CacheNodeType') ?? snapshot?.nodeType;
  if (nodeType === undefined) {
    // The stricter reading: only a snapshot supplies it here (no Global Datastore is emulated).
    throw new QueryFault('MissingParameter', 'The request must contain the parameter CacheNodeType');
  }
  const numCacheClusters = int(params, 'NumCacheClusters', 1, 6);
  const replicas =
    int(params, 'ReplicasPerNodeGroup', 0, 5) ??
    (numCacheClusters === undefined ? (snapshot?.replicas ?? 0) : numCacheClusters - 1);
  const multiAZ = bool(params, 'MultiAZEnabled') ?? false;
  const automaticFailover = bool(params, 'AutomaticFailoverEnabled') ?? false;
  if (clusterMode === 'enabled' && !automaticFailover)
    throw combination('AutomaticFailoverEnabled must be true for a cluster-mode-enabled replication group.');
  if (multiAZ && !automaticFailover) throw combination('Multi-AZ requires AutomaticFailoverEnabled=true.');
  if (multiAZ && replicas < 1) throw combination('Multi-AZ requires at least one replica per shard.');
  if (automaticFailover && clusterMode !== 'enabled' && replicas < 1)
    throw combination('AutomaticFailoverEnabled=true requires NumCacheClusters of at least 2.');
  return { clusterMode, shards, nodeType, replicas, multiAZ, automaticFailover };
}

/**
 * In-transit encryption of a new group: `TransitEncryptionMode` as sent (`preferred` lets plain
 * clients connect while they move to TLS), `required` when TLS comes without a mode.
 */
function transitEncryptionOf(params: Params): Pick<GroupState, 'tls' | 'transitEncryptionMode'> {
  const tls = bool(params, 'TransitEncryptionEnabled') ?? false;
  const mode = oneOf(params, 'TransitEncryptionMode', ['preferred', 'required'] as const);
  if (mode !== undefined && !tls)
    throw combination('TransitEncryptionMode needs TransitEncryptionEnabled=true in the same request.');
  return tls ? { tls, transitEncryptionMode: mode ?? 'required' } : { tls };
}

/**
 * A backup of a data-tiering (r6gd) group restores only into r6gd nodes (Restoring from a
 * backup: "You can only restore backups running r6gd node types into clusters running r6gd
 * node types").
 */
function checkTieredRestore(snapshot: SnapshotState | undefined, nodeType: string): void {
  if (snapshot?.dataTiering !== true || nodeType.split('.')[1] === 'r6gd') return;
  throw combination(
    `Snapshot ${snapshot.name} is of a data tiering (${snapshot.nodeType}) replication group: it can only be restored into r6gd node types, not ${nodeType}.`,
  );
}

/** The new group a CreateReplicationGroup request describes (status `creating`). */
function newGroup(
  store: EmulatorState,
  params: Params,
  named: { id: string; description: string },
  snapshot: SnapshotState | undefined,
) {
  const engine = engineOf(text(params, 'Engine') ?? snapshot?.engine ?? 'valkey');
  const topology = topologyOf(params, snapshot);
  checkTieredRestore(snapshot, topology.nodeType);
  const kmsKeyId = text(params, 'KmsKeyId') ?? snapshot?.kmsKeyId;
  const atRest = bool(params, 'AtRestEncryptionEnabled') ?? engine === 'valkey';
  const requested = oneOf(params, 'Durability', DURABILITY) ?? snapshot?.durability ?? 'default';
  const group: GroupState = {
    ...named,
    engine,
    engineVersion:
      text(params, 'EngineVersion') ?? snapshot?.engineVersion ?? (engine === 'valkey' ? '9.0' : '7.1'),
    status: 'creating',
    ...topology,
    snapshotRetentionLimit: int(params, 'SnapshotRetentionLimit', 0, 35) ?? 0,
    ...transitEncryptionOf(params),
    atRestEncryptionEnabled: atRest,
    kmsKeyId,
    durability: requested,
    effectiveDurability: resolveDurability(requested),
    encrypted: atRest || kmsKeyId !== undefined,
    dataTiering: bool(params, 'DataTieringEnabled') ?? snapshot?.dataTiering ?? false,
    createdAt: store.clock.now(),
    legacyApi: false,
    pending: {},
    tags: new Map(tagsOf(params)),
  };
  group.parameterGroup = checkedParameterGroup(store, group, group, text(params, 'CacheParameterGroupName'));
  if (group.effectiveDurability !== 'disabled') {
    const problems = durabilityProblems(group);
    if (problems.length > 0) throw combination(`Cannot set Durability=${requested}: ${problems.join('; ')}.`);
    group.encrypted = true; // the transactional log is always encrypted at rest
  }
  return group;
}

function createReplicationGroup(store: EmulatorState, params: Params) {
  const id = required(params, 'ReplicationGroupId').toLowerCase();
  const description = required(params, 'ReplicationGroupDescription');
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(id) || id.endsWith('-') || id.includes('--')) {
    throw new QueryFault('InvalidParameterValue', `Invalid replication group identifier: ${id}`);
  }
  if (store.groups.has(id))
    throw new QueryFault('ReplicationGroupAlreadyExists', `Replication group ${id} already exists.`);
  const snapshot = restoreSource(store, params);
  const group = newGroup(store, params, { id, description }, snapshot);
  store.putGroup(group);
  store.later(DURATIONS.create, () => {
    group.status = 'available';
    store.event('replication-group', id, `Replication group ${id} created`);
  });
  if (snapshot !== undefined)
    store.event('replication-group', id, `Restored replication group ${id} from snapshot ${snapshot.name}`);
  return groupAnswer(store, group);
}

export function deleteReplicationGroup(store: EmulatorState, params: Params) {
  const group = store.group(required(params, 'ReplicationGroupId'));
  store.available(group);
  const finalSnapshot = text(params, 'FinalSnapshotIdentifier');
  if (finalSnapshot !== undefined) snapshotOf(store, group, finalSnapshot, 'manual', new Map());
  group.status = 'deleting';
  store.later(DURATIONS.delete, () => {
    store.groups.delete(group.id);
    store.changed('groups');
    store.event('replication-group', group.id, `Replication group ${group.id} deleted`);
  });
  return groupAnswer(store, group);
}

export const groupActions: Record<string, Handler> = {
  DescribeReplicationGroups: describeReplicationGroups,
  DescribeCacheClusters: describeCacheClusters,
  CreateReplicationGroup: createReplicationGroup,
  DeleteReplicationGroup: deleteReplicationGroup,
};
