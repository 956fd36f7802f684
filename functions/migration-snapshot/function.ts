import type { FunctionManifest } from '../../infra/function-manifest.js';

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
    'events:PutEvents',
  ],
  stateKeys: [],
  memberAccess: false,
  vpc: false,
  alarms: ['Errors', 'Throttles'],
};
