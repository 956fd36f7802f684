/**
 * `migration-approval`: park the task token where `guardrails migration approve|reject`
 * finds it and tell people. The token itself is never sent in a notification or logged.
 */
import { StateStore } from '../../aws/state-store.js';
import { type ApprovalDeps, requestApproval } from '../workflow/approval-request.js';
import { alertsOf, eventsOf, wallClock, workflowBase } from '../workflow/deps.js';
import { parsed, type Step } from '../workflow/task.js';
import { parseMigrationState } from './state.js';
import type { MigrationContext } from './step-context.js';

export type { ApprovalDeps };

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

function requestMigrationApproval(context: MigrationContext<ApprovalDeps>) {
  const { execution, state } = context;
  const groupId = state.input.replicationGroupId;
  const lagBytes = state.migration?.sync.lagBytes;
  return requestApproval(context, 'migration', {
    action: 'approval',
    detail: { lagBytes },
    alert: (instructions) => ({
      subject: `Approve the migration of ${groupId}`,
      body: `The online migration of ${groupId} (execution ${execution}) is in sync (lag ${lagBytes ?? '?'} bytes) and waits for approval before CompleteMigration.\n\nApprove:  ${instructions}\nWithout a decision within ${state.input.approvalTimeoutSeconds} s the migration is aborted (the source keeps serving).`,
      severity: 'medium',
    }),
  });
}

export const approvalSteps = {
  request: parsed(parseMigrationState, requestMigrationApproval),
} satisfies Record<string, Step<ApprovalDeps>>;
