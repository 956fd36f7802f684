/**
 * The AWS actions the durability job calls, for the manifests of the functions that run it
 * (target-scan, durability-react, migration-durability): their IAM roles are generated from
 * these lists, so a new call of the job is granted here, once; and the state table's partitions
 * the job reads and writes for a group.
 */
import { PARTITIONS } from '../../aws/state-keys.js';
import { fleetReads } from '../../domain/resource-kinds.js';

/** What checking and enforcing a group calls, however the group was read (shared/jobs/durability/pipeline.ts). */
const PIPELINE_ACTIONS = [
  // The engine versions of the groups (inputs.ts).
  'elasticache:DescribeCacheClusters',
  // The snapshot before a change, tagged as ours when it is created.
  'elasticache:DescribeSnapshots',
  'elasticache:CreateSnapshot',
  'elasticache:AddTagsToResource',
  // The standalone durability change.
  'elasticache:ModifyReplicationGroup',
  // DurabilityLag and DurabilityBufferExceededErrorCount of durable groups.
  'cloudwatch:GetMetricData',
  // Leases and findings in the state table.
  'dynamodb:Query',
  // The previous version's findings, read by key on a target's first run (finding-store.ts).
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:GetItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  // Violation, remediation and snapshot events.
  'events:PutEvents',
] as const;

/**
 * The job's actions when it checks the groups events name: each group read on its own
 * (DescribeReplicationGroups and ListTagsForResource), then the pipeline.
 */
export const DURABILITY_GROUP_ACTIONS = [
  'elasticache:DescribeReplicationGroups',
  'elasticache:ListTagsForResource',
  ...PIPELINE_ACTIONS,
] as const;

/** The state-table partitions the job reads and writes for the groups events name. */
export const DURABILITY_GROUP_STATE_KEYS = [
  PARTITIONS.lease,
  PARTITIONS.targetLeases,
  PARTITIONS.findings,
  PARTITIONS.legacyFindings,
  // The last soaks: a group its soak stepped back is held.
  PARTITIONS.lastSoak,
] as const;

/**
 * The job's actions when it scans the whole fleet: every resource kind's reads (tags in bulk),
 * then the pipeline.
 *
 * @example
 * const manifest = { actions: [...durabilityScanActions(), 'sns:Publish'] };
 */
export function durabilityScanActions() {
  return [...fleetReads(), ...PIPELINE_ACTIONS];
}
