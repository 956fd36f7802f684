import type { FunctionManifest } from '../../infra/function-manifest.js';
import {
  DURABILITY_GROUP_ACTIONS,
  DURABILITY_GROUP_STATE_KEYS,
} from '../../shared/jobs/durability/actions.js';

export const manifest: FunctionManifest = {
  description: 'Evaluates (and remediates) one group on a CloudTrail call or a re-check',
  triggers: [
    { eventBridge: 'durabilityReact.cloudTrail' },
    // Each record is processed on its own; the failed ones are answered in batchItemFailures,
    // so SQS redelivers only those and RecheckQueue's redrive policy moves poison to RecheckDeadLetter.
    { sqs: 'RecheckQueue', batchSize: 10 },
  ],
  timeout: 120,
  memory: 512,
  // The upgrade workflow: the soak of a change it sees take effect, and staged upgrades the policy
  // allows, for the deployment's own account and region only (as target-scan).
  environment: ['recheckQueue', 'upgradeStateMachine'],
  // ListParents: whether a member's event is of an account under the policy's OUs.
  actions: [
    ...DURABILITY_GROUP_ACTIONS,
    'sqs:SendMessage',
    'organizations:ListParents',
    'states:StartExecution',
  ],
  stateKeys: DURABILITY_GROUP_STATE_KEYS,
  // A member account's event is acted on through its member role (one AssumeRole per account).
  memberAccess: true,
  vpc: false,
  alarms: ['Errors', 'Throttles'],
};
