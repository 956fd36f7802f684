/**
 * How either workflow asks an operator for a decision: the task token parked under the group,
 * the workflow's approval event and an alert, each naming how to approve. A module apart from
 * approval.ts: it bundles EventBridge and SNS, which the functions that only read
 * APPROVAL_KINDS must not carry.
 */
import { type AlertPublisher, DETAIL_TYPES, type DetailType } from '../../aws/notify.js';
import type { RecordKind } from '../../aws/state-keys.js';
import { WORKFLOW_ERRORS } from '../../domain/workflow/index.js';
import { type ApprovalWorkflow, parkTaskToken } from './approval.js';
import { WorkflowError } from './errors.js';
import { notify, type StepEvents, workflowEvent } from './notify.js';
import { iso, type StepContext } from './task.js';

/** Each workflow's approval event and the rule its alert is filed under. */
const ANNOUNCED_AS = {
  migration: { detailType: DETAIL_TYPES.migrationApproval, rule: 'migration' },
  upgrade: { detailType: DETAIL_TYPES.upgradeApproval, rule: 'durability-upgrade' },
} as const satisfies Record<ApprovalWorkflow, { detailType: DetailType; rule: string }>;

/** What a step that asks for approval is given. */
export interface ApprovalDeps {
  store: { putRecord(kind: RecordKind<object>, key: string, value: object): Promise<void> };
  events: StepEvents;
  /** Where the request is announced to people; the event always goes out. */
  alerts?: Pick<AlertPublisher, 'publish'>;
  now: () => Date;
}

export interface ApprovalRequest {
  /** The event's step (`approval`, `set-durability`, `soak-step-back`). */
  action: string;
  /** What the parked token says is waiting, in an operator's words (shown by `status`). */
  step?: string;
  /** The event's detail besides the group, execution, time and instructions. */
  detail: Record<string, unknown>;
  /** The event's place in the execution's step events, when it has one. */
  place?: number;
  /** The alert, told how to approve. */
  alert: (instructions: string) => { subject: string; body: string; severity: 'high' | 'medium' };
}

/**
 * Park the task token, then tell: the event and the alert carry the approve instructions.
 *
 * @example
 * await requestApproval(context, 'upgrade', { action: 'soak-step-back', step: 'soak step-back to async', detail, alert });
 */
export async function requestApproval(
  context: StepContext<ApprovalDeps, { input: { replicationGroupId: string } }>,
  workflow: ApprovalWorkflow,
  request: ApprovalRequest,
): Promise<{ requestedAt: string }> {
  const { deps, execution, taskToken, state } = context;
  const groupId = state.input.replicationGroupId;
  if (taskToken === undefined)
    throw new WorkflowError(WORKFLOW_ERRORS.taskTokenMissing, 'the approval step needs a task token');
  const requestedAt = iso(deps);
  const instructions = await parkTaskToken(deps.store, {
    workflow,
    groupId,
    execution,
    taskToken,
    requestedAt,
    step: request.step,
  });
  const { detailType, rule } = ANNOUNCED_AS[workflow];
  await notify(deps.events, [
    workflowEvent(
      detailType,
      execution,
      request.action,
      { replicationGroupId: groupId, execution, requestedAt, ...request.detail, instructions },
      { place: request.place },
    ),
  ]);
  await deps.alerts?.publish({ ...request.alert(instructions), rule, resourceType: 'replication-group' });
  return { requestedAt };
}
