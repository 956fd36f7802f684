import type { FunctionManifest } from '../../infra/function-manifest.js';
import { PARTITIONS } from '../../shared/aws/state-keys.js';

export const manifest: FunctionManifest = {
  description: "Deletes this app's snapshots after the policy's retention",
  triggers: [{ schedule: 'rate(1 day)' }],
  timeout: 120,
  memory: 512,
  environment: [],
  actions: [
    'tag:GetResources',
    'elasticache:DescribeSnapshots',
    'elasticache:DeleteSnapshot',
    'events:PutEvents',
    'dynamodb:Query',
  ],
  stateKeys: [PARTITIONS.lease, PARTITIONS.targetLeases],
  memberAccess: false,
  vpc: false,
  alarms: ['Errors', 'Throttles'],
};
