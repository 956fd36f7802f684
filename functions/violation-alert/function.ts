import type { FunctionManifest } from '../../infra/function-manifest.js';
import { PARTITIONS } from '../../shared/aws/state-keys.js';

export const manifest: FunctionManifest = {
  description: 'Alerts a new policy violation once per event id',
  // Only the events this deployment emitted: its own source and its own account.
  triggers: [{ eventBridge: 'violationAlert.ownViolations', ownAccountOnly: true }],
  // Well within the ledger's claim (ALERT_CLAIM_MS): a live sender is never taken over.
  timeout: 30,
  memory: 256,
  environment: ['alertTopic'],
  // PutItem claims and marks, GetItem reads a claim it lost, DeleteItem gives one back.
  actions: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem', 'sns:Publish'],
  stateKeys: [PARTITIONS.sentAlert],
  memberAccess: false,
  vpc: false,
  // Errors include the rare duplicate delivered while the first is being sent (retried by Lambda).
  alarms: ['Errors', 'Throttles'],
};
