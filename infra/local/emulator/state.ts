/**
 * The emulator's shared state: what it holds (groups, serverless caches, snapshots, events,
 * tags), its clock and pending transitions, ARNs and the sorted ids pagination walks. Every
 * API family reads and changes this store; none of them keeps state of its own.
 */
import type { Clock } from './clock.js';
import type { Endpoint, MigrationBackend } from './migration.js';
import type { Params } from './protocol.js';
import { QueryFault } from './protocol.js';

/** Durability as it runs: `default` resolves to one of these. */
export type Level = 'disabled' | 'async' | 'sync';

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
  /** A custom cache parameter group; unset: the default of its family and cluster mode. */
  parameterGroup?: string;
  tags: Map<string, string>;
}

/** A cache parameter group: a default one (built on demand) or one the account created. */
export interface ParameterGroupState {
  name: string;
  family: string;
  description: string;
  /** The values the owner set (Source `user`); every other parameter has its family default. */
  parameters: Map<string, string>;
  isDefault: boolean;
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
  /** The source group's data tiering (r6gd): such a backup restores only into r6gd; unset reads false. */
  dataTiering?: boolean;
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

export interface ModelOptions {
  clock: Clock;
  region?: string;
  account?: string;
  migration: MigrationBackend;
}

/** One API action: reads its parameters, changes the store, returns the output shape. */
export type Handler = (store: EmulatorState, params: Params) => object | Promise<object>;

/** The kinds of resource that are listed and paginated by id. */
export type ResourceKind = 'groups' | 'serverless' | 'snapshots';

interface Transition {
  at: number;
  apply: () => void;
}

export class EmulatorState {
  readonly groups = new Map<string, GroupState>();
  readonly serverless = new Map<string, ServerlessState>();
  readonly snapshots = new Map<string, SnapshotState>();
  readonly events: EventRecord[] = [];
  /** The older documented rule: durability cannot be turned on or off after creation. */
  legacyDurabilityRule = false;
  /** The maintenance window each group with pending changes waits for (a later one replaces it). */
  readonly maintenanceAt = new Map<string, number>();
  /** Tags of member clusters tagged through their own `cluster:` ARN. */
  readonly memberTags = new Map<string, Map<string, string>>();
  /** The account's own cache parameter groups in this region, by (lower-case) name. */
  readonly parameterGroups = new Map<string, ParameterGroupState>();

  readonly clock: Clock;
  readonly region: string;
  readonly migration: MigrationBackend;
  /** The account that owns this store's resources (its ARNs name it). */
  readonly account: string;
  #transitions: Transition[] = [];
  #sorted: Partial<Record<ResourceKind, string[]>> = {};

  constructor(options: ModelOptions) {
    this.clock = options.clock;
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '123456789012';
    this.migration = options.migration;
  }

  arn(
    kind: 'replicationgroup' | 'serverlesscache' | 'snapshot' | 'cluster' | 'parametergroup',
    id: string,
  ): string {
    return `arn:aws:elasticache:${this.region}:${this.account}:${kind}:${id}`;
  }

  /** Apply every transition whose time has come (in time order). */
  tick(): void {
    const now = this.clock.now();
    // A transition may schedule another that is already due (a maintenance window long passed).
    while (this.#transitions.some((transition) => transition.at <= now)) {
      const due = this.#transitions.filter((transition) => transition.at <= now).sort((a, b) => a.at - b.at);
      this.#transitions = this.#transitions.filter((transition) => transition.at > now);
      for (const transition of due) transition.apply();
    }
  }

  /** Apply `apply` once `delayMs` of emulator time has passed. */
  later(delayMs: number, apply: () => void): void {
    this.at(this.clock.now() + delayMs, apply);
  }

  /** Apply `apply` once the clock reaches `time`. */
  at(time: number, apply: () => void): void {
    this.#transitions.push({ at: time, apply });
  }

  event(sourceType: string, sourceId: string, message: string): void {
    this.events.push({
      SourceIdentifier: sourceId,
      SourceType: sourceType,
      Message: message,
      Date: new Date(this.clock.now()),
    });
  }

  /** The group, or the ReplicationGroupNotFoundFault AWS answers. */
  group(id: string): GroupState {
    const group = this.groups.get(id);
    if (group === undefined)
      throw new QueryFault('ReplicationGroupNotFoundFault', `ReplicationGroup ${id} not found.`);
    return group;
  }

  /** Refuse unless the group is `available`. */
  available(group: GroupState): void {
    if (group.status !== 'available') {
      throw new QueryFault(
        'InvalidReplicationGroupState',
        `Replication group ${group.id} must be in available state, is ${group.status}.`,
      );
    }
  }

  /** Ids of one kind in sorted order (cached until that kind changes): what pagination walks. */
  sortedIds(kind: ResourceKind): string[] {
    const cached = this.#sorted[kind];
    if (cached !== undefined) return cached;
    const ids = [...this[kind].keys()].sort();
    this.#sorted[kind] = ids;
    return ids;
  }

  /** Forget the sorted ids of a kind whose members were added or removed. */
  changed(kind: ResourceKind): void {
    this.#sorted[kind] = undefined;
  }

  /** Add a group directly (seeding); no events, no lifecycle. */
  putGroup(group: GroupState): void {
    this.groups.set(group.id, group);
    this.changed('groups');
  }

  putServerless(cache: ServerlessState): void {
    this.serverless.set(cache.name, cache);
    this.changed('serverless');
  }

  /** The cluster ids of each shard, primary first. */
  memberIds(group: GroupState): string[][] {
    return Array.from({ length: group.shards }, (_, shard) =>
      Array.from({ length: group.replicas + 1 }, (_, member) =>
        group.clusterMode === 'enabled'
          ? `${group.id}-${String(shard + 1).padStart(4, '0')}-${String(member + 1).padStart(3, '0')}`
          : `${group.id}-${String(member + 1).padStart(3, '0')}`,
      ),
    );
  }
}
