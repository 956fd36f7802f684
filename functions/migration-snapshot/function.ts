import type { FunctionManifest } from '../../infra/function-manifest.js';
import { PARTITIONS } from '../../shared/aws/state-keys.js';

export const manifest: FunctionManifest = {
  description: 'Migration workflow - pre-migration snapshot',
  triggers: [{ task: 'migration' }],
  timeout: 120,
  memory: 512,
  environment: [],
  actions: [
    'elasticache:CreateSnapshot',
    'elasticache:AddTagsToResource',
    'elasticache:DescribeSnapshots',
    // The group's lock, re-checked (a conditional write) before each change.
    'dynamodb:GetItem',
    'dynamodb:UpdateItem',
    'events:PutEvents',
  ],
  stateKeys: [PARTITIONS.lease],
  memberAccess: false,
  vpc: false,
  alarms: ['Errors', 'Throttles'],
};
