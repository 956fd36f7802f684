/**
 * What CloudWatch says of a group's write workload, as the workload-fit verdict and the
 * post-change soak read it. ElastiCache publishes its metrics per cache node only
 * (`CacheClusterId` + `CacheNodeId`), so every figure here is folded from node series.
 */
import type { CacheNodeRef } from '../resource.js';

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
