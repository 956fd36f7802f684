/**
 * ModifyReplicationGroup: engine upgrades, vertical scaling, TLS, Multi-AZ and failover,
 * cluster mode, durability, the description and the maintenance window; each refused the way
 * AWS refuses it (the README's "Modifications, replicas and scaling" table).
 */
import {
  applySoon,
  type Changes,
  checkedWindow,
  pendingChanges,
  scheduleMaintenance,
  withChanges,
} from './maintenance.js';
import { checkedParameterGroup } from './parameter-groups.js';
import { bool, engineOf, int, oneOf, required, text } from './params.js';
import type { Params } from './protocol.js';
import { QueryFault } from './protocol.js';
import {
  automaticFailover,
  compareVersions,
  DURABILITY,
  durabilityProblems,
  ENGINE_VERSIONS,
  onlineTlsSupported,
  resolveDurability,
} from './rules.js';
import { groupAnswer } from './shapes.js';
import type { EmulatorState, GroupState, Handler } from './state.js';

/** ModifyReplicationGroup parameters that change the group (after `modifying`, or at the window). */
const MODIFY_CHANGES = [
  'Engine',
  'EngineVersion',
  'CacheNodeType',
  'SnapshotRetentionLimit',
  'AutomaticFailoverEnabled',
  'MultiAZEnabled',
  'ClusterMode',
  'TransitEncryptionEnabled',
  'TransitEncryptionMode',
  'CacheParameterGroupName',
] as const;
/** ModifyReplicationGroup parameters that take effect on the call itself. */
const MODIFY_AT_ONCE = ['ReplicationGroupDescription', 'PreferredMaintenanceWindow'];
const MODIFY_CONTROL = ['ReplicationGroupId', 'ApplyImmediately', 'Durability'];

const refuse = (message: string) => new QueryFault('InvalidParameterCombination', message);

function nodeTypeOf(params: Params): string | undefined {
  const nodeType = text(params, 'CacheNodeType');
  if (nodeType !== undefined && !/^cache\.[a-z0-9]+\.[a-z0-9]+$/.test(nodeType))
    throw new QueryFault('InvalidParameterValue', `Invalid cache node type: ${nodeType}`);
  return nodeType;
}

/** The changes a ModifyReplicationGroup call asks for, each parameter read and validated. */
function requestedChanges(params: Params): Changes {
  const engine = text(params, 'Engine');
  const changes: Changes = {
    Engine: engine === undefined ? undefined : engineOf(engine),
    EngineVersion: text(params, 'EngineVersion'),
    CacheNodeType: nodeTypeOf(params),
    SnapshotRetentionLimit: int(params, 'SnapshotRetentionLimit', 0, 35),
    AutomaticFailoverEnabled: bool(params, 'AutomaticFailoverEnabled'),
    MultiAZEnabled: bool(params, 'MultiAZEnabled'),
    ClusterMode: oneOf(params, 'ClusterMode', ['enabled', 'disabled', 'compatible'] as const),
    TransitEncryptionEnabled: bool(params, 'TransitEncryptionEnabled'),
    TransitEncryptionMode: oneOf(params, 'TransitEncryptionMode', ['preferred', 'required'] as const),
    CacheParameterGroupName: text(params, 'CacheParameterGroupName'),
  };
  for (const key of Object.keys(changes) as (keyof Changes)[])
    if (changes[key] === undefined) delete changes[key];
  return changes;
}

/** Refuse the parameters the emulator does not model: every one it takes changes the group. */
function checkModelled(params: Params): void {
  const modelled = [...MODIFY_CONTROL, ...MODIFY_AT_ONCE, ...MODIFY_CHANGES] as readonly string[];
  const unmodelled = Object.keys(params).filter((key) => !modelled.includes(key));
  if (unmodelled.length > 0) {
    throw new QueryFault(
      'InvalidParameterValue',
      `${unmodelled.join(', ')} ${unmodelled.length === 1 ? 'is' : 'are'} not modelled by the emulator; ModifyReplicationGroup here takes ${[...MODIFY_CHANGES, 'Durability', ...MODIFY_AT_ONCE].join(', ')}.`,
    );
  }
}

function modifyReplicationGroup(store: EmulatorState, params: Params) {
  const id = required(params, 'ReplicationGroupId');
  checkModelled(params);
  const applyImmediately = bool(params, 'ApplyImmediately') ?? false;
  const durability = oneOf(params, 'Durability', DURABILITY);
  const group = store.group(id);
  const others = Object.keys(params).filter((key) => !MODIFY_CONTROL.includes(key));
  if (durability !== undefined && others.length > 0) {
    throw refuse(`Durability must be modified on its own; remove ${others.join(', ')} from this request.`);
  }
  if (group.migration !== undefined || group.status !== 'available') {
    throw new QueryFault(
      'InvalidReplicationGroupState',
      `Replication group ${group.id} must be in available state, is ${group.status}.`,
    );
  }
  if (durability !== undefined) return modifyDurability(store, group, durability, applyImmediately);
  if (others.length === 0) throw refuse('No modifications were requested.');
  const changes = requestedChanges(params);
  const description = text(params, 'ReplicationGroupDescription');
  const windowValue = text(params, 'PreferredMaintenanceWindow');
  const window = windowValue === undefined ? undefined : checkedWindow(windowValue);
  checkModification(store, group, changes, others);
  if (description !== undefined) group.description = description;
  if (window !== undefined) {
    group.preferredMaintenanceWindow = window;
    if (store.maintenanceAt.has(group.id)) scheduleMaintenance(store, group);
  }
  if (applyImmediately) {
    const all = { ...pendingChanges(group), ...changes };
    if (Object.keys(all).length > 0) applySoon(store, group, all);
  } else if (Object.keys(changes).length > 0) {
    group.pending = { ...group.pending, ...changes };
    scheduleMaintenance(store, group);
  }
  return groupAnswer(store, group);
}

/** Refuse a modification AWS refuses; `requested` names every parameter of the call. */
function checkModification(
  store: EmulatorState,
  group: GroupState,
  changes: Changes,
  requested: string[],
): void {
  const parameterGroup = () =>
    checkedParameterGroup(store, group, withChanges(group, changes), changes.CacheParameterGroupName);
  if (changes.ClusterMode !== undefined) {
    // "you cannot modify other parameters (excluding cacheParameterGroupName)"
    const extra = requested.filter((name) => name !== 'ClusterMode' && name !== 'CacheParameterGroupName');
    if (extra.length > 0)
      throw refuse(`ClusterMode must be modified on its own; remove ${extra.join(', ')} from this request.`);
    checkClusterMode(group, changes.ClusterMode);
    parameterGroup();
    return;
  }
  if (group.clusterMode === 'compatible') {
    throw refuse(
      `Replication group ${group.id} is in cluster mode compatible: only ClusterMode can be modified until it is enabled.`,
    );
  }
  checkEngine(group, changes);
  parameterGroup();
  checkTls(group, changes);
  checkFailover(group, changes);
  if (group.effectiveDurability !== 'disabled') {
    const problems = durabilityProblems({ ...group, ...withChanges(group, changes) });
    if (problems.length > 0) {
      throw refuse(
        `${group.id} has durability ${group.effectiveDurability}, which this modification would break: ${problems.join('; ')}.`,
      );
    }
  }
}

/** Engines move Redis OSS -> Valkey only, versions only up, to versions that exist. */
function checkEngine(group: GroupState, changes: Changes): void {
  const id = group.id;
  const engine = changes.Engine ?? group.engine;
  if (changes.Engine !== undefined && changes.Engine !== group.engine) {
    if (group.engine === 'valkey')
      throw refuse(`Cannot change ${id} from Valkey to Redis OSS: only Redis OSS -> Valkey is supported.`);
    if (changes.EngineVersion === undefined)
      throw refuse(
        `Engine=valkey needs EngineVersion in the same request: the Valkey version to upgrade ${id} to.`,
      );
  }
  if (changes.EngineVersion === undefined) return;
  const known: readonly string[] = ENGINE_VERSIONS[engine];
  if (!known.includes(changes.EngineVersion)) {
    throw new QueryFault(
      'InvalidParameterValue',
      `Cannot find version ${changes.EngineVersion} for ${engine}. Versions: ${known.join(', ')}.`,
    );
  }
  if (compareVersions(changes.EngineVersion, group.engineVersion) < 0) {
    throw refuse(
      `Cannot downgrade ${id} from ${group.engine} ${group.engineVersion} to ${engine} ${changes.EngineVersion}: engine versions only move up.`,
    );
  }
}

/** In-transit encryption changes online, in two steps through `preferred`. */
function checkTls(group: GroupState, changes: Changes): void {
  const id = group.id;
  const tls = changes.TransitEncryptionEnabled;
  const mode = changes.TransitEncryptionMode;
  const currentMode = group.tls ? (group.transitEncryptionMode ?? 'required') : undefined;
  const tlsChanges = (tls !== undefined && tls !== group.tls) || (mode !== undefined && mode !== currentMode);
  if (tlsChanges && !onlineTlsSupported(group)) {
    throw refuse(
      `In-transit encryption of an existing group changes online on Valkey 7.2 or Redis OSS 7.0 and later; ${id} runs ${group.engine} ${group.engineVersion}.`,
    );
  }
  if (tls === true && !group.tls && mode !== 'preferred') {
    throw refuse(
      `TransitEncryptionEnabled=true on ${id} needs TransitEncryptionMode=preferred in the same request; set required in a second modification once every client uses TLS.`,
    );
  }
  if (tls === false && group.tls && (currentMode !== 'preferred' || mode !== undefined)) {
    throw refuse(
      `Disabling in-transit encryption on ${id} needs TransitEncryptionMode=preferred first (it is ${currentMode}), and no TransitEncryptionMode with it.`,
    );
  }
  if (mode !== undefined && !group.tls && tls !== true) {
    throw refuse(
      `TransitEncryptionMode needs in-transit encryption: send TransitEncryptionEnabled=true with TransitEncryptionMode=preferred.`,
    );
  }
}

/** Multi-AZ needs automatic failover, and both need a replica per shard. */
function checkFailover(group: GroupState, changes: Changes): void {
  if (changes.AutomaticFailoverEnabled === undefined && changes.MultiAZEnabled === undefined) return;
  const id = group.id;
  const failover = changes.AutomaticFailoverEnabled ?? automaticFailover(group);
  const multiAZ = changes.MultiAZEnabled ?? group.multiAZ;
  if (!failover && group.clusterMode === 'enabled')
    throw refuse(
      `Automatic failover cannot be disabled on ${id}: cluster mode enabled groups always have it.`,
    );
  if (multiAZ && !failover)
    throw refuse(`Multi-AZ on ${id} needs automatic failover: send AutomaticFailoverEnabled=true.`);
  if (multiAZ && group.replicas < 1)
    throw refuse(
      `Multi-AZ on ${id} needs at least one replica per shard; it has none (IncreaseReplicaCount first).`,
    );
  if (changes.AutomaticFailoverEnabled === true && group.replicas < 1) {
    throw refuse(
      `Automatic failover on ${id} needs at least one replica per shard; it has none (IncreaseReplicaCount first).`,
    );
  }
}

/** Cluster mode moves disabled -> compatible -> enabled, and never back. */
function checkClusterMode(group: GroupState, to: GroupState['clusterMode']): void {
  const from = group.clusterMode;
  if (to === from || (from === 'compatible' && to === 'enabled')) return;
  if (from === 'disabled' && to === 'compatible') {
    const problems: string[] = [];
    const minimum = group.engine === 'valkey' ? '7.2' : '7.0';
    if (compareVersions(group.engineVersion, minimum) < 0)
      problems.push('it needs Valkey 7.2 or Redis OSS 7.0 or later');
    if (!automaticFailover(group)) problems.push('it needs automatic failover enabled');
    if (group.replicas < 1) problems.push('it needs at least one replica');
    if (problems.length > 0)
      throw refuse(`Cannot set ClusterMode=compatible on ${group.id}: ${problems.join('; ')}.`);
    return;
  }
  throw refuse(
    from === 'disabled' && to === 'enabled'
      ? `Cannot set ClusterMode=enabled on ${group.id} directly: set compatible first, move clients to the configuration endpoint, then set enabled.`
      : `Cannot change ClusterMode from ${from} to ${to} on ${group.id}: cluster mode only moves disabled -> compatible -> enabled and cannot be reverted.`,
  );
}

function modifyDurability(
  store: EmulatorState,
  group: GroupState,
  durability: string,
  applyImmediately: boolean,
) {
  const from = group.effectiveDurability;
  const to = resolveDurability(durability);
  if (to !== 'disabled') {
    const problems = durabilityProblems(group);
    if (problems.length > 0)
      throw refuse(`Cannot set Durability=${durability} on ${group.id}: ${problems.join('; ')}.`);
  }
  if (store.legacyDurabilityRule && (from === 'disabled') !== (to === 'disabled')) {
    throw refuse(
      `Durability cannot be turned ${to === 'disabled' ? 'off' : 'on'} after the replication group is created.`,
    );
  }
  group.durability = durability;
  if (from === to) {
    const { Durability: _held, ...rest } = group.pending; // a held change back to what runs
    group.pending = rest;
  } else if (applyImmediately) {
    applySoon(store, group, { ...pendingChanges(group), Durability: durability });
  } else {
    group.pending = { ...group.pending, Durability: durability };
    scheduleMaintenance(store, group);
  }
  return groupAnswer(store, group);
}

export const modifyActions: Record<string, Handler> = {
  ModifyReplicationGroup: modifyReplicationGroup,
};
