/**
 * The resource kinds the app knows, one row each: every fact of a kind that needs no SDK (its
 * describe call, ARN and tagging types, IAM reads, the key of its saved describe output, the
 * CloudTrail calls that concern it). The SDK side of a kind — the paginator that lists it and
 * the mapper to `Resource` — is shared/aws/kind-readers.ts, keyed the same way. The fleet reader,
 * the CLI's offline source, the IAM roles and the EventBridge patterns iterate these rows: a new
 * kind is one row here and one there, and the compiler names every table that lacks it.
 */
import { RESOURCE_TYPES, type ResourceType } from './resource.js';

/** An ElastiCache API call, as IAM names it. */
type ElastiCacheAction = `elasticache:${string}`;

/** The functions that react to CloudTrail calls, by their pattern's name (infra: `<function>.cloudTrail`). */
export const REACTIONS = ['durabilityReact', 'encryptionDrift'] as const;
export type Reaction = (typeof REACTIONS)[number];

export interface ResourceKind {
  /** The call that lists every resource of the kind, page by page. */
  readonly describeCall: string;
  /** The IAM actions listing the kind needs (its tags come in bulk for every kind: {@link FLEET_TAG_READ}). */
  readonly iamReads: readonly ElastiCacheAction[];
  /** The resource-type segment of its ARN (`arn:aws:elasticache:<region>:<account>:<arnKind>:<id>`), as IAM scopes name it. */
  readonly arnKind: string;
  /** Its Resource Groups Tagging API `ResourceTypeFilters` value. */
  readonly taggingType: `elasticache:${string}`;
  /** The key of its list in the describe call's answer: in the JSON the AWS CLI saves, the CLI's offline source reads it. */
  readonly offlineKey: string;
  /** The CloudTrail request parameter that names the resource. */
  readonly requestParameter: string;
  /** The CloudTrail calls (event names) on it each reacting function listens to, in the order of its pattern. */
  readonly events: Readonly<Record<Reaction, readonly string[]>>;
  /** Its Security Hub (ASFF and OCSF) resource type. */
  readonly securityHubType: string;
}

export const RESOURCE_KINDS = {
  'replication-group': {
    describeCall: 'DescribeReplicationGroups',
    iamReads: ['elasticache:DescribeReplicationGroups'],
    arnKind: 'replicationgroup',
    taggingType: 'elasticache:replicationgroup',
    offlineKey: 'ReplicationGroups',
    requestParameter: 'replicationGroupId',
    events: {
      durabilityReact: [
        'CreateReplicationGroup',
        'ModifyReplicationGroup',
        'ModifyReplicationGroupShardConfiguration',
        'IncreaseReplicaCount',
        'DecreaseReplicaCount',
        'CompleteMigration',
      ],
      encryptionDrift: ['CreateReplicationGroup', 'DeleteReplicationGroup', 'ModifyReplicationGroup'],
    },
    securityHubType: 'AwsElastiCacheReplicationGroup',
  },
  'serverless-cache': {
    describeCall: 'DescribeServerlessCaches',
    iamReads: ['elasticache:DescribeServerlessCaches'],
    arnKind: 'serverlesscache',
    taggingType: 'elasticache:serverlesscache',
    offlineKey: 'ServerlessCaches',
    requestParameter: 'serverlessCacheName',
    events: {
      // Serverless caches cannot be durable: no durability reaction.
      durabilityReact: [],
      encryptionDrift: ['CreateServerlessCache', 'DeleteServerlessCache', 'ModifyServerlessCache'],
    },
    // Security Hub has no resource type for a serverless cache.
    securityHubType: 'Other',
  },
} as const satisfies Record<ResourceType, ResourceKind>;

/** The one read that tags every kind in bulk (the Resource Groups Tagging API's GetResources). */
export const FLEET_TAG_READ = 'tag:GetResources';

/**
 * The IAM actions reading the whole fleet needs: every kind's describe reads, then its tags.
 *
 * @example
 * fleetReads(); // ['elasticache:DescribeReplicationGroups', 'elasticache:DescribeServerlessCaches', 'tag:GetResources']
 */
export function fleetReads(): (ElastiCacheAction | typeof FLEET_TAG_READ)[] {
  return [...RESOURCE_TYPES.flatMap((type) => RESOURCE_KINDS[type].iamReads), FLEET_TAG_READ];
}

/**
 * The CloudTrail event names `reaction` listens to: each kind's, in the order of the kinds.
 *
 * @example
 * reactionEvents('encryptionDrift'); // ['CreateReplicationGroup', …, 'ModifyServerlessCache']
 */
export function reactionEvents(reaction: Reaction): string[] {
  return RESOURCE_TYPES.flatMap((type) => RESOURCE_KINDS[type].events[reaction]);
}

/**
 * The kind a CloudTrail call concerns, or undefined when no kind lists it.
 *
 * @example
 * kindOfEvent('ModifyServerlessCache'); // 'serverless-cache'
 */
export function kindOfEvent(eventName: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((type) =>
    REACTIONS.some((reaction) =>
      (RESOURCE_KINDS[type].events[reaction] as readonly string[]).includes(eventName),
    ),
  );
}
