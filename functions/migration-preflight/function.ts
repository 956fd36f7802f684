import type { FunctionManifest } from '../../infra/function-manifest.js';
import { PARTITIONS } from '../../shared/aws/state-keys.js';

export const manifest: FunctionManifest = {
  description: 'Migration workflow - validate input, lock, preflight checks',
  triggers: [{ task: 'migration' }],
  timeout: 120,
  memory: 512,
  environment: [],
  actions: [
    'elasticache:DescribeReplicationGroups',
    'elasticache:DescribeCacheClusters',
    'elasticache:ListTagsForResource',
    'dynamodb:PutItem',
    'dynamodb:GetItem',
  ],
  stateKeys: [PARTITIONS.lease],
  memberAccess: false,
  // PING and INFO replication to the migration's source and to the group's primary.
  vpc: true,
  alarms: ['Errors', 'Throttles'],
};
