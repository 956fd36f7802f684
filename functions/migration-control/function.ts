import type { FunctionManifest } from '../../infra/function-manifest.js';
import { PARTITIONS } from '../../shared/aws/state-keys.js';

export const manifest: FunctionManifest = {
  description: 'Migration workflow - TestMigration, StartMigration, CompleteMigration, abort',
  triggers: [{ task: 'migration' }],
  timeout: 120,
  memory: 512,
  environment: [],
  actions: [
    'elasticache:TestMigration',
    'elasticache:StartMigration',
    'elasticache:CompleteMigration',
    'elasticache:DescribeEvents',
    'elasticache:DescribeReplicationGroups',
    'elasticache:ListTagsForResource',
    // The group's lock, re-checked (a conditional write) before each change.
    'dynamodb:GetItem',
    'dynamodb:UpdateItem',
    'events:PutEvents',
  ],
  stateKeys: [PARTITIONS.lease],
  memberAccess: false,
  // PING and INFO replication to the migration's source and to the group's primary.
  vpc: true,
  alarms: ['Errors', 'Throttles'],
};
