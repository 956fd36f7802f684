/**
 * The fleet as the domain sees it: one normalised record per replication group or
 * serverless cache, built by the ElastiCache adapter from the API's answers. Every field
 * the 2026-06-02 API may omit is optional here: absence means "unknown", never a default.
 */

export const DURABILITY_LEVELS = ['disabled', 'async', 'sync'] as const;
export type DurabilityLevel = (typeof DURABILITY_LEVELS)[number];
export const DURABILITY_SETTINGS = ['default', ...DURABILITY_LEVELS] as const;
export type DurabilitySetting = (typeof DURABILITY_SETTINGS)[number];

export const STORAGE_ENCRYPTION_TYPES = ['none', 'sse-elasticache', 'sse-kms'] as const;
export type StorageEncryptionType = (typeof STORAGE_ENCRYPTION_TYPES)[number];

export const TRANSIT_ENCRYPTION_MODES = ['preferred', 'required'] as const;
export type TransitEncryptionMode = (typeof TRANSIT_ENCRYPTION_MODES)[number];

export const RESOURCE_TYPES = ['replication-group', 'serverless-cache'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const CLUSTER_MODES = ['enabled', 'disabled', 'compatible'] as const;
export type ClusterMode = (typeof CLUSTER_MODES)[number];

/** A cache node as CloudWatch names it: ElastiCache publishes every metric per node. */
export interface CacheNodeRef {
  cacheClusterId: string;
  /** `0001`: each member cluster of a replication group has one node. */
  cacheNodeId: string;
}

/** One shard (node group) as the describe answer lists it. */
export interface NodeGroupRef {
  /** `NodeGroupId`: `0001` for a group without cluster mode. */
  id: string;
  /** Its nodes, in the answer's order. */
  members: CacheNodeRef[];
  /** Its primary, where the answer names roles (`CurrentRole`: cluster mode disabled only). */
  primary?: CacheNodeRef;
}

export interface Resource {
  type: ResourceType;
  /** ReplicationGroupId or ServerlessCacheName. */
  id: string;
  arn: string;
  /** Lower-case engine name (`valkey`, `redis`); undefined when the API did not say. */
  engine?: string;
  /** Known for serverless caches (major version) and for groups once their member clusters were read. */
  engineVersion?: string;
  status: string;
  createdAt?: string;
  clusterMode?: ClusterMode;
  /** What the owner asked for (replication groups only). */
  durability?: DurabilitySetting;
  /** What the service runs: the value policy is checked against. */
  effectiveDurability?: DurabilityLevel;
  storageEncryptionType?: StorageEncryptionType;
  kmsKeyId?: string;
  atRestEncryptionEnabled?: boolean;
  /** In-transit encryption (TLS) of a replication group; serverless caches always use TLS and do not say. */
  transitEncryptionEnabled?: boolean;
  /** `preferred` also accepts clients without TLS; `required` only TLS. Set only while TLS is on. */
  transitEncryptionMode?: TransitEncryptionMode;
  /** Days automatic snapshots are kept; 0 turns automatic backups off. */
  snapshotRetentionLimit?: number;
  multiAZ?: boolean;
  cacheNodeType?: string;
  /** Number of node groups (shards). */
  shards?: number;
  /** Fewest replicas in any shard. */
  minReplicasPerShard?: number;
  dataTiering?: boolean;
  globalDatastore?: boolean;
  /** True when PendingModifiedValues holds any change. */
  pendingModifications: boolean;
  /** Highest recent `DurabilityLag` (ms) from CloudWatch, for durable groups. */
  durabilityLagMs?: number;
  /** Recent `DurabilityBufferExceededErrorCount` from CloudWatch, for durable groups. */
  durabilityBufferExceeded?: number;
  /** Whether a node recently reported `TrafficManagementActive` 1 (writes throttled), for durable groups. */
  trafficManagementActive?: boolean;
  /**
   * The nodes whose metrics tell the group's write path: each shard's primary where the answer
   * names roles (cluster mode disabled), every member of the shard where it does not (cluster
   * mode enabled, as every durable group is).
   */
  writeNodes?: CacheNodeRef[];
  /** Each shard's nodes and, where the answer names it, its primary (the workload read needs both). */
  nodeGroups?: NodeGroupRef[];
  /** One member cache cluster (replication groups), to read the engine version on demand. */
  firstMemberCluster?: string;
  /** Where clients write: the first shard's primary endpoint, or the configuration endpoint (cluster mode). */
  primaryEndpoint?: { address: string; port: number };
  /** The cache parameter group its members show (read with the engine version). */
  cacheParameterGroupName?: string;
  /** Its parameter group's family and user-set values, read only for groups whose plan changes family or cluster mode. */
  parameterGroup?: ParameterGroupFacts;
  tags: Record<string, string>;
  /**
   * The OUs above its account, the root first and its own OU last: known only when it was read
   * in an organisation scan that needed them (a rule with `match.ous`).
   */
  ouPath?: readonly string[];
}

/** What the planner knows of a group's parameter group (read only when a plan needs it). */
export interface ParameterGroupFacts {
  name: string;
  family: string;
  /** A `default.<family>[.cluster.on]` group: it cannot be changed, ElastiCache picks the next one. */
  isDefault: boolean;
  /** The values the owner set (`Source=user`); empty for a default group. */
  userParameters: Record<string, string>;
  /** Copies this app would create (parameter-groups.ts `copyName`) that exist already, by name. */
  copies: Record<string, { family: string; userParameters: Record<string, string> }>;
}

/** Compare durability levels in the order disabled < async < sync. */
export function compareDurability(a: DurabilityLevel, b: DurabilityLevel): number {
  return DURABILITY_LEVELS.indexOf(a) - DURABILITY_LEVELS.indexOf(b);
}
