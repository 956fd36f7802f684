/**
 * `guardrails migration abort` of an execution that is not waiting for approval: the same
 * mechanism as the upgrade's ({@link stopUnderLock}: the lock `aborting` before StopExecution,
 * so a step still running sends nothing and nobody takes the group, released once the execution
 * has stopped), and, before the release, `CompleteMigration Force=true` for a migration the
 * stopped execution asked for and the group is still under: never for one it did not start.
 */
import type { ElastiCacheClient } from '../../aws/clients.js';
import { completeMigration, readReplicationGroup } from '../../aws/elasticache.js';
import { AwsCallError } from '../../aws/errors.js';
import type { StateStore } from '../../aws/state-store.js';
import type { StopRequest, WorkflowRunner } from '../../domain/workflow/runner.js';
import { ABORT_WAIT, type AbortWait, stopUnderLock } from '../workflow/abort.js';
import { abortingLock, fencedWhileAborting } from '../workflow/lock.js';
import { APPROVAL_KIND } from './state.js';

/**
 * The requests after which the group may be under the execution's own migration: its lock
 * records each before it is sent. Before StartMigration there is nothing to stop; after
 * CompleteMigration Force=true the execution's own abort was sent; a Durability change comes
 * after the migration completed.
 */
const MIGRATION_REQUESTS: ReadonlySet<string> = new Set(['StartMigration', 'CompleteMigration']);

/** What the stopped execution left: its migration stopped here, none of its own, or one already ended. */
export const MIGRATION_STOPS = {
  forced: 'forced',
  notStarted: 'not-started',
  notMigrating: 'not-migrating',
  unknown: 'unknown',
} as const;
export type MigrationStop = (typeof MIGRATION_STOPS)[keyof typeof MIGRATION_STOPS];

export interface MigrationAbortDeps {
  store: StateStore;
  elasticache: ElastiCacheClient;
  runner: Pick<WorkflowRunner, 'stop' | 'running'>;
}

/** `CompleteMigration Force=true`, under the aborting lock, when the stopped execution started the group's migration. */
async function stopOwnMigration(
  deps: MigrationAbortDeps,
  groupId: string,
  execution: string,
  at: string,
): Promise<MigrationStop> {
  const lock = await abortingLock(deps.store, groupId, execution);
  // A lock taken before locks recorded their requests: whether it started the migration is unknown.
  if (lock?.request === undefined) return MIGRATION_STOPS.unknown;
  if (!MIGRATION_REQUESTS.has(lock.request.call)) return MIGRATION_STOPS.notStarted;
  if ((await readReplicationGroup(deps.elasticache, groupId))?.status !== 'migrating')
    return MIGRATION_STOPS.notMigrating;
  const request = { call: 'CompleteMigration Force=true', step: 'migration abort', at };
  try {
    await fencedWhileAborting(deps.store, groupId, execution, request, () =>
      completeMigration(deps.elasticache, groupId, true),
    );
  } catch (error) {
    if (error instanceof AwsCallError && error.fault === 'ReplicationGroupNotUnderMigrationFault')
      return MIGRATION_STOPS.notMigrating;
    throw error;
  }
  return MIGRATION_STOPS.forced;
}

/**
 * Stop `stop.execution`, which holds the migration lock of `groupId`, stop the migration it
 * started (Force=true; the data is not synced, the source keeps serving), then release the lock
 * and the records it held. Throws AbortIncompleteError as {@link stopUnderLock} does.
 *
 * @example
 * const left = await stopMigration({ store, elasticache, runner }, 'orders', { execution, error, cause }, at);
 */
export async function stopMigration(
  deps: MigrationAbortDeps,
  groupId: string,
  stop: StopRequest,
  at: string,
  wait: AbortWait = ABORT_WAIT,
): Promise<MigrationStop> {
  let left: MigrationStop = MIGRATION_STOPS.notStarted;
  await stopUnderLock(deps.store, deps.runner, groupId, stop, at, wait, async () => {
    left = await stopOwnMigration(deps, groupId, stop.execution, at);
  });
  // A stopped execution runs no finish step: what else it held goes, only if it still holds it.
  await deps.store.deleteRecord(APPROVAL_KIND, groupId, { field: 'execution', is: stop.execution });
  return left;
}
