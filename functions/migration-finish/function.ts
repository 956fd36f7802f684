import type { FunctionManifest } from '../../infra/function-manifest.js';
import { PARTITIONS } from '../../shared/aws/state-keys.js';

export const manifest: FunctionManifest = {
  description: 'Migration workflow - outcome event, alert on failure, lock release',
  triggers: [{ task: 'migration' }],
  timeout: 120,
  memory: 512,
  environment: ['alertTopic'],
  actions: [
    'elasticache:DescribeReplicationGroups',
    'elasticache:ListTagsForResource',
    'dynamodb:DeleteItem',
    'events:PutEvents',
    'sns:Publish',
  ],
  stateKeys: [PARTITIONS.lease, PARTITIONS.migrationApproval],
  memberAccess: false,
  vpc: false,
  alarms: ['Errors', 'Throttles'],
};
