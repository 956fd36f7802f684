import {
  CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
  paginateGetMetricData,
} from '@aws-sdk/client-cloudwatch';
import type { CacheNodeRef } from '../domain/resource.js';
import { type AwsClientOptions, createClient } from './clients.js';
import { awsCall } from './errors.js';

/** The SDK's CloudWatch client, named here so that jobs take it without importing the SDK. */
export type { CloudWatchClient };

/** What CloudWatch says of a durable group's transactional log and writes over the last few minutes. */
export interface DurabilityHealth {
  /** Highest `DurabilityLag` (ms) over the group's nodes; writes are rejected near 10 000 ms. */
  lagMs?: number;
  /** Sum of `DurabilityBufferExceededErrorCount` over the group's nodes. */
  bufferExceeded?: number;
  /** Whether any node's `TrafficManagementActive` was 1 (writes throttled above the log's throughput). */
  trafficManagementActive?: boolean;
  /** Highest 1-minute maximum of `SuccessfulWriteRequestLatency` over the nodes, in ms (CloudWatch gives µs). */
  writeLatencyMs?: number;
  /** Highest 1-minute p99 of `SuccessfulWriteRequestLatency` over the nodes, in ms: read when asked (the soak's looks). */
  writeLatencyP99Ms?: number;
}

/**
 * What the durability reads take: the scan's 5-minute look, or a soak's look since its last one.
 * A port, so that a richer reader (per-node series) can stand in for this one.
 */
export type DurabilityHealthReader = (
  groups: readonly MetricGroup[],
  now: Date,
  windowMs?: number,
) => Promise<Map<string, DurabilityHealth>>;

/** A group and the nodes whose metrics describe it (ElastiCache publishes per node only). */
export interface MetricGroup {
  id: string;
  nodes: readonly CacheNodeRef[];
}

/** GetMetricData takes at most 500 queries per call. */
export const QUERIES_PER_CALL = 500;
const WINDOW_MS = 5 * 60_000;
const METRICS = [
  ['lag', 'DurabilityLag', 'Maximum'],
  ['buf', 'DurabilityBufferExceededErrorCount', 'Sum'],
  ['tma', 'TrafficManagementActive', 'Maximum'],
  ['lat', 'SuccessfulWriteRequestLatency', 'Maximum'],
] as const;
/** Read only when asked: the soak charts it, the scan has no use for it (one more query per node). */
const P99 = ['pct', 'SuccessfulWriteRequestLatency', 'p99'] as const;
type Prefix = (typeof METRICS)[number][0] | (typeof P99)[0];

/**
 * One query of an ElastiCache metric of one cache node: ElastiCache publishes its metrics with
 * the `CacheClusterId` + `CacheNodeId` dimensions only, so a query on any other set finds nothing.
 */
export function nodeMetricQuery(
  id: string,
  node: CacheNodeRef,
  metric: string,
  stat: string,
  period: number,
): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/ElastiCache',
        MetricName: metric,
        Dimensions: [
          { Name: 'CacheClusterId', Value: node.cacheClusterId },
          { Name: 'CacheNodeId', Value: node.cacheNodeId },
        ],
      },
      Period: period,
      Stat: stat,
    },
    ReturnData: true,
  };
}

/**
 * Every query's answer over `[start, end)`, handed to `onResult`, in `ceil(queries / 500)`
 * GetMetricData calls (more only when CloudWatch answers NextToken): never one call per group,
 * node or metric.
 */
export async function readMetricData(
  client: CloudWatchClient,
  queries: readonly MetricDataQuery[],
  window: { start: Date; end: Date },
  onResult: (result: MetricDataResult) => void,
): Promise<void> {
  for (let first = 0; first < queries.length; first += QUERIES_PER_CALL) {
    const input = {
      MetricDataQueries: queries.slice(first, first + QUERIES_PER_CALL),
      StartTime: window.start,
      EndTime: window.end,
    };
    await awsCall('CloudWatch GetMetricData', async () => {
      for await (const page of paginateGetMetricData({ client }, input))
        for (const result of page.MetricDataResults ?? []) onResult(result);
    });
  }
}

/** Query ids `<prefix><group>_<node>` (`lag0_1`, `tma3_0`): the answer maps back by id alone. */
function queries(groups: readonly MetricGroup[], metrics: readonly (readonly [Prefix, string, string])[]) {
  return groups.flatMap((group, index) =>
    group.nodes.flatMap((node, nodeIndex) =>
      metrics.map(([prefix, metric, stat]) =>
        nodeMetricQuery(`${prefix}${index}_${nodeIndex}`, node, metric, stat, 60),
      ),
    ),
  );
}

const MICROSECONDS_PER_MS = 1000;

/** Fold one node's series into its group: highest lag and latency over nodes, buffer errors summed, any throttling. */
function add(entry: DurabilityHealth, prefix: Prefix, values: readonly number[]): void {
  const highest = Math.max(...values);
  if (prefix === 'lag') entry.lagMs = Math.max(entry.lagMs ?? 0, highest);
  else if (prefix === 'buf')
    entry.bufferExceeded = (entry.bufferExceeded ?? 0) + values.reduce((sum, value) => sum + value, 0);
  else if (prefix === 'tma')
    entry.trafficManagementActive = entry.trafficManagementActive === true || highest >= 1;
  else if (prefix === 'pct')
    entry.writeLatencyP99Ms = Math.max(entry.writeLatencyP99Ms ?? 0, highest / MICROSECONDS_PER_MS);
  else entry.writeLatencyMs = Math.max(entry.writeLatencyMs ?? 0, highest / MICROSECONDS_PER_MS);
}

const isPrefix = (prefix: string): prefix is Prefix =>
  prefix === P99[0] || METRICS.some(([known]) => known === prefix);

/**
 * Read the durability metrics of many groups (DurabilityLag, DurabilityBufferExceededErrorCount,
 * TrafficManagementActive, SuccessfulWriteRequestLatency), per node as CloudWatch holds them, over
 * the last `windowMs` (5 minutes by default), in as few calls as it allows (500 queries per call):
 * never one call per group, node or metric. With `writeLatencyP99`, the p99 of write latency too.
 *
 * @example
 * const nodes = [{ cacheClusterId: 'orders-1-0001-001', cacheNodeId: '0001' }];
 * const health = await readDurabilityHealth(cloudwatch, [{ id: 'orders-1', nodes }], new Date());
 * health.get('orders-1')?.lagMs;
 */
export async function readDurabilityHealth(
  client: CloudWatchClient,
  groups: readonly MetricGroup[],
  now: Date,
  windowMs = WINDOW_MS,
  { writeLatencyP99 = false } = {},
): Promise<Map<string, DurabilityHealth>> {
  const health = new Map<string, DurabilityHealth>();
  const window = { start: new Date(now.getTime() - windowMs), end: now };
  const metrics = writeLatencyP99 ? [...METRICS, P99] : METRICS;
  await readMetricData(client, queries(groups, metrics), window, (result) => {
    const [, prefix = '', index = ''] = /^([a-z]+)(\d+)_\d+$/.exec(result.Id ?? '') ?? [];
    const id = groups[Number(index)]?.id;
    const values = result.Values ?? [];
    if (id === undefined || values.length === 0 || !isPrefix(prefix)) return;
    const entry = health.get(id) ?? {};
    add(entry, prefix, values);
    health.set(id, entry);
  });
  return health;
}

/**
 * The reader port over `client`, for the soak's looks: with the p99 of write latency.
 *
 * @example
 * const readHealth = durabilityHealthReader(createMetricsClient());
 * await readHealth([{ id: 'orders', nodes }], new Date(), 10 * 60_000);
 */
export function durabilityHealthReader(client: CloudWatchClient): DurabilityHealthReader {
  return (groups, now, windowMs) =>
    readDurabilityHealth(client, groups, now, windowMs, { writeLatencyP99: true });
}

/** The CloudWatch client the durability health reads use. */
export function createMetricsClient(options: AwsClientOptions = {}): CloudWatchClient {
  return createClient(CloudWatchClient, options);
}
