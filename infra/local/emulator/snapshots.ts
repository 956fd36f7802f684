/**
 * Snapshots: Create (of a group or one of its member clusters), Copy, Delete, Describe;
 * and the final snapshot DeleteReplicationGroup takes.
 */
import { int, page, required, tagsOf, text } from './params.js';
import type { Params } from './protocol.js';
import { QueryFault } from './protocol.js';
import { snapshotShape } from './shapes.js';
import { DURATIONS, type EmulatorState, type GroupState, type Handler, type SnapshotState } from './state.js';

/** A new `creating` snapshot of the group as it runs now. */
export function snapshotOf(
  store: EmulatorState,
  group: GroupState,
  name: string,
  source: 'manual' | 'automated',
  tags: Map<string, string>,
): SnapshotState {
  if (store.snapshots.has(name))
    throw new QueryFault('SnapshotAlreadyExistsFault', `Snapshot ${name} already exists.`);
  const snapshot: SnapshotState = {
    name,
    groupId: group.id,
    status: 'creating',
    source,
    // What ran, not what was asked for: a restore brings back the durability the data had.
    durability: group.effectiveDurability,
    engine: group.engine,
    engineVersion: group.engineVersion,
    nodeType: group.nodeType,
    shards: group.shards,
    replicas: group.replicas,
    clusterMode: group.clusterMode,
    dataTiering: group.dataTiering,
    kmsKeyId: group.kmsKeyId,
    createdAt: store.clock.now(),
    sizeMb: 5 * group.shards,
    tags,
  };
  store.snapshots.set(name, snapshot);
  store.changed('snapshots');
  return snapshot;
}

function snapshotNamed(store: EmulatorState, name: string): SnapshotState {
  const snapshot = store.snapshots.get(name);
  if (snapshot === undefined) throw new QueryFault('SnapshotNotFoundFault', `Snapshot ${name} not found.`);
  return snapshot;
}

/** The group a CreateSnapshot names, directly or through one of its member clusters. */
function snapshotSource(store: EmulatorState, params: Params): GroupState {
  const groupId = text(params, 'ReplicationGroupId');
  const clusterId = text(params, 'CacheClusterId');
  if (groupId === undefined && clusterId === undefined) {
    throw new QueryFault(
      'InvalidParameterCombination',
      'Either ReplicationGroupId or CacheClusterId must be given.',
    );
  }
  const owner =
    groupId ??
    [...store.groups.values()].find((group) =>
      store
        .memberIds(group)
        .flat()
        .includes(clusterId ?? ''),
    )?.id;
  if (owner === undefined)
    throw new QueryFault('CacheClusterNotFound', `CacheCluster ${clusterId} not found.`);
  const group = store.group(owner);
  store.available(group);
  return group;
}

function createSnapshot(store: EmulatorState, params: Params) {
  const name = required(params, 'SnapshotName');
  const group = snapshotSource(store, params);
  const snapshot = snapshotOf(store, group, name, 'manual', new Map(tagsOf(params)));
  group.status = 'snapshotting';
  store.event('replication-group', group.id, `Snapshot ${name} started for replication group ${group.id}`);
  store.later(DURATIONS.snapshot, () => {
    if (store.snapshots.get(name) === snapshot) snapshot.status = 'available';
    if (group.status === 'snapshotting') group.status = 'available';
    // SourceType has no `snapshot` value: the event belongs to the replication group.
    store.event(
      'replication-group',
      group.id,
      `Snapshot succeeded for snapshot with ID '${name}' of replication group with ID '${group.id}'`,
    );
  });
  return { Snapshot: snapshotShape(store, snapshot) };
}

function copySnapshot(store: EmulatorState, params: Params) {
  const source = snapshotNamed(store, required(params, 'SourceSnapshotName'));
  const target = required(params, 'TargetSnapshotName');
  if (source.status !== 'available')
    throw new QueryFault('InvalidSnapshotState', `Snapshot ${source.name} is ${source.status}.`);
  if (store.snapshots.has(target))
    throw new QueryFault('SnapshotAlreadyExistsFault', `Snapshot ${target} already exists.`);
  const copy: SnapshotState = {
    ...source,
    name: target,
    status: 'creating',
    source: 'manual',
    createdAt: store.clock.now(),
    tags: new Map(tagsOf(params)),
  };
  const kmsKeyId = text(params, 'KmsKeyId');
  if (kmsKeyId !== undefined) copy.kmsKeyId = kmsKeyId;
  store.snapshots.set(target, copy);
  store.changed('snapshots');
  store.later(DURATIONS.snapshot, () => {
    copy.status = 'available';
  });
  return { Snapshot: snapshotShape(store, copy) };
}

function deleteSnapshot(store: EmulatorState, params: Params) {
  const snapshot = snapshotNamed(store, required(params, 'SnapshotName'));
  if (snapshot.status !== 'available')
    throw new QueryFault('InvalidSnapshotState', `Snapshot ${snapshot.name} is ${snapshot.status}.`);
  store.snapshots.delete(snapshot.name);
  store.changed('snapshots');
  snapshot.status = 'deleting';
  return { Snapshot: snapshotShape(store, snapshot) };
}

function describeSnapshots(store: EmulatorState, params: Params) {
  const size = int(params, 'MaxRecords', 20, 50) ?? 50;
  const name = text(params, 'SnapshotName');
  if (name !== undefined) return { Snapshots: [snapshotShape(store, snapshotNamed(store, name))] };
  const groupId = text(params, 'ReplicationGroupId');
  const ids =
    groupId === undefined
      ? store.sortedIds('snapshots')
      : store.sortedIds('snapshots').filter((id) => store.snapshots.get(id)?.groupId === groupId);
  const result = page(
    ids,
    (id) => snapshotShape(store, snapshotNamed(store, id)),
    text(params, 'Marker'),
    size,
  );
  return { Snapshots: result.items, Marker: result.marker };
}

export const snapshotActions: Record<string, Handler> = {
  DescribeSnapshots: describeSnapshots,
  CreateSnapshot: createSnapshot,
  CopySnapshot: copySnapshot,
  DeleteSnapshot: deleteSnapshot,
};
