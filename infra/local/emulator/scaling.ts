/**
 * Scaling a replication group: online resharding, replica counts, and TestFailover.
 */
import { bool, int, list, required } from './params.js';
import type { Params } from './protocol.js';
import { QueryFault } from './protocol.js';
import { automaticFailover } from './rules.js';
import { groupAnswer } from './shapes.js';
import { DURATIONS, type EmulatorState, type GroupState, type Handler } from './state.js';

/** The shard ids a request names (NodeGroupsToRemove / NodeGroupsToRetain), each an existing shard. */
function shardIds(params: Params, name: string, group: GroupState): string[] {
  const ids = list(params, name).map(String);
  for (const id of ids) {
    if (!/^\d{1,4}$/.test(id) || Number(id) < 1 || Number(id) > group.shards)
      throw new QueryFault(
        'InvalidParameterValue',
        `Node group ${id} does not exist in replication group ${group.id}.`,
      );
  }
  return ids;
}

/**
 * What the SDK model says of the shape of a resharding request: ReshardingConfiguration only
 * when adding shards, and either NodeGroupsToRemove or NodeGroupsToRetain when removing them.
 */
function checkResharding(params: Params, group: GroupState, count: number): void {
  const resharding = list(params, 'ReshardingConfiguration');
  const remove = shardIds(params, 'NodeGroupsToRemove', group);
  const retain = shardIds(params, 'NodeGroupsToRetain', group);
  if (resharding.length > 0 && count <= group.shards)
    throw new QueryFault(
      'InvalidParameterCombination',
      'ReshardingConfiguration can be specified only if NodeGroupCount is greater than the current number of node groups.',
    );
  // The same count is a rebalance: the slots are spread evenly again.
  if (count >= group.shards) {
    if (remove.length > 0 || retain.length > 0)
      throw new QueryFault(
        'InvalidParameterCombination',
        'NodeGroupsToRemove and NodeGroupsToRetain apply only when NodeGroupCount is less than the current number of node groups.',
      );
    if (resharding.length > 0 && resharding.length !== count)
      throw new QueryFault(
        'InvalidParameterValue',
        `ReshardingConfiguration must hold one entry per node group: ${count}, got ${resharding.length}.`,
      );
    return;
  }
  if (remove.length > 0 === retain.length > 0)
    throw new QueryFault(
      'InvalidParameterCombination',
      'Either NodeGroupsToRemove or NodeGroupsToRetain is required when NodeGroupCount is less than the current number of node groups.',
    );
  const left = remove.length > 0 ? group.shards - new Set(remove).size : new Set(retain).size;
  if (left !== count)
    throw new QueryFault(
      'InvalidParameterValue',
      `The node groups named leave ${left} node groups, not ${count}.`,
    );
}

/** Online resharding: `modifying` until the slots have moved, then `available` with the new count. */
function modifyShards(store: EmulatorState, params: Params) {
  const group = store.group(required(params, 'ReplicationGroupId'));
  const count = int(params, 'NodeGroupCount', 1, 500);
  if (count === undefined)
    throw new QueryFault('MissingParameter', 'The request must contain the parameter NodeGroupCount');
  if (bool(params, 'ApplyImmediately') !== true) {
    throw new QueryFault('InvalidParameterValue', 'ApplyImmediately must be true for online resharding.');
  }
  if (group.clusterMode !== 'enabled') {
    throw new QueryFault('InvalidParameterCombination', 'Resharding requires cluster mode enabled.');
  }
  store.available(group);
  checkResharding(params, group, count);
  group.status = 'modifying';
  group.pending = { Resharding: { SlotMigration: { ProgressPercentage: 0 } } };
  store.later(DURATIONS.modify, () => {
    // Shards are numbered by position: the kept ones take 0001..N (slots spread evenly again).
    group.shards = count;
    group.pending = {};
    group.status = 'available';
    store.event(
      'replication-group',
      group.id,
      `Online resharding of replication group ${group.id} completed`,
    );
  });
  return groupAnswer(store, group);
}

/** The NewReplicaCount of an Increase/DecreaseReplicaCount request, once the request is valid. */
function newReplicaCount(params: Params, group: GroupState, direction: 1 | -1): number {
  const action = direction === 1 ? 'IncreaseReplicaCount' : 'DecreaseReplicaCount';
  const applyImmediately = bool(params, 'ApplyImmediately');
  if (applyImmediately === undefined) {
    throw new QueryFault('MissingParameter', 'The request must contain the parameter ApplyImmediately');
  }
  if (!applyImmediately) {
    throw new QueryFault(
      'InvalidParameterValue',
      `ApplyImmediately=false is not supported by ${action}: replica counts change at once.`,
    );
  }
  const unmodelled = ['ReplicaConfiguration', 'ReplicasToRemove'].filter(
    (name) => params[name] !== undefined,
  );
  if (unmodelled.length > 0) {
    throw new QueryFault(
      'InvalidParameterValue',
      `${unmodelled.join(', ')} ${unmodelled.length === 1 ? 'is' : 'are'} not modelled by the emulator; give NewReplicaCount.`,
    );
  }
  const count = int(params, 'NewReplicaCount', 0, 5);
  if (count === undefined)
    throw new QueryFault('MissingParameter', 'The request must contain the parameter NewReplicaCount');
  if ((direction === 1 && count <= group.replicas) || (direction === -1 && count >= group.replicas)) {
    throw new QueryFault(
      'InvalidParameterValue',
      `NewReplicaCount ${count} must be ${direction === 1 ? 'more' : 'fewer'} than the current ${group.replicas}.`,
    );
  }
  return count;
}

function changeReplicas(store: EmulatorState, params: Params, direction: 1 | -1) {
  const group = store.group(required(params, 'ReplicationGroupId'));
  const count = newReplicaCount(params, group, direction);
  if (group.clusterMode === 'compatible') {
    throw new QueryFault(
      'InvalidParameterCombination',
      `Replication group ${group.id} is in cluster mode compatible: replicas cannot change until ClusterMode is enabled.`,
    );
  }
  const needers = [
    ...(group.multiAZ ? ['Multi-AZ'] : []),
    ...(group.clusterMode === 'disabled' && automaticFailover(group) ? ['automatic failover'] : []),
    ...(group.effectiveDurability !== 'disabled' ? ['durability'] : []),
  ];
  if (count < 1 && needers.length > 0) {
    throw new QueryFault(
      'InvalidParameterCombination',
      `At least one replica per shard is required with ${needers.join(', ')} on ${group.id}.`,
    );
  }
  store.available(group);
  group.status = 'modifying';
  store.later(DURATIONS.modify, () => {
    group.replicas = count;
    group.status = 'available';
    store.event(
      'replication-group',
      group.id,
      `Replica count of replication group ${group.id} changed to ${count}`,
    );
  });
  return groupAnswer(store, group);
}

function testFailover(store: EmulatorState, params: Params) {
  const group = store.group(required(params, 'ReplicationGroupId'));
  const nodeGroupId = required(params, 'NodeGroupId');
  const shards = store.memberIds(group).map((_, shard) => String(shard + 1).padStart(4, '0'));
  if (!shards.includes(nodeGroupId)) {
    throw new QueryFault(
      'NodeGroupNotFoundFault',
      `Node group ${nodeGroupId} not found in replication group ${group.id}; it has ${shards.join(', ')}.`,
    );
  }
  store.available(group);
  if (!group.multiAZ)
    throw new QueryFault(
      'InvalidReplicationGroupState',
      `Automatic failover is not enabled for ${group.id}.`,
    );
  store.event('replication-group', group.id, `Test Failover API called for node group ${nodeGroupId}`);
  return groupAnswer(store, group);
}

export const scalingActions: Record<string, Handler> = {
  ModifyReplicationGroupShardConfiguration: modifyShards,
  IncreaseReplicaCount: (store, params) => changeReplicas(store, params, 1),
  DecreaseReplicaCount: (store, params) => changeReplicas(store, params, -1),
  TestFailover: testFailover,
};
