/**
 * The steps of the online-migration state machine (infra/migration.asl.yaml), one module per
 * `migration-*` function. Each Task invokes one function with `{ action, execution, state }`;
 * the step reads the state once parsed and returns what the ASL stores at its ResultPath.
 * Steps never sleep: every wait is an ASL Wait state, every loop a Choice on `done` and
 * `attempt`. Failures are named for the ASL (MIGRATION_ERRORS): `TransientError` is retried,
 * anything else is caught (before StartMigration into the failure path, after it into abort).
 *
 * The deployed functions import only their own module; this registry serves the local runner
 * and the tests, which run every function in one process.
 */
import { runSteps, type Step, type WorkflowTask } from '../workflow/task.js';
import { type ApprovalDeps, approvalSteps } from './approval.js';
import { type ControlDeps, controlSteps } from './control.js';
import { type DurabilityDeps, durabilitySteps } from './durability.js';
import { type FinishDeps, finishSteps } from './finish.js';
import { type PreflightDeps, preflightSteps } from './preflight.js';
import { type SnapshotDeps, snapshotSteps } from './snapshot.js';
import { type SyncDeps, syncSteps } from './sync.js';

export { APPROVAL_KIND, MigrationError } from './state.js';

/** Everything any migration function needs: what one process running them all provides. */
export type MigrationDeps = PreflightDeps &
  SnapshotDeps &
  ControlDeps &
  SyncDeps &
  ApprovalDeps &
  DurabilityDeps &
  FinishDeps;

/** The actions of each `migration-*` function, as the ASL names them. */
export const MIGRATION_FUNCTIONS = {
  'migration-preflight': preflightSteps,
  'migration-snapshot': snapshotSteps,
  'migration-control': controlSteps,
  'migration-sync': syncSteps,
  'migration-approval': approvalSteps,
  'migration-durability': durabilitySteps,
  'migration-finish': finishSteps,
} as const satisfies Record<string, Record<string, Step<MigrationDeps>>>;
export type MigrationFunction = keyof typeof MIGRATION_FUNCTIONS;

/**
 * Run one action of one migration function in this process (the sandbox's runner, tests).
 *
 * @example
 * await runMigrationTask('migration-snapshot', deps, { action: 'create', execution: 'run-1', state });
 */
export function runMigrationTask(
  fn: MigrationFunction,
  deps: MigrationDeps,
  task: WorkflowTask,
): Promise<object> {
  const steps: Readonly<Record<string, Step<MigrationDeps>>> = MIGRATION_FUNCTIONS[fn];
  return runSteps(fn, steps, deps, task, task.execution);
}
