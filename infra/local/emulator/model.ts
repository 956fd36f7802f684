/**
 * The emulated ElastiCache control plane: replication groups, serverless caches, snapshots,
 * events and tags, with the lifecycle and the durability rules AWS documents (see README).
 * Time comes from a Clock; pending transitions are applied lazily when state is read.
 */
import type { Clock } from './clock.js';
import type { Endpoint, MigrationBackend } from './migration.js';
import { type Params, type ParamValue, QueryFault } from './protocol.js';

export const DURABLE_FAMILIES = ['r6g', 'r7g', 'r8g', 'm6g', 'm7g', 'm8g', 'c7gn', 'c8gn'];
const DURABILITY = ['default', 'async', 'sync', 'disabled'];
const LEVEL = { disabled: 0, async: 1, sync: 2 } as const;
/** Tags per resource (TagQuotaPerResourceExceeded). */
const TAG_QUOTA = 50;
type Level = keyof typeof LEVEL;

/** Simulated durations, in ms of emulator time. */
export const DURATIONS = {
  create: 60_000,
  modify: 30_000,
  durabilityChange: 60_000,
  snapshot: 30_000,
  delete: 30_000,
  testMigration: 10_000,
  completeMigration: 10_000,
} as const;

export interface GroupState {
  id: string;
  description: string;
  engine: 'valkey' | 'redis';
  engineVersion: string;
  status: string;
  clusterMode: 'enabled' | 'disabled' | 'compatible';
  shards: number;
  replicas: number;
  multiAZ: boolean;
  /** Unset: enabled with Multi-AZ or cluster mode enabled, as groups are usually created. */
  automaticFailover?: boolean;
  tls: boolean;
  /** With `tls`; unset reads `required`. */
  transitEncryptionMode?: 'preferred' | 'required';
  /** Days of automatic backups; unset reads 1. */
  snapshotRetentionLimit?: number;
  /** Weekly `ddd:hh24:mi-ddd:hh24:mi` (UTC) when pending changes apply; unset reads `sun:05:00-sun:06:00`. */
  preferredMaintenanceWindow?: string;
  atRestEncryptionEnabled: boolean;
  kmsKeyId?: string;
  durability: string;
  effectiveDurability: Level;
  encrypted: boolean;
  nodeType: string;
  dataTiering: boolean;
  globalDatastore?: string;
  createdAt: number;
  /** The group predates the 2026-06-02 fields: the API omits them. */
  legacyApi: boolean;
  pending: Record<string, unknown>;
  migration?: { endpoints: Endpoint[]; startedAt: number };
  tags: Map<string, string>;
}

export interface ServerlessState {
  name: string;
  description: string;
  engine: 'valkey' | 'redis';
  majorEngineVersion: string;
  status: string;
  kmsKeyId?: string;
  /** Serverless caches are always encrypted in AWS; false lets tests see `none`. */
  encrypted?: boolean;
  createdAt: number;
  legacyApi: boolean;
  tags: Map<string, string>;
}

export interface SnapshotState {
  name: string;
  groupId: string;
  status: string;
  source: 'manual' | 'automated';
  durability: string;
  engine: string;
  engineVersion: string;
  nodeType: string;
  shards: number;
  replicas: number;
  clusterMode: GroupState['clusterMode'];
  kmsKeyId?: string;
  createdAt: number;
  sizeMb: number;
  tags: Map<string, string>;
}

export interface EventRecord {
  SourceIdentifier: string;
  SourceType: string;
  Message: string;
  Date: Date;
}

/** Engine versions the emulator knows, oldest first: what an upgrade may name. */
export const ENGINE_VERSIONS = {
  redis: ['5.0.6', '6.0', '6.2', '7.0', '7.1'],
  valkey: ['7.2', '8.0', '8.1', '8.2', '9.0', '9.1'],
} as const;

export const DEFAULT_MAINTENANCE_WINDOW = 'sun:05:00-sun:06:00';
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

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
] as const;
/** ModifyReplicationGroup parameters that take effect on the call itself. */
const MODIFY_AT_ONCE = ['ReplicationGroupDescription', 'PreferredMaintenanceWindow'];
const MODIFY_CONTROL = ['ReplicationGroupId', 'ApplyImmediately', 'Durability'];

/**
 * A modification of a group, keyed by the ModifyReplicationGroup parameter it came from: what
 * `GroupState.pending` holds until the maintenance window (or while `modifying`).
 */
interface Changes {
  Engine?: GroupState['engine'];
  EngineVersion?: string;
  CacheNodeType?: string;
  SnapshotRetentionLimit?: number;
  AutomaticFailoverEnabled?: boolean;
  MultiAZEnabled?: boolean;
  ClusterMode?: GroupState['clusterMode'];
  TransitEncryptionEnabled?: boolean;
  TransitEncryptionMode?: 'preferred' | 'required';
  Durability?: string;
}

/** Numeric order of dotted versions: 7.0 < 7.1 < 7.2 < 8.0 < 9.0. */
function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

const WINDOW =
  /^(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):([0-5]\d)-(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes from the start of the week (Sunday 00:00 UTC) of a window's start and end. */
function windowMinutes(window: string): [number, number] | undefined {
  const match = WINDOW.exec(window);
  if (match === null) return undefined;
  const at = (day: string | undefined, hours: string | undefined, minutes: string | undefined) =>
    DAYS.indexOf(day ?? '') * 1440 + Number(hours) * 60 + Number(minutes);
  return [at(match[1], match[2], match[3]), at(match[4], match[5], match[6])];
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

/** Online in-transit encryption changes need Valkey 7.2+ or Redis OSS 7.0+. */
function onlineTlsSupported(group: Pick<GroupState, 'engine' | 'engineVersion'>): boolean {
  return group.engine === 'valkey' || compareVersions(group.engineVersion, '7.0') >= 0;
}

interface Transition {
  at: number;
  apply: () => void;
}

export interface ModelOptions {
  clock: Clock;
  region?: string;
  account?: string;
  migration: MigrationBackend;
}

// --- parameter reading -------------------------------------------------------------

function text(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new QueryFault('InvalidParameterValue', `${name} must be a single value`);
  return value;
}

function required(params: Params, name: string): string {
  const value = text(params, name);
  if (value === undefined || value === '') {
    throw new QueryFault('MissingParameter', `The request must contain the parameter ${name}`);
  }
  return value;
}

function bool(params: Params, name: string): boolean | undefined {
  const value = text(params, name);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') {
    throw new QueryFault('InvalidParameterValue', `Invalid boolean value for ${name}: ${value}`);
  }
  return value === 'true';
}

function int(params: Params, name: string, min: number, max: number): number | undefined {
  const value = text(params, name);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new QueryFault(
      'InvalidParameterValue',
      `Invalid value for ${name}: ${value}. Must be between ${min} and ${max}.`,
    );
  }
  return number;
}

function oneOf<T extends string>(params: Params, name: string, values: readonly T[]): T | undefined {
  const value = text(params, name);
  if (value === undefined) return undefined;
  if (!(values as readonly string[]).includes(value)) {
    throw new QueryFault(
      'InvalidParameterValue',
      `Invalid value for ${name}: ${value}. Valid values: ${values.join(', ')}`,
    );
  }
  return value as T;
}

function list(params: Params, name: string): ParamValue[] {
  const value = params[name];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new QueryFault('InvalidParameterValue', `${name} must be a list`);
  return value.filter((item) => item !== undefined);
}

function tagsOf(params: Params): [string, string][] {
  return list(params, 'Tags').map((tag) => {
    if (typeof tag !== 'object' || Array.isArray(tag) || typeof tag.Key !== 'string') {
      throw new QueryFault('InvalidParameterValue', 'Each tag needs a Key');
    }
    return [tag.Key, typeof tag.Value === 'string' ? tag.Value : ''];
  });
}

function endpointsOf(params: Params): Endpoint[] {
  const endpoints = list(params, 'CustomerNodeEndpointList').map((item, index) => {
    if (typeof item !== 'object' || Array.isArray(item)) {
      throw new QueryFault(
        'InvalidParameterValue',
        `CustomerNodeEndpointList.member.${index + 1} is malformed`,
      );
    }
    const address = typeof item.Address === 'string' ? item.Address : '';
    const port = Number(item.Port);
    if (address === '') {
      throw new QueryFault(
        'MissingParameter',
        `CustomerNodeEndpointList.member.${index + 1}.Address is required`,
      );
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new QueryFault(
        'InvalidParameterValue',
        `CustomerNodeEndpointList.member.${index + 1}.Port must be 1-65535`,
      );
    }
    return { address, port };
  });
  if (endpoints.length === 0)
    throw new QueryFault(
      'MissingParameter',
      'The request must contain the parameter CustomerNodeEndpointList',
    );
  return endpoints;
}

/** The changes a ModifyReplicationGroup call asks for, each parameter read and validated. */
function requestedChanges(params: Params): Changes {
  const changes: Changes = {};
  const engine = text(params, 'Engine')?.toLowerCase();
  if (engine !== undefined) {
    if (engine !== 'valkey' && engine !== 'redis') {
      throw new QueryFault(
        'InvalidParameterValue',
        `Invalid value for Engine: ${engine}. Valid values: valkey, redis`,
      );
    }
    changes.Engine = engine;
  }
  const version = text(params, 'EngineVersion');
  if (version !== undefined) changes.EngineVersion = version;
  const nodeType = text(params, 'CacheNodeType');
  if (nodeType !== undefined) {
    if (!/^cache\.[a-z0-9]+\.[a-z0-9]+$/.test(nodeType))
      throw new QueryFault('InvalidParameterValue', `Invalid cache node type: ${nodeType}`);
    changes.CacheNodeType = nodeType;
  }
  const retention = int(params, 'SnapshotRetentionLimit', 0, 35);
  if (retention !== undefined) changes.SnapshotRetentionLimit = retention;
  const failover = bool(params, 'AutomaticFailoverEnabled');
  if (failover !== undefined) changes.AutomaticFailoverEnabled = failover;
  const multiAZ = bool(params, 'MultiAZEnabled');
  if (multiAZ !== undefined) changes.MultiAZEnabled = multiAZ;
  const clusterMode = oneOf(params, 'ClusterMode', ['enabled', 'disabled', 'compatible'] as const);
  if (clusterMode !== undefined) changes.ClusterMode = clusterMode;
  const tls = bool(params, 'TransitEncryptionEnabled');
  if (tls !== undefined) changes.TransitEncryptionEnabled = tls;
  const mode = oneOf(params, 'TransitEncryptionMode', ['preferred', 'required'] as const);
  if (mode !== undefined) changes.TransitEncryptionMode = mode;
  return changes;
}

/** A PreferredMaintenanceWindow parameter: `ddd:hh24:mi-ddd:hh24:mi` (UTC), at least 60 minutes. */
function maintenanceWindowOf(params: Params): string | undefined {
  const window = text(params, 'PreferredMaintenanceWindow')?.toLowerCase();
  if (window === undefined) return undefined;
  const minutes = windowMinutes(window);
  if (minutes === undefined) {
    throw new QueryFault(
      'InvalidParameterValue',
      `Invalid PreferredMaintenanceWindow ${window}: the format is ddd:hh24:mi-ddd:hh24:mi (UTC), e.g. ${DEFAULT_MAINTENANCE_WINDOW}.`,
    );
  }
  const length = (minutes[1] - minutes[0] + WEEK_MS / 60_000) % (WEEK_MS / 60_000);
  if (length < 60) {
    throw new QueryFault(
      'InvalidParameterValue',
      `Invalid PreferredMaintenanceWindow ${window}: the window must be at least 60 minutes.`,
    );
  }
  return window;
}

/**
 * A pagination marker: `kind` and a position, base64url-encoded. Opaque to clients like AWS's;
 * anything that does not decode to this emulator's own marker of that kind is refused.
 */
function encodeMarker(kind: string, position: string): string {
  return Buffer.from(`${kind}:${position}`).toString('base64url');
}

function decodeMarker(kind: string, marker: string, name: string): string {
  const decoded = /^[A-Za-z0-9_-]+$/.test(marker) ? Buffer.from(marker, 'base64url').toString() : '';
  const valid =
    Buffer.from(decoded).toString('base64url') === marker &&
    decoded.startsWith(`${kind}:`) &&
    decoded.length > kind.length + 1;
  if (!valid) throw new QueryFault('InvalidParameterValue', `Invalid value for ${name}: ${marker}`);
  return decoded.slice(kind.length + 1);
}

function timestamp(params: Params, name: string): number | undefined {
  const value = text(params, name);
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new QueryFault('InvalidParameterValue', `Invalid value for ${name}: ${value}`);
  return time;
}

/** Page through sorted ids: the marker is the last id served, so each item is visited once. */
function page<T>(
  ids: readonly string[],
  lookup: (id: string) => T,
  marker: string | undefined,
  size: number,
  name = 'Marker',
) {
  let start = 0;
  if (marker !== undefined) {
    const after = decodeMarker('id', marker, name);
    let low = 0;
    let high = ids.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((ids[middle] ?? '') <= after) low = middle + 1;
      else high = middle;
    }
    start = low;
  }
  const slice = ids.slice(start, start + size);
  const last = slice[slice.length - 1];
  const more = start + size < ids.length && last !== undefined;
  return { items: slice.map(lookup), marker: more ? encodeMarker('id', last) : undefined };
}

function durabilityProblems(
  group: Pick<
    GroupState,
    | 'engine'
    | 'engineVersion'
    | 'clusterMode'
    | 'multiAZ'
    | 'replicas'
    | 'tls'
    | 'nodeType'
    | 'dataTiering'
    | 'globalDatastore'
  >,
): string[] {
  const problems: string[] = [];
  const [major = 0] = group.engineVersion.split('.').map(Number);
  if (group.engine !== 'valkey' || major < 9) problems.push('durability requires Valkey 9.0 or later');
  if (group.clusterMode !== 'enabled') problems.push('durability requires cluster mode enabled');
  if (!group.multiAZ || group.replicas < 1)
    problems.push('durability requires Multi-AZ with at least one replica per shard');
  if (!group.tls) problems.push('durability requires in-transit encryption');
  if (!DURABLE_FAMILIES.includes(group.nodeType.split('.')[1] ?? '')) {
    problems.push(`durability is not supported on node type ${group.nodeType}`);
  }
  if (group.dataTiering) problems.push('durability is not supported with data tiering');
  if (group.globalDatastore !== undefined)
    problems.push('durability is not supported for Global Datastore members');
  return problems;
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

/** Whether dotted version `version` is at least `minimum` (missing parts read 0). */
function atLeast(version: string, minimum: string): boolean {
  const have = version.split('.').map(Number);
  const want = minimum.split('.').map(Number);
  for (let index = 0; index < want.length; index += 1) {
    const a = have[index] ?? 0;
    const b = want[index] ?? 0;
    if (Number.isNaN(a) || a !== b) return a > b;
  }
  return true;
}

/** The online-migration prerequisites a target group does not meet (none: it can take one). */
function migrationProblems(group: GroupState): string[] {
  const problems: string[] = [];
  const minimum = group.clusterMode === 'enabled' ? '5.0.6' : '5.0.5';
  if (group.engine === 'redis' && !atLeast(group.engineVersion, minimum)) {
    problems.push(
      `Redis OSS ${group.engineVersion} is below ${minimum} (the minimum with cluster mode ${group.clusterMode === 'enabled' ? 'enabled' : 'disabled'})`,
    );
  }
  if (group.tls) problems.push('in-transit encryption must be disabled');
  if (!group.multiAZ) problems.push('Multi-AZ must be enabled');
  if (group.dataTiering || (group.nodeType.split('.')[1] ?? '') === 'r6gd') {
    problems.push(`data tiering (node type ${group.nodeType}) is not supported`);
  }
  if (group.globalDatastore !== undefined) problems.push('a Global Datastore member is not supported');
  if (group.effectiveDurability !== 'disabled') {
    problems.push(
      `online migration into a durable replication group is not supported (durability ${group.effectiveDurability})`,
    );
  }
  return problems;
}

/** What `default` resolves to today. */
function resolveDurability(setting: string): Level {
  return setting === 'default' ? 'disabled' : (setting as Level);
}

export class ElastiCacheModel {
  readonly groups = new Map<string, GroupState>();
  readonly serverless = new Map<string, ServerlessState>();
  readonly snapshots = new Map<string, SnapshotState>();
  readonly events: EventRecord[] = [];
  /** The older documented rule: durability cannot be turned on or off after creation. */
  legacyDurabilityRule = false;

  readonly #clock: Clock;
  readonly #region: string;
  readonly #account: string;
  readonly #migration: MigrationBackend;
  #transitions: Transition[] = [];
  /** The maintenance window each group with pending changes waits for (a later one replaces it). */
  readonly #maintenanceAt = new Map<string, number>();
  /** Tags of member clusters tagged through their own `cluster:` ARN. */
  readonly #memberTags = new Map<string, Map<string, string>>();
  #sorted: { groups?: string[]; serverless?: string[]; snapshots?: string[] } = {};

  constructor(options: ModelOptions) {
    this.#clock = options.clock;
    this.#region = options.region ?? 'us-east-1';
    this.#account = options.account ?? '123456789012';
    this.#migration = options.migration;
  }

  arn(kind: 'replicationgroup' | 'serverlesscache' | 'snapshot' | 'cluster', id: string): string {
    return `arn:aws:elasticache:${this.#region}:${this.#account}:${kind}:${id}`;
  }

  /** Apply every transition whose time has come (in time order). */
  tick(): void {
    const now = this.#clock.now();
    // A transition may schedule another that is already due (a maintenance window long passed).
    while (this.#transitions.some((transition) => transition.at <= now)) {
      const due = this.#transitions.filter((transition) => transition.at <= now).sort((a, b) => a.at - b.at);
      this.#transitions = this.#transitions.filter((transition) => transition.at > now);
      for (const transition of due) transition.apply();
    }
  }

  #later(delayMs: number, apply: () => void): void {
    this.#at(this.#clock.now() + delayMs, apply);
  }

  #at(time: number, apply: () => void): void {
    this.#transitions.push({ at: time, apply });
  }

  event(sourceType: string, sourceId: string, message: string): void {
    this.events.push({
      SourceIdentifier: sourceId,
      SourceType: sourceType,
      Message: message,
      Date: new Date(this.#clock.now()),
    });
  }

  #group(id: string): GroupState {
    const group = this.groups.get(id);
    if (group === undefined)
      throw new QueryFault('ReplicationGroupNotFoundFault', `ReplicationGroup ${id} not found.`);
    return group;
  }

  #available(group: GroupState): void {
    if (group.status !== 'available') {
      throw new QueryFault(
        'InvalidReplicationGroupState',
        `Replication group ${group.id} must be in available state, is ${group.status}.`,
      );
    }
  }

  /** Ids of one kind in sorted order (cached until that kind changes): what pagination walks. */
  sortedIds(kind: 'groups' | 'serverless' | 'snapshots'): string[] {
    return this.#sortedIds(kind);
  }

  #sortedIds(kind: 'groups' | 'serverless' | 'snapshots'): string[] {
    const cached = this.#sorted[kind];
    if (cached !== undefined) return cached;
    const ids = [...this[kind].keys()].sort();
    this.#sorted[kind] = ids;
    return ids;
  }

  #changed(kind: 'groups' | 'serverless' | 'snapshots'): void {
    this.#sorted[kind] = undefined;
  }

  /** Add a group directly (seeding); no events, no lifecycle. */
  putGroup(group: GroupState): void {
    this.groups.set(group.id, group);
    this.#changed('groups');
  }

  putServerless(cache: ServerlessState): void {
    this.serverless.set(cache.name, cache);
    this.#changed('serverless');
  }

  // --- output shapes -------------------------------------------------------------------

  storageEncryptionType(group: { encrypted: boolean; kmsKeyId?: string }): string {
    if (!group.encrypted) return 'none';
    return group.kmsKeyId === undefined ? 'sse-elasticache' : 'sse-kms';
  }

  memberIds(group: GroupState): string[][] {
    return Array.from({ length: group.shards }, (_, shard) =>
      Array.from({ length: group.replicas + 1 }, (_, member) =>
        group.clusterMode === 'enabled'
          ? `${group.id}-${String(shard + 1).padStart(4, '0')}-${String(member + 1).padStart(3, '0')}`
          : `${group.id}-${String(member + 1).padStart(3, '0')}`,
      ),
    );
  }

  /** A member cluster's PendingModifiedValues: the node-level part of the group's pending changes. */
  #memberPending(group: GroupState): Record<string, unknown> {
    const changes = this.#pendingChanges(group);
    return {
      EngineVersion: changes.EngineVersion,
      CacheNodeType: changes.CacheNodeType,
      TransitEncryptionEnabled: changes.TransitEncryptionEnabled,
      TransitEncryptionMode: changes.TransitEncryptionMode,
    };
  }

  /** The typed view of `group.pending` (seeded groups may hold any record). */
  #pendingChanges(group: GroupState): Changes {
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
    changes.Durability = textOf('Durability');
    for (const key of Object.keys(changes) as (keyof Changes)[])
      if (changes[key] === undefined) delete changes[key];
    return changes;
  }

  automaticFailover(group: GroupState): boolean {
    return group.automaticFailover ?? (group.multiAZ || group.clusterMode === 'enabled');
  }

  /**
   * PendingModifiedValues with the API's member names (AutomaticFailoverEnabled reads
   * AutomaticFailoverStatus); members the group's shape lacks (EngineVersion, CacheNodeType)
   * are dropped on the wire and show on the member clusters, as in AWS.
   */
  #pendingShape(group: GroupState): Record<string, unknown> {
    const { AutomaticFailoverEnabled: failover, ...rest } = group.pending;
    if (typeof failover !== 'boolean') return rest;
    return { ...rest, AutomaticFailoverStatus: failover ? 'enabled' : 'disabled' };
  }

  replicationGroupShape(group: GroupState): Record<string, unknown> {
    const members = this.memberIds(group);
    const served = this.#migration.targetEndpoint(group.id);
    // A group whose data a migration backend serves is reached there, as clients would reach it.
    const target = served === undefined ? undefined : { Address: served.address, Port: served.port };
    const host = (name: string) => ({
      Address: `${name}.abc123.${this.#region}.cache.amazonaws.com`,
      Port: 6379,
    });
    return {
      ReplicationGroupId: group.id,
      Description: group.description,
      Status: group.status,
      PendingModifiedValues: this.#pendingShape(group),
      MemberClusters: members.flat(),
      NodeGroups: members.map((ids, shard) => ({
        NodeGroupId: String(shard + 1).padStart(4, '0'),
        Status: 'available',
        ...(group.clusterMode === 'enabled'
          ? { Slots: slotRange(shard, group.shards) }
          : {
              PrimaryEndpoint: target ?? host(`master.${group.id}`),
              ReaderEndpoint: host(`replica.${group.id}`),
            }),
        NodeGroupMembers: ids.map((cacheClusterId, index) => ({
          CacheClusterId: cacheClusterId,
          CacheNodeId: '0001',
          PreferredAvailabilityZone: `${this.#region}${'abc'[index % 3]}`,
          // Read endpoints and roles exist only in cluster mode disabled (NodeGroupMember).
          ...(group.clusterMode === 'enabled'
            ? {}
            : { ReadEndpoint: host(cacheClusterId), CurrentRole: index === 0 ? 'primary' : 'replica' }),
        })),
      })),
      ...(group.globalDatastore === undefined
        ? {}
        : {
            GlobalReplicationGroupInfo: {
              GlobalReplicationGroupId: group.globalDatastore,
              GlobalReplicationGroupMemberRole: 'primary',
            },
          }),
      AutomaticFailover: this.automaticFailover(group) ? 'enabled' : 'disabled',
      MultiAZ: group.multiAZ ? 'enabled' : 'disabled',
      ...(group.clusterMode === 'enabled'
        ? { ConfigurationEndpoint: target ?? host(`clustercfg.${group.id}`) }
        : {}),
      SnapshotRetentionLimit: group.snapshotRetentionLimit ?? 1,
      ClusterEnabled: group.clusterMode === 'enabled',
      CacheNodeType: group.nodeType,
      AuthTokenEnabled: false,
      TransitEncryptionEnabled: group.tls,
      ...(group.tls ? { TransitEncryptionMode: group.transitEncryptionMode ?? 'required' } : {}),
      AtRestEncryptionEnabled: group.atRestEncryptionEnabled,
      KmsKeyId: group.kmsKeyId,
      ARN: this.arn('replicationgroup', group.id),
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
            StorageEncryptionType: this.storageEncryptionType(group),
            Durability: group.durability,
            EffectiveDurability: group.effectiveDurability,
          }),
    };
  }

  serverlessShape(cache: ServerlessState): Record<string, unknown> {
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
            StorageEncryptionType: this.storageEncryptionType({
              encrypted: cache.encrypted ?? true,
              kmsKeyId: cache.kmsKeyId,
            }),
          }),
      Endpoint: {
        Address: `${cache.name}-abc123.serverless.${this.#region}.cache.amazonaws.com`,
        Port: 6379,
      },
      ARN: this.arn('serverlesscache', cache.name),
      SnapshotRetentionLimit: 0,
      NetworkType: 'ipv4',
    };
  }

  snapshotShape(snapshot: SnapshotState): Record<string, unknown> {
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
      ARN: this.arn('snapshot', snapshot.name),
      DataTiering: 'disabled',
      Durability: snapshot.durability,
    };
  }

  // --- actions -------------------------------------------------------------------------

  describeReplicationGroups(params: Params) {
    const size = int(params, 'MaxRecords', 20, 100) ?? 100;
    const id = text(params, 'ReplicationGroupId');
    if (id !== undefined) return { ReplicationGroups: [this.replicationGroupShape(this.#group(id))] };
    const result = page(
      this.#sortedIds('groups'),
      (key) => this.replicationGroupShape(this.#group(key)),
      text(params, 'Marker'),
      size,
    );
    return { ReplicationGroups: result.items, Marker: result.marker };
  }

  describeServerlessCaches(params: Params) {
    const size = int(params, 'MaxResults', 1, 100) ?? 50;
    const name = text(params, 'ServerlessCacheName');
    if (name !== undefined) {
      const cache = this.serverless.get(name);
      if (cache === undefined)
        throw new QueryFault('ServerlessCacheNotFoundFault', `Serverless cache ${name} not found.`);
      return { ServerlessCaches: [this.serverlessShape(cache)] };
    }
    const result = page(
      this.#sortedIds('serverless'),
      (key) => this.serverlessShape(this.serverless.get(key) as ServerlessState),
      text(params, 'NextToken'),
      size,
      'NextToken',
    );
    return { ServerlessCaches: result.items, NextToken: result.marker };
  }

  describeCacheClusters(params: Params) {
    const size = int(params, 'MaxRecords', 20, 100) ?? 100;
    const clusters: Record<string, unknown>[] = [];
    const wanted = text(params, 'CacheClusterId');
    const showNodes = bool(params, 'ShowCacheNodeInfo') ?? false;
    for (const id of this.#sortedIds('groups')) {
      const group = this.#group(id);
      // Nodes are listed once provisioned: a creating or deleting cluster shows cluster-level fields only.
      const nodesShown = showNodes && group.status !== 'creating' && group.status !== 'deleting';
      for (const clusterId of this.memberIds(group).flat()) {
        if (wanted !== undefined && clusterId !== wanted) continue;
        clusters.push({
          ...(nodesShown ? { CacheNodes: [this.#cacheNode(group, clusterId)] } : {}),
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
          PendingModifiedValues: this.#memberPending(group),
          ARN: this.arn('cluster', clusterId),
        });
      }
      if (wanted !== undefined && clusters.length > 0) break;
    }
    if (wanted !== undefined && clusters.length === 0) {
      throw new QueryFault('CacheClusterNotFound', `CacheCluster ${wanted} not found.`);
    }
    const ids = clusters.map((cluster) => String(cluster.CacheClusterId));
    const byId = new Map(clusters.map((cluster) => [String(cluster.CacheClusterId), cluster]));
    const result = page(ids, (key) => byId.get(key), text(params, 'Marker'), size);
    return { CacheClusters: result.items, Marker: result.marker };
  }

  #cacheNode(group: GroupState, clusterId: string): Record<string, unknown> {
    return {
      CacheNodeId: '0001',
      CacheNodeStatus: 'available',
      CacheNodeCreateTime: new Date(group.createdAt),
      Endpoint: { Address: `${clusterId}.abc123.${this.#region}.cache.amazonaws.com`, Port: 6379 },
      ParameterGroupStatus: 'in-sync',
    };
  }

  createReplicationGroup(params: Params) {
    const id = required(params, 'ReplicationGroupId').toLowerCase();
    const description = required(params, 'ReplicationGroupDescription');
    if (!/^[a-z][a-z0-9-]{0,39}$/.test(id) || id.endsWith('-') || id.includes('--')) {
      throw new QueryFault('InvalidParameterValue', `Invalid replication group identifier: ${id}`);
    }
    if (this.groups.has(id))
      throw new QueryFault('ReplicationGroupAlreadyExists', `Replication group ${id} already exists.`);
    const snapshotName = text(params, 'SnapshotName');
    const snapshot = snapshotName === undefined ? undefined : this.snapshots.get(snapshotName);
    if (snapshotName !== undefined && snapshot === undefined) {
      throw new QueryFault('SnapshotNotFoundFault', `Snapshot ${snapshotName} not found.`);
    }
    const engine = (text(params, 'Engine') ?? snapshot?.engine ?? 'valkey').toLowerCase();
    if (engine !== 'valkey' && engine !== 'redis') {
      throw new QueryFault(
        'InvalidParameterValue',
        `Invalid value for Engine: ${engine}. Valid values: valkey, redis`,
      );
    }
    const clusterMode =
      oneOf(params, 'ClusterMode', ['enabled', 'disabled', 'compatible'] as const) ??
      snapshot?.clusterMode ??
      (int(params, 'NumNodeGroups', 1, 500) !== undefined ? 'enabled' : 'disabled');
    const shards = int(params, 'NumNodeGroups', 1, 500) ?? snapshot?.shards ?? 1;
    if (clusterMode !== 'enabled' && shards > 1) {
      throw new QueryFault(
        'InvalidParameterCombination',
        'NumNodeGroups greater than 1 requires cluster mode enabled.',
      );
    }
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
    if (clusterMode === 'enabled' && !automaticFailover) {
      throw new QueryFault(
        'InvalidParameterCombination',
        'AutomaticFailoverEnabled must be true for a cluster-mode-enabled replication group.',
      );
    }
    if (multiAZ && !automaticFailover) {
      throw new QueryFault('InvalidParameterCombination', 'Multi-AZ requires AutomaticFailoverEnabled=true.');
    }
    if (multiAZ && replicas < 1) {
      throw new QueryFault(
        'InvalidParameterCombination',
        'Multi-AZ requires at least one replica per shard.',
      );
    }
    if (automaticFailover && clusterMode !== 'enabled' && replicas < 1) {
      throw new QueryFault(
        'InvalidParameterCombination',
        'AutomaticFailoverEnabled=true requires NumCacheClusters of at least 2.',
      );
    }
    const kmsKeyId = text(params, 'KmsKeyId') ?? snapshot?.kmsKeyId;
    const atRest = bool(params, 'AtRestEncryptionEnabled') ?? engine === 'valkey';
    const requested = oneOf(params, 'Durability', DURABILITY) ?? snapshot?.durability ?? 'default';
    const group: GroupState = {
      id,
      description,
      engine,
      engineVersion:
        text(params, 'EngineVersion') ?? snapshot?.engineVersion ?? (engine === 'valkey' ? '9.0' : '7.1'),
      status: 'creating',
      clusterMode,
      shards,
      replicas,
      multiAZ,
      automaticFailover,
      snapshotRetentionLimit: int(params, 'SnapshotRetentionLimit', 0, 35) ?? 0,
      tls: bool(params, 'TransitEncryptionEnabled') ?? false,
      atRestEncryptionEnabled: atRest,
      kmsKeyId,
      durability: requested,
      effectiveDurability: resolveDurability(requested),
      encrypted: atRest || kmsKeyId !== undefined,
      nodeType,
      dataTiering: bool(params, 'DataTieringEnabled') ?? false,
      createdAt: this.#clock.now(),
      legacyApi: false,
      pending: {},
      tags: new Map(tagsOf(params)),
    };
    if (group.effectiveDurability !== 'disabled') {
      const problems = durabilityProblems(group);
      if (problems.length > 0)
        throw new QueryFault(
          'InvalidParameterCombination',
          `Cannot set Durability=${requested}: ${problems.join('; ')}.`,
        );
      group.encrypted = true; // the transactional log is always encrypted at rest
    }
    this.putGroup(group);
    this.#later(DURATIONS.create, () => {
      group.status = 'available';
      this.event('replication-group', id, `Replication group ${id} created`);
    });
    if (snapshot !== undefined)
      this.event('replication-group', id, `Restored replication group ${id} from snapshot ${snapshot.name}`);
    return { ReplicationGroup: this.replicationGroupShape(group) };
  }

  modifyReplicationGroup(params: Params) {
    const id = required(params, 'ReplicationGroupId');
    const modelled = [...MODIFY_CONTROL, ...MODIFY_AT_ONCE, ...MODIFY_CHANGES] as readonly string[];
    const unmodelled = Object.keys(params).filter((key) => !modelled.includes(key));
    if (unmodelled.length > 0) {
      throw new QueryFault(
        'InvalidParameterValue',
        `${unmodelled.join(', ')} ${unmodelled.length === 1 ? 'is' : 'are'} not modelled by the emulator; ModifyReplicationGroup here takes ${[...MODIFY_CHANGES, 'Durability', ...MODIFY_AT_ONCE].join(', ')}.`,
      );
    }
    const applyImmediately = bool(params, 'ApplyImmediately') ?? false;
    const durability = oneOf(params, 'Durability', DURABILITY);
    const group = this.#group(id);
    const others = Object.keys(params).filter((key) => !MODIFY_CONTROL.includes(key));
    if (durability !== undefined && others.length > 0) {
      throw new QueryFault(
        'InvalidParameterCombination',
        `Durability must be modified on its own; remove ${others.join(', ')} from this request.`,
      );
    }
    if (group.migration !== undefined || group.status !== 'available') {
      throw new QueryFault(
        'InvalidReplicationGroupState',
        `Replication group ${group.id} must be in available state, is ${group.status}.`,
      );
    }
    if (durability !== undefined) return this.#modifyDurability(group, durability, applyImmediately);
    if (others.length === 0)
      throw new QueryFault('InvalidParameterCombination', 'No modifications were requested.');
    const changes = requestedChanges(params);
    const description = text(params, 'ReplicationGroupDescription');
    const window = maintenanceWindowOf(params);
    this.#checkModification(group, changes, others);
    if (description !== undefined) group.description = description;
    if (window !== undefined) {
      group.preferredMaintenanceWindow = window;
      if (this.#maintenanceAt.has(group.id)) this.#scheduleMaintenance(group);
    }
    if (applyImmediately) {
      const all = { ...this.#pendingChanges(group), ...changes };
      if (Object.keys(all).length > 0) this.#applySoon(group, all);
    } else if (Object.keys(changes).length > 0) {
      group.pending = { ...group.pending, ...changes };
      this.#scheduleMaintenance(group);
    }
    return { ReplicationGroup: this.replicationGroupShape(group) };
  }

  /** Refuse a modification AWS refuses; `requested` names every parameter of the call. */
  #checkModification(group: GroupState, changes: Changes, requested: string[]): void {
    const refuse = (message: string) => new QueryFault('InvalidParameterCombination', message);
    const id = group.id;
    if (changes.ClusterMode !== undefined) {
      const extra = requested.filter((name) => name !== 'ClusterMode');
      if (extra.length > 0)
        throw refuse(
          `ClusterMode must be modified on its own; remove ${extra.join(', ')} from this request.`,
        );
      this.#checkClusterMode(group, changes.ClusterMode);
      return;
    }
    if (group.clusterMode === 'compatible') {
      throw refuse(
        `Replication group ${id} is in cluster mode compatible: only ClusterMode can be modified until it is enabled.`,
      );
    }

    const engine = changes.Engine ?? group.engine;
    if (changes.Engine !== undefined && changes.Engine !== group.engine) {
      if (group.engine === 'valkey')
        throw refuse(`Cannot change ${id} from Valkey to Redis OSS: only Redis OSS -> Valkey is supported.`);
      if (changes.EngineVersion === undefined)
        throw refuse(
          `Engine=valkey needs EngineVersion in the same request: the Valkey version to upgrade ${id} to.`,
        );
    }
    if (changes.EngineVersion !== undefined) {
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

    const tls = changes.TransitEncryptionEnabled;
    const mode = changes.TransitEncryptionMode;
    const currentMode = group.tls ? (group.transitEncryptionMode ?? 'required') : undefined;
    const tlsChanges =
      (tls !== undefined && tls !== group.tls) || (mode !== undefined && mode !== currentMode);
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

    if (changes.AutomaticFailoverEnabled !== undefined || changes.MultiAZEnabled !== undefined) {
      const failover = changes.AutomaticFailoverEnabled ?? this.automaticFailover(group);
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

    if (group.effectiveDurability !== 'disabled') {
      const problems = durabilityProblems({ ...group, ...this.#withChanges(group, changes) });
      if (problems.length > 0) {
        throw refuse(
          `${id} has durability ${group.effectiveDurability}, which this modification would break: ${problems.join('; ')}.`,
        );
      }
    }
  }

  /** Cluster mode moves disabled -> compatible -> enabled, and never back. */
  #checkClusterMode(group: GroupState, to: GroupState['clusterMode']): void {
    const from = group.clusterMode;
    if (to === from || (from === 'compatible' && to === 'enabled')) return;
    if (from === 'disabled' && to === 'compatible') {
      const problems: string[] = [];
      const minimum = group.engine === 'valkey' ? '7.2' : '7.0';
      if (compareVersions(group.engineVersion, minimum) < 0)
        problems.push('it needs Valkey 7.2 or Redis OSS 7.0 or later');
      if (!this.automaticFailover(group)) problems.push('it needs automatic failover enabled');
      if (group.replicas < 1) problems.push('it needs at least one replica');
      if (problems.length > 0) {
        throw new QueryFault(
          'InvalidParameterCombination',
          `Cannot set ClusterMode=compatible on ${group.id}: ${problems.join('; ')}.`,
        );
      }
      return;
    }
    throw new QueryFault(
      'InvalidParameterCombination',
      from === 'disabled' && to === 'enabled'
        ? `Cannot set ClusterMode=enabled on ${group.id} directly: set compatible first, move clients to the configuration endpoint, then set enabled.`
        : `Cannot change ClusterMode from ${from} to ${to} on ${group.id}: cluster mode only moves disabled -> compatible -> enabled and cannot be reverted.`,
    );
  }

  /** The fields a set of changes gives a group (checked before, assigned when they apply). */
  #withChanges(group: GroupState, changes: Changes) {
    const tls = changes.TransitEncryptionEnabled ?? group.tls;
    return {
      engine: changes.Engine ?? group.engine,
      engineVersion: changes.EngineVersion ?? group.engineVersion,
      nodeType: changes.CacheNodeType ?? group.nodeType,
      snapshotRetentionLimit: changes.SnapshotRetentionLimit ?? group.snapshotRetentionLimit,
      automaticFailover: changes.AutomaticFailoverEnabled ?? this.automaticFailover(group),
      multiAZ: changes.MultiAZEnabled ?? group.multiAZ,
      clusterMode: changes.ClusterMode ?? group.clusterMode,
      tls,
      transitEncryptionMode: tls ? (changes.TransitEncryptionMode ?? group.transitEncryptionMode) : undefined,
    } satisfies Partial<GroupState>;
  }

  /** Apply changes to the group now, with their events, and clear what was pending. */
  #applyChanges(group: GroupState, changes: Changes): void {
    const { Durability: durability, ...others } = changes;
    if (Object.keys(others).length > 0) {
      Object.assign(group, this.#withChanges(group, others));
      this.event('replication-group', group.id, `Replication group ${group.id} has been modified`);
    }
    if (durability !== undefined) {
      const from = group.effectiveDurability;
      const to = resolveDurability(durability);
      group.effectiveDurability = to;
      if (to !== 'disabled') group.encrypted = true; // durability turns on at-rest encryption
      if (from !== to) {
        this.event(
          'replication-group',
          group.id,
          `Durability of replication group ${group.id} changed from ${from} to ${to}`,
        );
      }
    }
    group.pending = {};
  }

  #durationOf(group: GroupState, changes: Changes): number {
    return changes.Durability !== undefined &&
      resolveDurability(changes.Durability) !== group.effectiveDurability
      ? DURATIONS.durabilityChange
      : DURATIONS.modify;
  }

  /** `modifying` now, the changes applied (and `available`) after their duration. */
  #applySoon(group: GroupState, changes: Changes): void {
    this.#maintenanceAt.delete(group.id);
    group.pending = { ...changes }; // shown while they apply
    group.status = 'modifying';
    this.#later(this.#durationOf(group, changes), () => {
      this.#applyChanges(group, changes);
      group.status = 'available';
    });
  }

  /** Hold the group's pending changes for the next start of its maintenance window. */
  #scheduleMaintenance(group: GroupState, after = this.#clock.now()): void {
    const start = nextWindowStart(group.preferredMaintenanceWindow ?? DEFAULT_MAINTENANCE_WINDOW, after);
    this.#maintenanceAt.set(group.id, start);
    this.#at(start, () => this.#maintain(group, start));
  }

  #maintain(group: GroupState, start: number): void {
    if (this.#maintenanceAt.get(group.id) !== start || this.groups.get(group.id) !== group) return;
    this.#maintenanceAt.delete(group.id);
    const changes = this.#pendingChanges(group);
    if (Object.keys(changes).length === 0) return;
    if (group.status !== 'available' || group.migration !== undefined) {
      this.#scheduleMaintenance(group, start); // busy at its window: the changes wait a week
      return;
    }
    group.status = 'modifying';
    this.#at(start + this.#durationOf(group, changes), () => {
      this.#applyChanges(group, changes);
      group.status = 'available';
    });
  }

  #modifyDurability(group: GroupState, durability: string, applyImmediately: boolean) {
    const from = group.effectiveDurability;
    const to = resolveDurability(durability);
    if (to !== 'disabled') {
      const problems = durabilityProblems(group);
      if (problems.length > 0) {
        throw new QueryFault(
          'InvalidParameterCombination',
          `Cannot set Durability=${durability} on ${group.id}: ${problems.join('; ')}.`,
        );
      }
    }
    if (this.legacyDurabilityRule && (from === 'disabled') !== (to === 'disabled')) {
      throw new QueryFault(
        'InvalidParameterCombination',
        `Durability cannot be turned ${to === 'disabled' ? 'off' : 'on'} after the replication group is created.`,
      );
    }
    group.durability = durability;
    if (from === to) {
      const { Durability: _held, ...rest } = group.pending; // a held change back to what runs
      group.pending = rest;
      return { ReplicationGroup: this.replicationGroupShape(group) };
    }
    if (applyImmediately) {
      this.#applySoon(group, { ...this.#pendingChanges(group), Durability: durability });
    } else {
      group.pending = { ...group.pending, Durability: durability };
      this.#scheduleMaintenance(group);
    }
    return { ReplicationGroup: this.replicationGroupShape(group) };
  }

  /**
   * Apply the changes held for the maintenance window now, without the `modifying` period
   * (tests and the demo call this; the window itself applies them when the clock reaches it).
   */
  runMaintenance(groupId: string): void {
    const group = this.#group(groupId);
    this.#maintenanceAt.delete(group.id);
    this.#applyChanges(group, this.#pendingChanges(group));
  }

  deleteReplicationGroup(params: Params) {
    const group = this.#group(required(params, 'ReplicationGroupId'));
    this.#available(group);
    const finalSnapshot = text(params, 'FinalSnapshotIdentifier');
    if (finalSnapshot !== undefined) this.#snapshotOf(group, finalSnapshot, 'manual', new Map());
    group.status = 'deleting';
    this.#later(DURATIONS.delete, () => {
      this.groups.delete(group.id);
      this.#changed('groups');
      this.event('replication-group', group.id, `Replication group ${group.id} deleted`);
    });
    return { ReplicationGroup: this.replicationGroupShape(group) };
  }

  modifyShards(params: Params) {
    const group = this.#group(required(params, 'ReplicationGroupId'));
    const count = int(params, 'NodeGroupCount', 1, 500);
    if (count === undefined)
      throw new QueryFault('MissingParameter', 'The request must contain the parameter NodeGroupCount');
    if (bool(params, 'ApplyImmediately') !== true) {
      throw new QueryFault('InvalidParameterValue', 'ApplyImmediately must be true for online resharding.');
    }
    if (group.clusterMode !== 'enabled') {
      throw new QueryFault('InvalidParameterCombination', 'Resharding requires cluster mode enabled.');
    }
    this.#available(group);
    group.status = 'modifying';
    group.pending = { Resharding: { SlotMigration: { ProgressPercentage: 0 } } };
    this.#later(DURATIONS.modify, () => {
      group.shards = count;
      group.pending = {};
      group.status = 'available';
      this.event(
        'replication-group',
        group.id,
        `Online resharding of replication group ${group.id} completed`,
      );
    });
    return { ReplicationGroup: this.replicationGroupShape(group) };
  }

  changeReplicas(params: Params, direction: 1 | -1) {
    const action = direction === 1 ? 'IncreaseReplicaCount' : 'DecreaseReplicaCount';
    const group = this.#group(required(params, 'ReplicationGroupId'));
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
    if (group.clusterMode === 'compatible') {
      throw new QueryFault(
        'InvalidParameterCombination',
        `Replication group ${group.id} is in cluster mode compatible: replicas cannot change until ClusterMode is enabled.`,
      );
    }
    const needers = [
      ...(group.multiAZ ? ['Multi-AZ'] : []),
      ...(group.clusterMode === 'disabled' && this.automaticFailover(group) ? ['automatic failover'] : []),
      ...(group.effectiveDurability !== 'disabled' ? ['durability'] : []),
    ];
    if (count < 1 && needers.length > 0) {
      throw new QueryFault(
        'InvalidParameterCombination',
        `At least one replica per shard is required with ${needers.join(', ')} on ${group.id}.`,
      );
    }
    this.#available(group);
    group.status = 'modifying';
    this.#later(DURATIONS.modify, () => {
      group.replicas = count;
      group.status = 'available';
      this.event(
        'replication-group',
        group.id,
        `Replica count of replication group ${group.id} changed to ${count}`,
      );
    });
    return { ReplicationGroup: this.replicationGroupShape(group) };
  }

  testFailover(params: Params) {
    const group = this.#group(required(params, 'ReplicationGroupId'));
    const nodeGroupId = required(params, 'NodeGroupId');
    const shards = this.memberIds(group).map((_, shard) => String(shard + 1).padStart(4, '0'));
    if (!shards.includes(nodeGroupId)) {
      throw new QueryFault(
        'NodeGroupNotFoundFault',
        `Node group ${nodeGroupId} not found in replication group ${group.id}; it has ${shards.join(', ')}.`,
      );
    }
    this.#available(group);
    if (!group.multiAZ)
      throw new QueryFault(
        'InvalidReplicationGroupState',
        `Automatic failover is not enabled for ${group.id}.`,
      );
    this.event('replication-group', group.id, `Test Failover API called for node group ${nodeGroupId}`);
    return { ReplicationGroup: this.replicationGroupShape(group) };
  }

  // --- serverless -----------------------------------------------------------------------

  createServerlessCache(params: Params) {
    const name = required(params, 'ServerlessCacheName');
    const engine = required(params, 'Engine').toLowerCase();
    if (engine !== 'valkey' && engine !== 'redis') {
      throw new QueryFault(
        'InvalidParameterValue',
        `Invalid value for Engine: ${engine}. Valid values: valkey, redis`,
      );
    }
    if (this.serverless.has(name))
      throw new QueryFault('ServerlessCacheAlreadyExistsFault', `Serverless cache ${name} already exists.`);
    const cache: ServerlessState = {
      name,
      description: text(params, 'Description') ?? '',
      engine,
      majorEngineVersion: text(params, 'MajorEngineVersion') ?? (engine === 'valkey' ? '8' : '7'),
      status: 'creating',
      kmsKeyId: text(params, 'KmsKeyId'),
      createdAt: this.#clock.now(),
      legacyApi: false,
      tags: new Map(tagsOf(params)),
    };
    this.putServerless(cache);
    this.#later(DURATIONS.create, () => {
      cache.status = 'available';
      this.event('serverless-cache', name, `Serverless cache ${name} created`);
    });
    return { ServerlessCache: this.serverlessShape(cache) };
  }

  #serverless(name: string): ServerlessState {
    const cache = this.serverless.get(name);
    if (cache === undefined)
      throw new QueryFault('ServerlessCacheNotFoundFault', `Serverless cache ${name} not found.`);
    return cache;
  }

  modifyServerlessCache(params: Params) {
    const cache = this.#serverless(required(params, 'ServerlessCacheName'));
    if (cache.status !== 'available') {
      throw new QueryFault(
        'InvalidServerlessCacheStateFault',
        `Serverless cache ${cache.name} is ${cache.status}.`,
      );
    }
    const description = text(params, 'Description');
    if (description !== undefined) cache.description = description;
    return { ServerlessCache: this.serverlessShape(cache) };
  }

  deleteServerlessCache(params: Params) {
    const cache = this.#serverless(required(params, 'ServerlessCacheName'));
    if (cache.status !== 'available') {
      throw new QueryFault(
        'InvalidServerlessCacheStateFault',
        `Serverless cache ${cache.name} must be available to be deleted, is ${cache.status}.`,
      );
    }
    cache.status = 'deleting';
    this.#later(DURATIONS.delete, () => {
      this.serverless.delete(cache.name);
      this.#changed('serverless');
      this.event('serverless-cache', cache.name, `Serverless cache ${cache.name} deleted`);
    });
    return { ServerlessCache: this.serverlessShape(cache) };
  }

  // --- snapshots --------------------------------------------------------------------------

  #snapshotOf(
    group: GroupState,
    name: string,
    source: 'manual' | 'automated',
    tags: Map<string, string>,
  ): SnapshotState {
    if (this.snapshots.has(name))
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
      kmsKeyId: group.kmsKeyId,
      createdAt: this.#clock.now(),
      sizeMb: 5 * group.shards,
      tags,
    };
    this.snapshots.set(name, snapshot);
    this.#changed('snapshots');
    return snapshot;
  }

  createSnapshot(params: Params) {
    const name = required(params, 'SnapshotName');
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
      [...this.groups.values()].find((group) =>
        this.memberIds(group)
          .flat()
          .includes(clusterId ?? ''),
      )?.id;
    if (owner === undefined)
      throw new QueryFault('CacheClusterNotFound', `CacheCluster ${clusterId} not found.`);
    const group = this.#group(owner);
    if (group.status !== 'available') {
      throw new QueryFault(
        'InvalidReplicationGroupState',
        `Replication group ${group.id} must be in available state, is ${group.status}.`,
      );
    }
    const snapshot = this.#snapshotOf(group, name, 'manual', new Map(tagsOf(params)));
    group.status = 'snapshotting';
    this.event('replication-group', group.id, `Snapshot ${name} started for replication group ${group.id}`);
    this.#later(DURATIONS.snapshot, () => {
      if (this.snapshots.get(name) === snapshot) snapshot.status = 'available';
      if (group.status === 'snapshotting') group.status = 'available';
      // SourceType has no `snapshot` value: the event belongs to the replication group.
      this.event(
        'replication-group',
        group.id,
        `Snapshot succeeded for snapshot with ID '${name}' of replication group with ID '${group.id}'`,
      );
    });
    return { Snapshot: this.snapshotShape(snapshot) };
  }

  #snapshot(name: string): SnapshotState {
    const snapshot = this.snapshots.get(name);
    if (snapshot === undefined) throw new QueryFault('SnapshotNotFoundFault', `Snapshot ${name} not found.`);
    return snapshot;
  }

  copySnapshot(params: Params) {
    const source = this.#snapshot(required(params, 'SourceSnapshotName'));
    const target = required(params, 'TargetSnapshotName');
    if (source.status !== 'available')
      throw new QueryFault('InvalidSnapshotState', `Snapshot ${source.name} is ${source.status}.`);
    if (this.snapshots.has(target))
      throw new QueryFault('SnapshotAlreadyExistsFault', `Snapshot ${target} already exists.`);
    const copy: SnapshotState = {
      ...source,
      name: target,
      status: 'creating',
      source: 'manual',
      createdAt: this.#clock.now(),
      tags: new Map(tagsOf(params)),
    };
    const kmsKeyId = text(params, 'KmsKeyId');
    if (kmsKeyId !== undefined) copy.kmsKeyId = kmsKeyId;
    this.snapshots.set(target, copy);
    this.#changed('snapshots');
    this.#later(DURATIONS.snapshot, () => {
      copy.status = 'available';
    });
    return { Snapshot: this.snapshotShape(copy) };
  }

  deleteSnapshot(params: Params) {
    const snapshot = this.#snapshot(required(params, 'SnapshotName'));
    if (snapshot.status !== 'available')
      throw new QueryFault('InvalidSnapshotState', `Snapshot ${snapshot.name} is ${snapshot.status}.`);
    this.snapshots.delete(snapshot.name);
    this.#changed('snapshots');
    snapshot.status = 'deleting';
    return { Snapshot: this.snapshotShape(snapshot) };
  }

  describeSnapshots(params: Params) {
    const size = int(params, 'MaxRecords', 20, 50) ?? 50;
    const name = text(params, 'SnapshotName');
    if (name !== undefined) return { Snapshots: [this.snapshotShape(this.#snapshot(name))] };
    const groupId = text(params, 'ReplicationGroupId');
    const ids =
      groupId === undefined
        ? this.#sortedIds('snapshots')
        : this.#sortedIds('snapshots').filter((id) => this.snapshots.get(id)?.groupId === groupId);
    const result = page(ids, (id) => this.snapshotShape(this.#snapshot(id)), text(params, 'Marker'), size);
    return { Snapshots: result.items, Marker: result.marker };
  }

  // --- migration ----------------------------------------------------------------------------

  async testMigration(params: Params) {
    const group = this.#migrationTarget(params);
    const endpoints = this.#migrationEndpoints(group, params);
    this.#available(group);
    const outcome = await this.#migration.test(endpoints);
    this.#later(DURATIONS.testMigration, () => {
      this.event(
        'replication-group',
        group.id,
        outcome.ok
          ? `Test Migration successful for ${group.id}`
          : `Test Migration failed for ${group.id}: ${outcome.message}`,
      );
    });
    return { ReplicationGroup: this.replicationGroupShape(group) };
  }

  /** The target of TestMigration/StartMigration; a serverless cache is never one. */
  #migrationTarget(params: Params): GroupState {
    const id = required(params, 'ReplicationGroupId');
    if (!this.groups.has(id) && this.serverless.has(id)) {
      throw new QueryFault(
        'ReplicationGroupNotFoundFault',
        `ReplicationGroup ${id} not found: ${id} is a serverless cache, and online migration into serverless caches goes through a different path.`,
      );
    }
    return this.#group(id);
  }

  /**
   * The customer endpoints, once the target meets the online-migration prerequisites of
   * "Preparing your source and target for migration"; each unmet one is named.
   */
  #migrationEndpoints(group: GroupState, params: Params): Endpoint[] {
    const endpoints = endpointsOf(params);
    if (group.migration !== undefined) {
      throw new QueryFault(
        'ReplicationGroupAlreadyUnderMigrationFault',
        `Replication group ${group.id} is already under migration.`,
      );
    }
    const problems = migrationProblems(group);
    if (endpoints.length !== 1) {
      // "The list can only take one element for both cluster-mode disabled and cluster-mode enabled."
      problems.push(`exactly one customer endpoint is taken, got ${endpoints.length}`);
    }
    if (problems.length > 0) {
      throw new QueryFault(
        'InvalidParameterValue',
        `Replication group ${group.id} cannot be a migration target: ${problems.join('; ')}.`,
      );
    }
    return endpoints;
  }

  async startMigration(params: Params) {
    const group = this.#migrationTarget(params);
    const endpoints = this.#migrationEndpoints(group, params);
    this.#available(group);
    group.status = 'migrating';
    group.migration = { endpoints, startedAt: this.#clock.now() };
    try {
      await this.#migration.start(group.id, endpoints);
    } catch (error) {
      group.status = 'available';
      group.migration = undefined;
      throw new QueryFault(
        'InvalidParameterValue',
        `Cannot replicate from the customer endpoints: ${(error as Error).message}`,
      );
    }
    this.event('replication-group', group.id, `Migration started for replication group ${group.id}`);
    return { ReplicationGroup: this.replicationGroupShape(group) };
  }

  async completeMigration(params: Params) {
    const group = this.#group(required(params, 'ReplicationGroupId'));
    const force = bool(params, 'Force') ?? false;
    if (group.migration === undefined) {
      throw new QueryFault(
        'ReplicationGroupNotUnderMigrationFault',
        `Replication group ${group.id} is not under migration.`,
      );
    }
    try {
      await this.#migration.complete(group.id, force);
    } catch (error) {
      this.event(
        'replication-group',
        group.id,
        `Complete Migration failed for ${group.id}: ${(error as Error).message}`,
      );
      return { ReplicationGroup: this.replicationGroupShape(group) };
    }
    this.#later(DURATIONS.completeMigration, () => {
      group.migration = undefined;
      group.status = 'available';
      this.event(
        'replication-group',
        group.id,
        force
          ? `Migration stopped for ${group.id} without data sync (forced)`
          : `Complete Migration successful for ${group.id}`,
      );
    });
    return { ReplicationGroup: this.replicationGroupShape(group) };
  }

  // --- events and tags ------------------------------------------------------------------------

  describeEvents(params: Params) {
    const size = int(params, 'MaxRecords', 20, 100) ?? 100;
    const sourceId = text(params, 'SourceIdentifier');
    // The API's SourceType enum (SDK model and the Event reference page): no `snapshot`.
    const sourceType = oneOf(params, 'SourceType', [
      'cache-cluster',
      'cache-parameter-group',
      'cache-security-group',
      'cache-subnet-group',
      'replication-group',
      'serverless-cache',
      'serverless-cache-snapshot',
      'user',
      'user-group',
    ] as const);
    const now = this.#clock.now();
    const duration = int(params, 'Duration', 0, 20160);
    const start = timestamp(params, 'StartTime') ?? now - (duration ?? 60) * 60_000;
    const end = timestamp(params, 'EndTime') ?? now;
    const markerText = text(params, 'Marker');
    // The marker is the position in the append-only log of the last event served, so events
    // that arrive between pages (newer, hence further along the log) never shift the next page.
    const position = markerText === undefined ? undefined : decodeMarker('event', markerText, 'Marker');
    const before = position === undefined ? this.events.length : Number(position);
    if (position !== undefined && (!/^\d+$/.test(position) || before > this.events.length)) {
      throw new QueryFault('InvalidParameterValue', `Invalid value for Marker: ${markerText}`);
    }
    const slice: EventRecord[] = [];
    let lastServed = before;
    let more = false;
    for (let index = before - 1; index >= 0; index -= 1) {
      const event = this.events[index];
      if (
        event === undefined ||
        (sourceId !== undefined && event.SourceIdentifier !== sourceId) ||
        (sourceType !== undefined && event.SourceType !== sourceType) ||
        event.Date.getTime() < start ||
        event.Date.getTime() > end
      )
        continue;
      if (slice.length === size) {
        more = true;
        break;
      }
      slice.push(event);
      lastServed = index;
    }
    return { Events: slice, Marker: more ? encodeMarker('event', String(lastServed)) : undefined };
  }

  /**
   * The tag map of any ARN the emulator knows. A member cluster (`cluster:` ARN) has its own
   * tags, starting from its group's; tags set on the group are replicated to every member.
   */
  tagsOf(arn: string): Map<string, string> {
    return this.#tagTarget(arn).tags;
  }

  #tagTarget(arn: string): { tags: Map<string, string>; members: Map<string, string>[] } {
    const [, , , , , kind, ...rest] = arn.split(':');
    const id = rest.join(':');
    if (kind === 'replicationgroup') {
      const group = this.groups.get(id);
      if (group === undefined)
        throw new QueryFault('ReplicationGroupNotFoundFault', `ReplicationGroup ${id} not found.`);
      const members = this.memberIds(group)
        .flat()
        .flatMap((member) => this.#memberTags.get(member) ?? []);
      return { tags: group.tags, members };
    }
    if (kind === 'cluster') {
      const group = [...this.groups.values()].find((candidate) =>
        this.memberIds(candidate).flat().includes(id),
      );
      if (group === undefined) throw new QueryFault('CacheClusterNotFound', `CacheCluster ${id} not found.`);
      let tags = this.#memberTags.get(id);
      if (tags === undefined) {
        tags = new Map(group.tags);
        this.#memberTags.set(id, tags);
      }
      return { tags, members: [] };
    }
    const found =
      kind === 'serverlesscache'
        ? this.serverless.get(id)
        : kind === 'snapshot'
          ? this.snapshots.get(id)
          : undefined;
    if (found === undefined) {
      throw new QueryFault(
        kind === 'snapshot'
          ? 'SnapshotNotFoundFault'
          : kind === 'serverlesscache'
            ? 'ServerlessCacheNotFoundFault'
            : 'InvalidARN',
        `The resource ${arn} was not found.`,
      );
    }
    return { tags: found.tags, members: [] };
  }

  listTags(params: Params) {
    const tags = this.tagsOf(required(params, 'ResourceName'));
    return { TagList: [...tags].map(([Key, Value]) => ({ Key, Value })) };
  }

  addTags(params: Params) {
    const { tags, members } = this.#tagTarget(required(params, 'ResourceName'));
    const added = tagsOf(params);
    // All or nothing: a request that would pass the quota adds none of its tags.
    const keys = new Set([...tags.keys(), ...added.map(([key]) => key)]);
    if (keys.size > TAG_QUOTA) {
      throw new QueryFault(
        'TagQuotaPerResourceExceeded',
        `A resource can have at most ${TAG_QUOTA} tags; this request would leave ${keys.size}.`,
      );
    }
    for (const target of [tags, ...members]) for (const [key, value] of added) target.set(key, value);
    return { TagList: [...tags].map(([Key, Value]) => ({ Key, Value })) };
  }

  removeTags(params: Params) {
    const { tags, members } = this.#tagTarget(required(params, 'ResourceName'));
    const keys = list(params, 'TagKeys').filter((key): key is string => typeof key === 'string');
    const unknown = keys.filter((key) => !tags.has(key));
    if (unknown.length > 0) {
      throw new QueryFault('TagNotFound', `The resource has no tag with key ${unknown.join(', ')}.`);
    }
    for (const target of [tags, ...members]) for (const key of keys) target.delete(key);
    return { TagList: [...tags].map(([Key, Value]) => ({ Key, Value })) };
  }

  /** Dispatch one Query action; unknown-but-real actions are refused as unsupported here. */
  async handle(action: string, params: Params): Promise<object> {
    this.tick();
    switch (action) {
      case 'DescribeReplicationGroups':
        return this.describeReplicationGroups(params);
      case 'DescribeServerlessCaches':
        return this.describeServerlessCaches(params);
      case 'DescribeSnapshots':
        return this.describeSnapshots(params);
      case 'DescribeCacheClusters':
        return this.describeCacheClusters(params);
      case 'DescribeEvents':
        return this.describeEvents(params);
      case 'CreateReplicationGroup':
        return this.createReplicationGroup(params);
      case 'ModifyReplicationGroup':
        return this.modifyReplicationGroup(params);
      case 'DeleteReplicationGroup':
        return this.deleteReplicationGroup(params);
      case 'ModifyReplicationGroupShardConfiguration':
        return this.modifyShards(params);
      case 'IncreaseReplicaCount':
        return this.changeReplicas(params, 1);
      case 'DecreaseReplicaCount':
        return this.changeReplicas(params, -1);
      case 'TestFailover':
        return this.testFailover(params);
      case 'CreateServerlessCache':
        return this.createServerlessCache(params);
      case 'ModifyServerlessCache':
        return this.modifyServerlessCache(params);
      case 'DeleteServerlessCache':
        return this.deleteServerlessCache(params);
      case 'CreateSnapshot':
        return this.createSnapshot(params);
      case 'CopySnapshot':
        return this.copySnapshot(params);
      case 'DeleteSnapshot':
        return this.deleteSnapshot(params);
      case 'TestMigration':
        return this.testMigration(params);
      case 'StartMigration':
        return this.startMigration(params);
      case 'CompleteMigration':
        return this.completeMigration(params);
      case 'ListTagsForResource':
        return this.listTags(params);
      case 'AddTagsToResource':
        return this.addTags(params);
      case 'RemoveTagsFromResource':
        return this.removeTags(params);
      default:
        throw new QueryFault('InvalidAction', `The action ${action} is not supported by the local emulator.`);
    }
  }
}
