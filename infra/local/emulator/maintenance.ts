/**
 * How a group's modifications take effect: held in `pending` until the weekly maintenance
 * window, or applied after a `modifying` period with ApplyImmediately; with their events.
 */
import { QueryFault } from './protocol.js';
import { automaticFailover, resolveDurability } from './rules.js';
import { DURATIONS, type EmulatorState, type GroupState } from './state.js';

export const DEFAULT_MAINTENANCE_WINDOW = 'sun:05:00-sun:06:00';
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const WEEK_MINUTES = 7 * 1440;
const WEEK_MS = WEEK_MINUTES * 60_000;
const WINDOW =
  /^(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):([0-5]\d)-(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * A modification of a group, keyed by the ModifyReplicationGroup parameter it came from: what
 * `GroupState.pending` holds until the maintenance window (or while `modifying`).
 */
export interface Changes {
  Engine?: GroupState['engine'];
  EngineVersion?: string;
  CacheNodeType?: string;
  SnapshotRetentionLimit?: number;
  AutomaticFailoverEnabled?: boolean;
  MultiAZEnabled?: boolean;
  ClusterMode?: GroupState['clusterMode'];
  TransitEncryptionEnabled?: boolean;
  TransitEncryptionMode?: 'preferred' | 'required';
  /** A default group's name reads as "the default" (it follows the engine and cluster mode). */
  CacheParameterGroupName?: string;
  Durability?: string;
}

/** A window's start and end in minutes from the start of the week (Sunday 00:00 UTC). */
function windowMinutes(window: string): [number, number] | undefined {
  const match = WINDOW.exec(window);
  if (match === null) return undefined;
  const at = (day: string | undefined, hours: string | undefined, minutes: string | undefined) =>
    DAYS.indexOf(day ?? '') * 1440 + Number(hours) * 60 + Number(minutes);
  return [at(match[1], match[2], match[3]), at(match[4], match[5], match[6])];
}

/** A window's length in minutes, or undefined when it is not `ddd:hh24:mi-ddd:hh24:mi`. */
function windowLength(window: string): number | undefined {
  const minutes = windowMinutes(window);
  return minutes === undefined ? undefined : (minutes[1] - minutes[0] + WEEK_MINUTES) % WEEK_MINUTES;
}

/** The first start of a weekly window strictly after `after`. */
function nextWindowStart(window: string, after: number): number {
  const [startMinutes = 0] = windowMinutes(window) ?? windowMinutes(DEFAULT_MAINTENANCE_WINDOW) ?? [];
  const day = new Date(after);
  const sunday = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() - day.getUTCDay());
  let start = sunday + startMinutes * 60_000;
  while (start <= after) start += WEEK_MS;
  return start;
}

/** The typed view of `group.pending` (seeded groups may hold any record). */
export function pendingChanges(group: GroupState): Changes {
  const pending = group.pending;
  const changes: Changes = {};
  const textOf = (key: string) => (typeof pending[key] === 'string' ? pending[key] : undefined);
  const flagOf = (key: string) => (typeof pending[key] === 'boolean' ? pending[key] : undefined);
  const engine = textOf('Engine');
  if (engine === 'valkey' || engine === 'redis') changes.Engine = engine;
  changes.EngineVersion = textOf('EngineVersion');
  changes.CacheNodeType = textOf('CacheNodeType');
  if (typeof pending.SnapshotRetentionLimit === 'number')
    changes.SnapshotRetentionLimit = pending.SnapshotRetentionLimit;
  changes.AutomaticFailoverEnabled = flagOf('AutomaticFailoverEnabled');
  changes.MultiAZEnabled = flagOf('MultiAZEnabled');
  const clusterMode = textOf('ClusterMode');
  if (clusterMode === 'enabled' || clusterMode === 'disabled' || clusterMode === 'compatible')
    changes.ClusterMode = clusterMode;
  changes.TransitEncryptionEnabled = flagOf('TransitEncryptionEnabled');
  const mode = textOf('TransitEncryptionMode');
  if (mode === 'preferred' || mode === 'required') changes.TransitEncryptionMode = mode;
  changes.CacheParameterGroupName = textOf('CacheParameterGroupName');
  changes.Durability = textOf('Durability');
  for (const key of Object.keys(changes) as (keyof Changes)[])
    if (changes[key] === undefined) delete changes[key];
  return changes;
}

/** A requested group's (lower-case) name, or none for a default one: the default follows the engine. */
function parameterGroupAfter(group: GroupState, requested: string | undefined): string | undefined {
  if (requested === undefined) return group.parameterGroup;
  return requested.startsWith('default.') ? undefined : requested.toLowerCase();
}

/** The fields a set of changes gives a group (checked before, assigned when they apply). */
export function withChanges(group: GroupState, changes: Changes) {
  const tls = changes.TransitEncryptionEnabled ?? group.tls;
  return {
    engine: changes.Engine ?? group.engine,
    engineVersion: changes.EngineVersion ?? group.engineVersion,
    nodeType: changes.CacheNodeType ?? group.nodeType,
    snapshotRetentionLimit: changes.SnapshotRetentionLimit ?? group.snapshotRetentionLimit,
    automaticFailover: changes.AutomaticFailoverEnabled ?? automaticFailover(group),
    multiAZ: changes.MultiAZEnabled ?? group.multiAZ,
    clusterMode: changes.ClusterMode ?? group.clusterMode,
    tls,
    transitEncryptionMode: tls ? (changes.TransitEncryptionMode ?? group.transitEncryptionMode) : undefined,
    parameterGroup: parameterGroupAfter(group, changes.CacheParameterGroupName),
  } satisfies Partial<GroupState>;
}

/** Apply changes to the group now, with their events, and clear what was pending. */
function applyChanges(store: EmulatorState, group: GroupState, changes: Changes): void {
  const { Durability: durability, ...others } = changes;
  if (Object.keys(others).length > 0) {
    Object.assign(group, withChanges(group, others));
    store.event('replication-group', group.id, `Replication group ${group.id} has been modified`);
  }
  if (durability !== undefined) {
    const from = group.effectiveDurability;
    const to = resolveDurability(durability);
    group.effectiveDurability = to;
    if (to !== 'disabled') group.encrypted = true; // durability turns on at-rest encryption
    if (from !== to) {
      store.event(
        'replication-group',
        group.id,
        `Durability of replication group ${group.id} changed from ${from} to ${to}`,
      );
    }
  }
  group.pending = {};
}

function durationOf(group: GroupState, changes: Changes): number {
  return changes.Durability !== undefined &&
    resolveDurability(changes.Durability) !== group.effectiveDurability
    ? DURATIONS.durabilityChange
    : DURATIONS.modify;
}

/** `modifying` from `start`, the changes applied (and `available`) after their duration. */
function modifyFrom(store: EmulatorState, group: GroupState, changes: Changes, start: number): void {
  group.status = 'modifying';
  store.at(start + durationOf(group, changes), () => {
    applyChanges(store, group, changes);
    group.status = 'available';
  });
}

/** `modifying` now, the changes applied (and `available`) after their duration. */
export function applySoon(store: EmulatorState, group: GroupState, changes: Changes): void {
  store.maintenanceAt.delete(group.id);
  group.pending = { ...changes }; // shown while they apply
  modifyFrom(store, group, changes, store.clock.now());
}

/** Hold the group's pending changes for the next start of its maintenance window. */
export function scheduleMaintenance(
  store: EmulatorState,
  group: GroupState,
  after = store.clock.now(),
): void {
  const start = nextWindowStart(group.preferredMaintenanceWindow ?? DEFAULT_MAINTENANCE_WINDOW, after);
  store.maintenanceAt.set(group.id, start);
  store.at(start, () => maintain(store, group, start));
}

function maintain(store: EmulatorState, group: GroupState, start: number): void {
  if (store.maintenanceAt.get(group.id) !== start || store.groups.get(group.id) !== group) return;
  store.maintenanceAt.delete(group.id);
  const changes = pendingChanges(group);
  if (Object.keys(changes).length === 0) return;
  if (group.status !== 'available' || group.migration !== undefined) {
    scheduleMaintenance(store, group, start); // busy at its window: the changes wait a week
    return;
  }
  modifyFrom(store, group, changes, start);
}

/**
 * Apply the changes held for the maintenance window now, without the `modifying` period
 * (tests and the demo call this; the window itself applies them when the clock reaches it).
 */
export function runMaintenance(store: EmulatorState, groupId: string): void {
  const group = store.group(groupId);
  store.maintenanceAt.delete(group.id);
  applyChanges(store, group, pendingChanges(group));
}

/** A PreferredMaintenanceWindow value: `ddd:hh24:mi-ddd:hh24:mi` (UTC), at least 60 minutes. */
export function checkedWindow(value: string): string {
  const window = value.toLowerCase();
  const length = windowLength(window);
  if (length === undefined) {
    throw new QueryFault(
      'InvalidParameterValue',
      `Invalid PreferredMaintenanceWindow ${window}: the format is ddd:hh24:mi-ddd:hh24:mi (UTC), e.g. ${DEFAULT_MAINTENANCE_WINDOW}.`,
    );
  }
  if (length < 60) {
    throw new QueryFault(
      'InvalidParameterValue',
      `Invalid PreferredMaintenanceWindow ${window}: the window must be at least 60 minutes.`,
    );
  }
  return window;
}
