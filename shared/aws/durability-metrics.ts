import { CloudWatchClient, type MetricDataQuery, paginateGetMetricData } from '@aws-sdk/client-cloudwatch';
import { type AwsClientOptions, createClient } from './clients.js';
import { awsCall } from './errors.js';

/** What CloudWatch says of a durable group's transactional log over the last few minutes. */
export interface DurabilityHealth {
  /** Highest `DurabilityLag` (ms); writes are rejected near 10 000 ms. */
  lagMs?: number;
  /** Sum of `DurabilityBufferExceededErrorCount`. */
  bufferExceeded?: number;
}

/** GetMetricData takes at most 500 queries per call. */
const QUERIES_PER_CALL = 500;
const WINDOW_MS = 5 * 60_000;

function queries(groupIds: readonly string[]): MetricDataQuery[] {
  return groupIds.flatMap((id, index) =>
    (
      [
        ['lag', 'DurabilityLag', 'Maximum'],
        ['buf', 'DurabilityBufferExceededErrorCount', 'Sum'],
      ] as const
    ).map(([prefix, metric, stat]) => ({
      Id: `${prefix}${index}`,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/ElastiCache',
          MetricName: metric,
          Dimensions: [{ Name: 'ReplicationGroupId', Value: id }],
        },
        Period: 60,
        Stat: stat,
      },
      ReturnData: true,
    })),
  );
}

/**
 * Read the durability metrics of many groups in as few calls as CloudWatch allows (500
 * queries, so 250 groups, per call): never one call per group.
 *
 * @example
 * const health = await readDurabilityHealth(cloudwatch, ['orders-1'], new Date());
 * health.get('orders-1')?.lagMs;
 */
export async function readDurabilityHealth(
  client: CloudWatchClient,
  groupIds: readonly string[],
  now: Date,
): Promise<Map<string, DurabilityHealth>> {
  const health = new Map<string, DurabilityHealth>();
  const all = queries(groupIds);
  for (let start = 0; start < all.length; start += QUERIES_PER_CALL) {
    const input = {
      MetricDataQueries: all.slice(start, start + QUERIES_PER_CALL),
      StartTime: new Date(now.getTime() - WINDOW_MS),
      EndTime: now,
    };
    await awsCall('CloudWatch GetMetricData', async () => {
      for await (const page of paginateGetMetricData({ client }, input)) {
        for (const result of page.MetricDataResults ?? []) {
          const [, prefix = '', index = ''] = /^([a-z]+)(\d+)$/.exec(result.Id ?? '') ?? [];
          const id = groupIds[Number(index)];
          const values = result.Values ?? [];
          if (id === undefined || values.length === 0) continue;
          const entry = health.get(id) ?? {};
          if (prefix === 'lag') entry.lagMs = Math.max(...values);
          else entry.bufferExceeded = values.reduce((sum, value) => sum + value, 0);
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
