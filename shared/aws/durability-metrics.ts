import { CloudWatchClient, type MetricDataQuery, paginateGetMetricData } from '@aws-sdk/client-cloudwatch';
import type { CacheNodeRef } from '../domain/resource.js';
import { type AwsClientOptions, createClient } from './clients.js';
import { awsCall } from './errors.js';

/** The SDK's CloudWatch client, named here so that jobs take it without importing the SDK. */
export type { CloudWatchClient };

/** What CloudWatch says of a durable group's transactional log over the last few minutes. */
export interface DurabilityHealth {
  /** Highest `DurabilityLag` (ms) over the group's nodes; writes are rejected near 10 000 ms. */
  lagMs?: number;
  /** Sum of `DurabilityBufferExceededErrorCount` over the group's nodes. */
  bufferExceeded?: number;
}

/** A group and the nodes whose metrics describe it (ElastiCache publishes per node only). */
export interface MetricGroup {
  id: string;
  nodes: readonly CacheNodeRef[];
}

/** GetMetricData takes at most 500 queries per call. */
const QUERIES_PER_CALL = 500;
const WINDOW_MS = 5 * 60_000;
const METRICS = [
  ['lag', 'DurabilityLag', 'Maximum'],
  ['buf', 'DurabilityBufferExceededErrorCount', 'Sum'],
] as const;

/** Query ids `lag<group>_<node>` / `buf<group>_<node>`: the answer maps back by id alone. */
function queries(groups: readonly MetricGroup[]): MetricDataQuery[] {
  return groups.flatMap((group, index) =>
    group.nodes.flatMap((node, nodeIndex) =>
      METRICS.map(([prefix, metric, stat]) => ({
        Id: `${prefix}${index}_${nodeIndex}`,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/ElastiCache',
            MetricName: metric,
            Dimensions: [
              { Name: 'CacheClusterId', Value: node.cacheClusterId },
              { Name: 'CacheNodeId', Value: node.cacheNodeId },
            ],
          },
          Period: 60,
          Stat: stat,
        },
        ReturnData: true,
      })),
    ),
  );
}

/** Fold one node's series into its group: highest lag over nodes, buffer errors summed. */
function add(entry: DurabilityHealth, prefix: string, values: readonly number[]): void {
  if (prefix === 'lag') entry.lagMs = Math.max(entry.lagMs ?? 0, ...values);
  else entry.bufferExceeded = (entry.bufferExceeded ?? 0) + values.reduce((sum, value) => sum + value, 0);
}

/**
 * Read the durability metrics of many groups, per node as CloudWatch holds them, in as few
 * calls as it allows (500 queries per call): never one call per group or node.
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
): Promise<Map<string, DurabilityHealth>> {
  const health = new Map<string, DurabilityHealth>();
  const all = queries(groups);
  for (let start = 0; start < all.length; start += QUERIES_PER_CALL) {
    const input = {
      MetricDataQueries: all.slice(start, start + QUERIES_PER_CALL),
      StartTime: new Date(now.getTime() - WINDOW_MS),
      EndTime: now,
    };
    await awsCall('CloudWatch GetMetricData', async () => {
      for await (const page of paginateGetMetricData({ client }, input)) {
        for (const result of page.MetricDataResults ?? []) {
          const [, prefix = '', index = ''] = /^([a-z]+)(\d+)_\d+$/.exec(result.Id ?? '') ?? [];
          const id = groups[Number(index)]?.id;
          const values = result.Values ?? [];
          if (id === undefined || values.length === 0) continue;
          const entry = health.get(id) ?? {};
          add(entry, prefix, values);
          health.set(id, entry);
        }
      }
    });
  }
  return health;
}

/** The CloudWatch client the durability health reads use. */
export function createMetricsClient(options: AwsClientOptions = {}): CloudWatchClient {
  return createClient(CloudWatchClient, options);
}
