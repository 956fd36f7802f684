/**
 * What CloudWatch says of a group's write workload, as the workload-fit verdict and the
 * post-change soak read it. ElastiCache publishes its metrics per cache node only
 * (`CacheClusterId` + `CacheNodeId`), so every figure here is folded from node series.
 */
import type { CacheNodeRef, Resource } from '../resource.js';

/** A group's shard primaries and how many replicas each sends its writes to. */
export interface WorkloadGroup {
  id: string;
  primaries: readonly WorkloadPrimary[];
  /** Every node of the group (latency and TrafficManagementActive are read on each). */
  nodes: readonly CacheNodeRef[];
}

export interface WorkloadPrimary {
  /** The shard (node group) id, `0001` for a group without cluster mode. */
  shardId: string;
  node: CacheNodeRef;
  /** Replicas the primary replicates to; `ReplicationBytes` is summed over them. */
  replicas: number;
  /**
   * Every node of the shard when the describe answer names no primary (cluster mode enabled):
   * `ReplicationBytes` is read on each and the highest kept, since only the primary sends (a
   * failover inside the lookback is then covered too). `node` is then the shard's first member.
   */
  members?: readonly CacheNodeRef[];
}

/** One shard primary's write load over the lookback. */
export interface PrimaryLoad {
  shardId: string;
  cacheClusterId: string;
  /** Highest 1-minute write rate in MiB/s; undefined when CloudWatch had no data point. */
  peakWriteMiBs?: number;
}

/** A group's workload as read from CloudWatch over a lookback window. */
export interface WorkloadSample {
  primaries: PrimaryLoad[];
  /** Highest per-node p99 of `SuccessfulWriteRequestLatency` over the window, in milliseconds. */
  p99WriteLatencyMs?: number;
  /** Whether any node reported `TrafficManagementActive` = 1; undefined when no data point. */
  trafficManagementActive?: boolean;
  /** Whether search indexes are configured, as far as the API or metrics show. */
  searchIndexes: 'yes' | 'no' | 'unknown';
  /** How the figures were obtained, in an operator's words (printed with the verdict). */
  method: string;
}

/**
 * The shard primaries and nodes of a replication group, from its describe answer
 * (`Resource.nodeGroups`); undefined when the answer lists no shard members.
 *
 * @example
 * const group = workloadGroupOf(resource);
 * if (group !== undefined) samples = await readWorkload(cloudwatch, [group], now, 14);
 */
export function workloadGroupOf(resource: Resource): WorkloadGroup | undefined {
  const shards = resource.nodeGroups ?? [];
  const primaries = shards.flatMap((shard): WorkloadPrimary[] => {
    const [first] = shard.members;
    if (first === undefined) return [];
    const replicas = shard.members.length - 1;
    return shard.primary === undefined
      ? [{ shardId: shard.id, node: first, replicas, members: shard.members }]
      : [{ shardId: shard.id, node: shard.primary, replicas }];
  });
  if (primaries.length === 0) return undefined;
  return { id: resource.id, primaries, nodes: shards.flatMap((shard) => shard.members) };
}
