/**
 * The emulated ElastiCache control plane: the store (state.ts) and one handler per Query
 * action, gathered from the API families (groups, modify, scaling, serverless, snapshots,
 * online migration, events, tags) into one action table. Time comes from a Clock; pending
 * transitions are applied lazily when state is read.
 */
import { eventActions } from './events.js';
import { deleteReplicationGroup, groupActions } from './groups.js';
import { runMaintenance } from './maintenance.js';
import { modifyActions } from './modify.js';
import { migrationActions } from './online-migration.js';
import { parameterGroupActions } from './parameter-groups.js';
import { type Params, QueryFault } from './protocol.js';
import { scalingActions } from './scaling.js';
import { serverlessActions } from './serverless.js';
import { snapshotActions } from './snapshots.js';
import { EmulatorState, type GroupState, type Handler } from './state.js';
import { tagActions } from './tags.js';

// What the sandbox, tests and benchmarks seed and wait for.
export { DURATIONS, type GroupState, type ServerlessState, type SnapshotState } from './state.js';

/** Every Query action the emulator serves, by name. */
export const ACTIONS: Readonly<Record<string, Handler>> = {
  ...groupActions,
  ...modifyActions,
  ...parameterGroupActions,
  ...scalingActions,
  ...serverlessActions,
  ...snapshotActions,
  ...migrationActions,
  ...eventActions,
  ...tagActions,
};

export class ElastiCacheModel extends EmulatorState {
  /** Dispatch one Query action; unknown-but-real actions are refused as unsupported here. */
  async handle(action: string, params: Params): Promise<object> {
    this.tick();
    const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
    if (handler === undefined)
      throw new QueryFault('InvalidAction', `The action ${action} is not supported by the local emulator.`);
    return handler(this, params);
  }

  /**
   * Apply the changes held for the maintenance window now, without the `modifying` period
   * (tests and the demo call this; the window itself applies them when the clock reaches it).
   */
  runMaintenance(groupId: string): void {
    runMaintenance(this, groupId);
  }

  /** DeleteReplicationGroup without the HTTP round trip (tests that remove a group mid-run). */
  deleteReplicationGroup(params: Params): object {
    return deleteReplicationGroup(this, params);
  }
}

/**
 * A group every durability prerequisite holds for (Valkey 9.0, cluster mode enabled, a replica,
 * Multi-AZ, TLS, r7g, encrypted at rest) with durability not yet on: what the sandbox, the tests
 * and the benchmarks seed, changed by `overrides`.
 */
export function durableReadyGroup(id: string, overrides: Partial<GroupState> = {}): GroupState {
  return {
    id,
    description: id,
    engine: 'valkey',
    engineVersion: '9.0',
    status: 'available',
    clusterMode: 'enabled',
    shards: 1,
    replicas: 1,
    multiAZ: true,
    tls: true,
    atRestEncryptionEnabled: true,
    durability: 'default',
    effectiveDurability: 'disabled',
    encrypted: true,
    nodeType: 'cache.r7g.large',
    dataTiering: false,
    createdAt: Date.parse('2026-01-01T00:00:00Z'),
    legacyApi: false,
    pending: {},
    tags: new Map([['env', 'prod']]),
    ...overrides,
  };
}
