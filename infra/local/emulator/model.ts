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
import { EmulatorState, type Handler } from './state.js';
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
