/**
 * How the upgrade workflow asks for an approval (a planned step, or the soak's step back): the
 * workflows' one request (shared/jobs/workflow/approval-request.ts) with the
 * `Durability Upgrade Approval Requested` event.
 */
import { type ApprovalRequest, requestApproval } from '../workflow/approval-request.js';
import type { UpgradeContext } from './state.js';

/**
 * Park the task token, then tell: the event and the alert carry the approve instructions.
 *
 * @example
 * await requestUpgradeApproval(context, { action: 'soak-step-back', step: 'soak step-back to async', detail, alert });
 */
export const requestUpgradeApproval = (context: UpgradeContext, request: ApprovalRequest) =>
  requestApproval(context, 'upgrade', request);
