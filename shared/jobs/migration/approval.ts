/**
 * `migration-approval`: park the task token where `guardrails migration approve|reject`
 * finds it and tell people. The token itself is never sent in a notification or logged.
 */
import { type AlertPublisher, DETAIL_TYPES, type EventPublisher } from '../../aws/notify.js';
import { StateStore } from '../../aws/state-store.js';
import { MIGRATION_ERRORS } from '../../domain/workflow/index.js';
import { parkTaskToken } from '../workflow/approval.js';
import { alertsOf, eventsOf, wallClock, workflowBase } from '../workflow/deps.js';
import { notify, workflowEvent } from '../workflow/notify.js';
import { iso, parsed, type Step } from '../workflow/task.js';
import { MigrationError, parseMigrationState } from './state.js';
import type { MigrationContext } from './step-context.js';

export interface ApprovalDeps {
  store: StateStore;
  events: EventPublisher;
  /** Where the request is announced to people; the event always goes out. */
  alerts?: AlertPublisher;
  now: () => Date;
}

/** migration-approval's deps: the state table, events and alerts; no ElastiCache, no node reads. */
export function createMigrationApprovalDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = workflowBase('migration-approval', {}, env);
  return {
    ...base,
    store: new StateStore(base.config.STATE_TABLE, base.aws),
    events: eventsOf(base),
    alerts: alertsOf(base),
    now: wallClock,
  } satisfies ApprovalDeps;
}

async function requestApproval({ deps, execution, taskToken, state }: MigrationContext<ApprovalDeps>) {
  const groupId = state.input.replicationGroupId;
  if (taskToken === undefined)
    throw new MigrationError(MIGRATION_ERRORS.taskTokenMissing, 'the approval step needs a task token');
  const requestedAt = iso(deps);
  const instructions = await parkTaskToken(deps.store, {
    workflow: 'migration',
    groupId,
    execution,
    taskToken,
    requestedAt,
  });
  const lagBytes = state.migration?.sync.lagBytes;
  await notify(deps.events, [
    workflowEvent(DETAIL_TYPES.migrationApproval, execution, 'approval', {
      replicationGroupId: groupId,
      execution,
      requestedAt,
      lagBytes,
      instructions,
    }),
  ]);
  await deps.alerts?.publish({
    subject: `Approve the migration of ${groupId}`,
    body: `The online migration of ${groupId} (execution ${execution}) is in sync (lag ${lagBytes ?? '?'} bytes) and waits for approval before CompleteMigration.\n\nApprove:  ${instructions}\nWithout a decision within ${state.input.approvalTimeoutSeconds} s the migration is aborted (the source keeps serving).`,
    rule: 'migration',
    severity: 'medium',
    resourceType: 'replication-group',
  });
  return { requestedAt };
}

export const approvalSteps = {
  request: parsed(parseMigrationState, requestApproval),
} satisfies Record<string, Step<ApprovalDeps>>;
