/**
 * `migration-finish`: the one report of an execution, succeeded or failed, and the release of
 * what it holds (the group's lock and its approval request).
 */
import { readReplicationGroup } from '../../aws/elasticache.js';
import { DETAIL_TYPES } from '../../aws/notify.js';
import { migrationFate, migrationTimings } from '../../domain/migration/index.js';
import { type CaughtError, failureOf } from '../../domain/workflow/index.js';
import { redactText } from '../../runtime/redact.js';
import { workflowBase } from '../workflow/deps.js';
import { releaseLock } from '../workflow/lock.js';
import { notify, workflowEvent } from '../workflow/notify.js';
import { type ReportingDeps, reportingDeps } from '../workflow/reporting-deps.js';
import { parsed, type Step, type StepContext } from '../workflow/task.js';
import {
  APPROVAL_KIND,
  type FailureState,
  type MigrationState,
  parseFailureState,
  parseMigrationState,
  summary,
} from './state.js';

export type FinishDeps = ReportingDeps;

/** migration-finish's deps: ElastiCache, the state table, events and alerts. */
export function createMigrationFinishDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = workflowBase('migration-finish', {}, env);
  return { ...base, ...reportingDeps(base) } satisfies FinishDeps;
}

/** A Catch's Error and Cause, redacted: they go into the outcome event, the alert and the output. */
function redactedFailure(caught: CaughtError | undefined) {
  const { error, cause } = failureOf(caught);
  return { error: redactText(error), cause: redactText(cause) };
}

/**
 * Give back what this execution holds. An execution that never held the lock (refused by
 * it, or failed before it) clears nothing: the records belong to the execution that does.
 */
async function release({ deps, execution }: StepContext<FinishDeps, unknown>, groupId?: string) {
  if (groupId === undefined) return;
  const owner = { field: 'execution', is: execution };
  await releaseLock(deps.store, groupId, execution);
  await deps.store.deleteRecord(APPROVAL_KIND, groupId, owner);
}

async function succeeded(context: StepContext<FinishDeps, MigrationState>) {
  const { deps, state, execution } = context;
  const { input } = state;
  await release(context, input.replicationGroupId);
  const group = await readReplicationGroup(deps.elasticache, input.replicationGroupId);
  const output = {
    status: input.dryRun ? 'dry-run' : 'succeeded',
    replicationGroupId: input.replicationGroupId,
    execution,
    ...(input.dryRun
      ? { message: 'preflight passed; a dry run changes nothing', notes: state.preflight?.notes ?? [] }
      : {}),
    snapshot:
      state.snapshot === undefined
        ? undefined
        : { name: state.snapshot.name, durability: state.snapshot.durability, size: state.snapshot.size },
    durability:
      state.durabilityError === undefined
        ? state.durability && { actions: state.durability.actions, reason: state.durability.reason }
        : { actions: ['failed'], reason: redactedFailure(state.durabilityError).cause },
    group: group === undefined ? undefined : summary(group),
    timings: migrationTimings(state),
  };
  await notify(deps.events, [
    workflowEvent(DETAIL_TYPES.migrationOutcome, execution, 'outcome', output, {
      ...(group === undefined ? {} : { resources: [group.arn] }),
    }),
  ]);
  return output;
}

/**
 * The one failure report of an execution: what failed, whether the migration was aborted
 * (data not synced) and which snapshot to restore from. Releases the lock if this execution
 * holds it.
 */
async function failed(context: StepContext<FinishDeps, FailureState>) {
  const { deps, state, execution } = context;
  const { groupId } = state;
  await release(context, groupId);
  const { error, cause } = redactedFailure(state.error);
  const snapshot = state.snapshot?.status === 'available' ? state.snapshot.name : undefined;
  const migration = migrationFate({
    started: state.migration?.started === true,
    aborted: state.abort?.done === true,
    abortProblem: state.abortError === undefined ? undefined : redactedFailure(state.abortError).cause,
  });
  const output = {
    status: 'failed',
    replicationGroupId: groupId,
    execution,
    error,
    cause,
    migration,
    dataSynced: false,
    ...(snapshot === undefined ? {} : { restoreFrom: snapshot }),
    timings: migrationTimings(state),
  };
  await notify(deps.events, [workflowEvent(DETAIL_TYPES.migrationOutcome, execution, 'outcome', output)]);
  await deps.alerts?.publish({
    subject: `Migration of ${groupId ?? '(invalid input)'} failed: ${error}`,
    body: `${cause}\n\nMigration: ${migration}.${snapshot === undefined ? '' : `\nRestore from snapshot: ${snapshot}.`}\nExecution: ${execution}.`,
    rule: 'migration',
    severity: 'high',
    resourceType: 'replication-group',
  });
  return output;
}

export const finishSteps = {
  succeeded: parsed(parseMigrationState, succeeded),
  failed: parsed(parseFailureState, failed),
} satisfies Record<string, Step<FinishDeps>>;
