import type { FunctionManifest } from '../../infra/function-manifest.js';

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
    'events:PutEvents',
  ],
  stateKeys: [],
  memberAccess: false,
  // PING and INFO replication to the migration's source and to the group's primary.
  vpc: true,
  alarms: ['Errors', 'Throttles'],
};
