import type { FunctionManifest } from '../../infra/function-manifest.js';
import { PARTITIONS } from '../../shared/aws/state-keys.js';

export const manifest: FunctionManifest = {
  description: 'Durability upgrade workflow - plan, snapshot, one online step at a time, approvals',
  triggers: [{ task: 'durability-upgrade' }],
  timeout: 120,
  memory: 512,
  environment: ['alertTopic'],
  actions: [
    'elasticache:DescribeReplicationGroups',
    'elasticache:ListTagsForResource',
    'elasticache:DescribeCacheClusters',
    'elasticache:DescribeSnapshots',
    'elasticache:CreateSnapshot',
    'elasticache:AddTagsToResource',
    'elasticache:ModifyReplicationGroup',
    'elasticache:IncreaseReplicaCount',
    'elasticache:ModifyReplicationGroupShardConfiguration',
    'elasticache:DescribeCacheParameterGroups',
    'elasticache:DescribeCacheParameters',
    'elasticache:CreateCacheParameterGroup',
    'elasticache:ModifyCacheParameterGroup',
    // The soak after the durability change: DurabilityLag, buffer errors, throttling, write latency.
    'cloudwatch:GetMetricData',
    'dynamodb:PutItem',
    'dynamodb:GetItem',
    'dynamodb:DeleteItem',
    'dynamodb:UpdateItem',
    'events:PutEvents',
    'sns:Publish',
  ],
  stateKeys: [PARTITIONS.lease, PARTITIONS.targetLeases, PARTITIONS.upgradeApproval, PARTITIONS.lastSoak],
  memberAccess: false,
  vpc: false,
  alarms: ['Errors', 'Throttles'],
};
