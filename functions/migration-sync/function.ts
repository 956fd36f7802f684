import type { FunctionManifest } from '../../infra/function-manifest.js';

export const manifest: FunctionManifest = {
  description: 'Migration workflow - INFO replication sync check',
  triggers: [{ task: 'migration' }],
  timeout: 120,
  memory: 512,
  environment: [],
  actions: ['elasticache:DescribeReplicationGroups', 'elasticache:ListTagsForResource', 'events:PutEvents'],
  stateKeys: [],
  memberAccess: false,
  // PING and INFO replication to the migration's source and to the group's primary.
  vpc: true,
  alarms: ['Errors', 'Throttles'],
};
