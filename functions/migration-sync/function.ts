import type { FunctionManifest } from '../../infra/function-manifest.js';
import { PARTITIONS } from '../../shared/aws/state-keys.js';

export const manifest: FunctionManifest = {
  description: 'Migration workflow - INFO replication sync check',
  triggers: [{ task: 'migration' }],
  timeout: 120,
  memory: 512,
  environment: [],
  actions: [
    'elasticache:DescribeReplicationGroups',
    'elasticache:ListTagsForResource',
    'dynamodb:GetItem',
    'events:PutEvents',
  ],
  stateKeys: [PARTITIONS.migrationAbort],
  memberAccess: false,
  // PING and INFO replication to the migration's source and to the group's primary.
  vpc: true,
  alarms: ['Errors', 'Throttles'],
};
