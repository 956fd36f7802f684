/**
 * Will durability fit a group's write workload? A verdict from what CloudWatch measured
 * (workload.ts) against what the ElastiCache durability guide says a durable group takes. Pure.
 *
 * The guide's numbers (Amazon ElastiCache user guide, checked 2026-12):
 * - Limitations (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Durability.Limitations.html):
 *   "Durability enabled clusters support up to 100 MiBps of write throughput per primary node."
 *   and "When durability is enabled and search indexes are configured, write commands targeting
 *   indexed keys may be throttled" (Search write throttling).
 * - Durability in ElastiCache (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/durability.html):
 *   synchronous writes increase "write latency from microseconds to single-digit milliseconds";
 *   asynchronous writes keep "ElastiCache's microsecond write latency".
 * - Monitoring (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Durability.Monitoring.html):
 *   when incoming writes exceed what the Multi-AZ transactional log takes, "incoming write commands
 *   will be throttled" and "the TrafficManagementActive metric will emit 1".
 * - Working with shards (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Shards.html):
 *   "The node or shard limit can be increased to a maximum of 500 per cluster".
 */
import type { ClusterMode, DurabilityLevel } from '../resource.js';
import type { WorkloadSample } from './workload.js';

/** Write throughput a durable group's primary takes, in MiB/s (guide: Limitations). */
export const DURABLE_WRITE_MIBS_PER_PRIMARY = 100;

/**
 * The write latency sync may reach, in ms: "single-digit milliseconds" (guide: Durability in
 * ElastiCache) names no finer number, so a budget below 10 ms cannot be promised under sync.
 */
export const SYNC_WRITE_LATENCY_MS = 10;

/** Most node groups (shards) a cluster-mode-enabled group can have (guide: Working with shards). */
export const MAX_SHARDS = 500;

/** The `durability.fit` defaults: 14 days of 1-minute data, 70 % of the 100 MiB/s per primary. */
export const DEFAULT_FIT = { lookbackDays: 14, headroom: 0.7 } as const;

export const FIT_VERDICTS = ['fits', 'at-risk', 'exceeds', 'unknown'] as const;
export type FitVerdictName = (typeof FIT_VERDICTS)[number];

/** What to do before durability: write asynchronously, or spread the writes over more shards. */
export type FitRecommendation =
  | { kind: 'async'; text: string }
  /** `shards` undefined: no step can be planned (cluster mode not enabled, or the shard count unknown). */
  | { kind: 'add-shards'; shards?: number; text: string };

export interface WorkloadFit {
  verdict: FitVerdictName;
  /** The highest 1-minute write rate of any shard primary, MiB/s; undefined when not measured. */
  peakWriteMiBs?: number;
  /** Why the verdict is what it is, each in an operator's words. */
  reasons: string[];
  recommendations: FitRecommendation[];
}

/** What the verdict reads of the group and of its rule. */
export interface FitSubject {
  /** The durability the rule sets. */
  target: DurabilityLevel;
  clusterMode?: ClusterMode;
  shards?: number;
  /** `durability.maxWriteLatencyMs`: the budget of a write, in ms. */
  maxWriteLatencyMs?: number;
  /** `durability.fit.headroom`: the share of 100 MiB/s a primary may peak at. */
  headroom: number;
}

const mibs = (value: number) => `${value.toFixed(1)} MiB/s`;
const percent = (share: number) => `${Math.round(share * 100)} %`;

/**
 * The shard count that brings the peak per primary under `headroom` of 100 MiB/s, writes
 * assumed spread evenly over the shards, capped at {@link MAX_SHARDS}.
 *
 * @example
 * shardsFor(1, 120, 0.7); // 2 (60 MiB/s per primary)
 */
export function shardsFor(current: number, peakMiBs: number, headroom: number): number {
  const needed = Math.ceil((current * peakMiBs) / (headroom * DURABLE_WRITE_MIBS_PER_PRIMARY));
  return Math.min(MAX_SHARDS, Math.max(current, needed));
}

function addShards(subject: FitSubject, peak: number): FitRecommendation {
  const limit = subject.headroom * DURABLE_WRITE_MIBS_PER_PRIMARY;
  if (subject.clusterMode !== 'enabled')
    return {
      kind: 'add-shards',
      text: `more shards first: cluster mode is ${subject.clusterMode ?? 'unknown'}, so the group has one shard; enable cluster mode, then add shards until each primary peaks under ${mibs(limit)}`,
    };
  if (subject.shards === undefined)
    return { kind: 'add-shards', text: `more shards first (the shard count is not known)` };
  const shards = shardsFor(subject.shards, peak, subject.headroom);
  const perPrimary = (subject.shards * peak) / shards;
  const still =
    perPrimary > limit ? ` (${MAX_SHARDS} is the most a group can have: still ${mibs(perPrimary)})` : '';
  return {
    kind: 'add-shards',
    shards,
    text: `more shards first: ${subject.shards} → ${shards} shards, about ${mibs(perPrimary)} per primary${still}`,
  };
}

/** The peak of the busiest shard primary; undefined when no primary had a data point. */
function peakOf(sample: WorkloadSample): number | undefined {
  const peaks = sample.primaries.flatMap((primary) =>
    primary.peakWriteMiBs === undefined ? [] : [primary.peakWriteMiBs],
  );
  return peaks.length === 0 ? undefined : Math.max(...peaks);
}

/**
 * The verdict of one group: `exceeds` when a primary peaked above 100 MiB/s; `at-risk` when one
 * peaked above the headroom, when the latency budget is below what sync adds (target sync), when
 * writes were throttled (`TrafficManagementActive`), or when search indexes are configured;
 * `unknown` when nothing was measured; else `fits`.
 *
 * @example
 * workloadFit(sample, { target: 'sync', clusterMode: 'enabled', shards: 1, headroom: 0.7 });
 * // { verdict: 'exceeds', peakWriteMiBs: 120, reasons: [...], recommendations: [{ kind: 'add-shards', shards: 2, ... }] }
 */
export function workloadFit(sample: WorkloadSample | undefined, subject: FitSubject): WorkloadFit {
  if (sample === undefined)
    return { verdict: 'unknown', reasons: ['the write workload was not read'], recommendations: [] };
  const peak = peakOf(sample);
  const limit = subject.headroom * DURABLE_WRITE_MIBS_PER_PRIMARY;
  const risks: string[] = [];
  const recommendations: FitRecommendation[] = [];
  let exceeds = false;
  if (peak !== undefined && peak > DURABLE_WRITE_MIBS_PER_PRIMARY) {
    exceeds = true;
    risks.push(
      `a primary peaked at ${mibs(peak)}, above the ${DURABLE_WRITE_MIBS_PER_PRIMARY} MiB/s a durable primary takes: writes would be throttled`,
    );
  } else if (peak !== undefined && peak > limit) {
    risks.push(
      `a primary peaked at ${mibs(peak)}, above ${percent(subject.headroom)} of ${DURABLE_WRITE_MIBS_PER_PRIMARY} MiB/s`,
    );
  }
  if (peak !== undefined && peak > limit) recommendations.push(addShards(subject, peak));
  const budget = subject.maxWriteLatencyMs;
  if (subject.target === 'sync' && budget !== undefined && budget < SYNC_WRITE_LATENCY_MS) {
    risks.push(
      `the write latency budget ${budget} ms is below the single-digit milliseconds (up to ${SYNC_WRITE_LATENCY_MS} ms) sync writes take`,
    );
    recommendations.push({
      kind: 'async',
      text: 'async instead of sync: microsecond writes, up to 10 s of acknowledged writes lost on a failure',
    });
  }
  if (sample.trafficManagementActive === true)
    risks.push('TrafficManagementActive was 1: writes were already throttled');
  if (sample.searchIndexes === 'yes')
    risks.push(
      'search indexes are configured: writes to indexed keys may be throttled (Search write throttling)',
    );
  if (exceeds) return { verdict: 'exceeds', peakWriteMiBs: peak, reasons: risks, recommendations };
  if (risks.length > 0) return { verdict: 'at-risk', peakWriteMiBs: peak, reasons: risks, recommendations };
  if (peak === undefined)
    return {
      verdict: 'unknown',
      reasons: ['CloudWatch had no ReplicationBytes data point'],
      recommendations,
    };
  return {
    verdict: 'fits',
    peakWriteMiBs: peak,
    reasons: [
      `every primary peaked at or under ${mibs(peak)}, within ${percent(subject.headroom)} of ${DURABLE_WRITE_MIBS_PER_PRIMARY} MiB/s`,
    ],
    recommendations,
  };
}

/** The shard count a fit asks the plan to reach before durability; undefined: no add-shards step. */
export function shardTarget(fit: WorkloadFit): number | undefined {
  for (const recommendation of fit.recommendations)
    if (recommendation.kind === 'add-shards' && recommendation.shards !== undefined)
      return recommendation.shards;
  return undefined;
}
