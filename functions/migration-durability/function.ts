import type { FunctionManifest } from '../../infra/function-manifest.js';
import { PARTITIONS } from '../../shared/aws/state-keys.js';

export const manifest: FunctionManifest = {
  description: 'Migration workflow - raises durability through the durability job',
  triggers: [{ task: 'migration' }],
  timeout: 120,
  memory: 512,
  environment: [
    // A migrated group needs TLS first: it goes through the durability upgrade workflow.
    'upgradeStateMachine',
  ],
  actions: [
    'elasticache:DescribeReplicationGroups',
    'elasticache:ListTagsForResource',
    'elasticache:DescribeCacheClusters',
    'elasticache:DescribeSnapshots',
    'elasticache:CreateSnapshot',
    'elasticache:AddTagsToResource',
    'elasticache:ModifyReplicationGroup',
    'cloudwatch:GetMetricData',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:GetItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'events:PutEvents',
    'states:StartExecution',
  ],
  stateKeys: [PARTITIONS.lease, PARTITIONS.findings],
  memberAccess: false,
  vpc: false,
  alarms: ['Errors', 'Throttles'],
};
