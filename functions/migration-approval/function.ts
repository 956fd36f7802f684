import type { FunctionManifest } from '../../infra/function-manifest.js';
import { PARTITIONS } from '../../shared/aws/state-keys.js';

export const manifest: FunctionManifest = {
  description: 'Migration workflow - parks the task token and asks for approval',
  triggers: [{ task: 'migration' }],
  timeout: 120,
  memory: 512,
  environment: ['alertTopic'],
  actions: ['dynamodb:PutItem', 'dynamodb:GetItem', 'events:PutEvents', 'sns:Publish'],
  stateKeys: [PARTITIONS.migrationApproval],
  memberAccess: false,
  vpc: false,
  alarms: ['Errors', 'Throttles'],
};
