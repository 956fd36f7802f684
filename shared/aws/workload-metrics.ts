/**
 * The write workload of replication groups as CloudWatch holds it, per cache node: the peak
 * write rate of each shard primary (`ReplicationBytes`), the write latency (p99 of
 * `SuccessfulWriteRequestLatency`), throttling (`TrafficManagementActive`) and search write
 * throttling (`SearchWriteThrottleActive`), over a lookback of days, in as few GetMetricData
 * calls as CloudWatch allows (500 queries each).
 */
import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { WorkloadGroup, WorkloadSample } from '../domain/durability/workload.js';
import type { CacheNodeRef } from '../domain/resource.js';
import { InputValidationError } from '../runtime/errors.js';
import { nodeMetricQuery, readMetricData } from './durability-metrics.js';

const DAY_S = 86_400;
const MIB = 1024 * 1024;
/** CloudWatch keeps 1-hour data points 455 days; a longer lookback reads nothing more. */
const MAX_LOOKBACK_DAYS = 455;

/** The query kinds, by id prefix: `r` write bytes, `l` latency, `t` traffic management, `s` search throttling. */
const KINDS = {
  r: ['ReplicationBytes', 'Maximum'],
  l: ['SuccessfulWriteRequestLatency', 'p99'],
  t: ['TrafficManagementActive', 'Maximum'],
  s: ['SearchWriteThrottleActive', 'Maximum'],
} as const;
type Kind = keyof typeof KINDS;

/** Where a query's answer goes: group index, and the primary (`r`) or node (others) index. */
interface Target {
  kind: Kind;
  group: number;
  index: number;
}

function query(id: string, kind: Kind, node: CacheNodeRef, period: number): MetricDataQuery {
  const [metric, stat] = KINDS[kind];
  return nodeMetricQuery(id, node, metric, stat, period);
}

/**
 * One query per primary (per shard member where the primary is not named) and three per node,
 * each over one period as long as the lookback: one data point per query.
 */
function queriesOf(groups: readonly WorkloadGroup[], period: number): [MetricDataQuery, Target][] {
  return groups.flatMap((group, g) => [
    ...group.primaries.flatMap((primary, p) =>
      (primary.members ?? [primary.node]).map((node, m): [MetricDataQuery, Target] => [
        query(`r${g}_${p}_${m}`, 'r', node, period),
        { kind: 'r', group: g, index: p },
      ]),
    ),
    ...group.nodes.flatMap((node, n) =>
      (['l', 't', 's'] as const).map((kind): [MetricDataQuery, Target] => [
        query(`${kind}${g}_${n}`, kind, node, period),
        { kind, group: g, index: n },
      ]),
    ),
  ]);
}

/** The method line printed with the verdict: how the peak was measured over this lookback. */
function methodOf(lookbackDays: number): string {
  const resolution =
    lookbackDays <= 15
      ? '1-minute data points'
      : `1-minute data points folded into ${lookbackDays <= 63 ? '5-minute' : '1-hour'} roll-ups past 15 days (their Maximum is still a 1-minute value; the p99 is approximate)`;
  return (
    `peak write MiB/s per shard primary = Maximum of ReplicationBytes over the last ${lookbackDays} days ` +
    `(one period, ${resolution}) / 60 s / the primary's replicas; write latency = highest per-node p99 of ` +
    'SuccessfulWriteRequestLatency (µs → ms); search indexes known only when SearchWriteThrottleActive was 1'
  );
}

/** Fold one query's values into its group's sample. */
function fold(sample: WorkloadSample, target: Target, group: WorkloadGroup, values: readonly number[]): void {
  if (values.length === 0) return;
  const highest = Math.max(...values);
  if (target.kind === 'r') {
    const primary = group.primaries[target.index];
    const load = sample.primaries[target.index];
    if (primary === undefined || load === undefined) return;
    const rate = highest / 60 / MIB / Math.max(1, primary.replicas);
    load.peakWriteMiBs = Math.max(load.peakWriteMiBs ?? 0, rate);
  } else if (target.kind === 'l') {
    sample.p99WriteLatencyMs = Math.max(sample.p99WriteLatencyMs ?? 0, highest / 1000);
  } else if (target.kind === 't') {
    sample.trafficManagementActive = sample.trafficManagementActive === true || highest >= 1;
  } else if (highest >= 1) {
    sample.searchIndexes = 'yes';
  }
}

/**
 * Read the write workload of many groups over the last `lookbackDays` days: every query asks one
 * period as long as the lookback, so each answers one data point, and the queries go 500 per
 * GetMetricData call (`ceil(queries / 500)` calls; more only when CloudWatch answers NextToken).
 *
 * @example
 * const samples = await readWorkload(cloudwatch, [workloadGroupOf(resource)], new Date(), 14);
 * samples.get('orders-1')?.primaries[0]?.peakWriteMiBs;
 */
export async function readWorkload(
  client: CloudWatchClient,
  groups: readonly WorkloadGroup[],
  now: Date,
  lookbackDays = 14,
): Promise<Map<string, WorkloadSample>> {
  if (!Number.isInteger(lookbackDays) || lookbackDays < 1 || lookbackDays > MAX_LOOKBACK_DAYS)
    throw new InputValidationError(
      `readWorkload: lookbackDays must be a whole number from 1 to ${MAX_LOOKBACK_DAYS}, got ${lookbackDays}`,
    );
  const period = lookbackDays * DAY_S;
  const method = methodOf(lookbackDays);
  const samples = groups.map(
    (group): WorkloadSample => ({
      primaries: group.primaries.map((primary) => ({
        shardId: primary.shardId,
        cacheClusterId: primary.node.cacheClusterId,
      })),
      searchIndexes: 'unknown',
      method,
    }),
  );
  const all = queriesOf(groups, period);
  const targets = new Map(all.map(([entry, target]) => [entry.Id, target]));
  // Whole minutes: a period that starts on the minute is answered as one data point.
  const end = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const start = new Date(end.getTime() - period * 1000);
  await readMetricData(
    client,
    all.map(([entry]) => entry),
    { start, end },
    (result) => {
      const target = targets.get(result.Id);
      const group = target === undefined ? undefined : groups[target.group];
      const sample = target === undefined ? undefined : samples[target.group];
      if (target !== undefined && group !== undefined && sample !== undefined)
        fold(sample, target, group, result.Values ?? []);
    },
  );
  return new Map(groups.map((group, index) => [group.id, samples[index] as WorkloadSample]));
}
