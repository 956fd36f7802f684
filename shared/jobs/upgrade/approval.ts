/**
 * How the upgrade workflow asks for an approval (a planned step, or the soak's step back): the
 * task token parked under the group, the `Durability Upgrade Approval Requested` event and an
 * alert, each naming how to approve.
 */
import { DETAIL_TYPES } from '../../aws/notify.js';
import { UPGRADE_ERRORS } from '../../domain/workflow/index.js';
import { parkTaskToken } from '../workflow/approval.js';
import { notify, workflowEvent } from '../workflow/notify.js';
import { iso } from '../workflow/task.js';
import { type UpgradeContext, UpgradeError } from './state.js';

export interface ApprovalRequest {
  /** The event's step (`set-durability`, `soak-step-back`). */
  action: string;
  /** What the parked token says is waiting, in an operator's words. */
  step: string;
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
 * await requestUpgradeApproval(context, { action: 'soak-step-back', step: 'soak step-back to async', detail, alert });
 */
export async function requestUpgradeApproval(
  context: UpgradeContext,
  request: ApprovalRequest,
): Promise<{ requestedAt: string }> {
  const { deps, execution, taskToken, state } = context;
  const groupId = state.input.replicationGroupId;
  if (taskToken === undefined)
    throw new UpgradeError(UPGRADE_ERRORS.taskTokenMissing, 'the approval step needs a task token');
  const requestedAt = iso(deps);
  const instructions = await parkTaskToken(deps.store, {
    workflow: 'upgrade',
    groupId,
    execution,
    taskToken,
    requestedAt,
    step: request.step,
  });
  await notify(deps.events, [
    workflowEvent(
      DETAIL_TYPES.upgradeApproval,
      execution,
      request.action,
      { replicationGroupId: groupId, execution, requestedAt, ...request.detail, instructions },
      { place: request.place },
    ),
  ]);
  await deps.alerts?.publish({
    ...request.alert(instructions),
    rule: 'durability-upgrade',
    resourceType: 'replication-group',
  });
  return { requestedAt };
}
