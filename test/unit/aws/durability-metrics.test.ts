import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { readDurabilityHealth } from '../../../shared/aws/durability-metrics.js';

const cloudwatchMock = mockClient(CloudWatchClient);
const client = new CloudWatchClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

/**
 * Values per `${CacheClusterId}/${CacheNodeId}/${MetricName}` (or, for one statistic only,
 * `…/${MetricName}/${Stat}`), answered as CloudWatch would.
 */
function serve(values: Record<string, number[]>) {
  cloudwatchMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((query): MetricDataResult => {
      const metric = query.MetricStat?.Metric;
      const of = (name: string) => metric?.Dimensions?.find((dimension) => dimension.Name === name)?.Value;
      const key = `${of('CacheClusterId')}/${of('CacheNodeId')}/${metric?.MetricName}`;
      return { Id: query.Id, Values: values[`${key}/${query.MetricStat?.Stat}`] ?? values[key] ?? [] };
    }),
  }));
}

const node = (cacheClusterId: string) => ({ cacheClusterId, cacheNodeId: '0001' });

describe('Function: readDurabilityHealth', () => {
  afterEach(() => {
    cloudwatchMock.reset();
  });

  it("keeps a group's highest lag over its nodes and sums its buffer errors", async () => {
    // Prepare
    serve({
      'a-0001-001/0001/DurabilityLag': [200, 900],
      'a-0002-001/0001/DurabilityLag': [4000],
      'a-0001-001/0001/DurabilityBufferExceededErrorCount': [1, 2],
      'a-0002-001/0001/DurabilityBufferExceededErrorCount': [3],
    });
    const groups = [
      { id: 'a', nodes: [node('a-0001-001'), node('a-0002-001')] },
      { id: 'b', nodes: [node('b-0001-001')] },
    ];

    // Act
    const health = await readDurabilityHealth(client, groups, new Date('2026-12-01T00:00:00Z'));

    // Assess
    expect(health.get('a')).toEqual({ lagMs: 4000, bufferExceeded: 6 });
    expect(health.has('b')).toBe(false);
  });

  it('reads TrafficManagementActive and SuccessfulWriteRequestLatency (µs) in the same call, folded per group', async () => {
    // Prepare
    serve({
      'a-0001-001/0001/TrafficManagementActive': [0, 0],
      'a-0002-001/0001/TrafficManagementActive': [0, 1],
      'a-0001-001/0001/SuccessfulWriteRequestLatency': [900, 2500],
      'a-0002-001/0001/SuccessfulWriteRequestLatency': [1200],
      'b-0001-001/0001/TrafficManagementActive': [0],
    });
    const groups = [
      { id: 'a', nodes: [node('a-0001-001'), node('a-0002-001')] },
      { id: 'b', nodes: [node('b-0001-001')] },
    ];

    // Act
    const health = await readDurabilityHealth(client, groups, new Date('2026-12-01T00:00:00Z'), 10 * 60_000);

    // Assess
    expect(health.get('a')).toEqual({ trafficManagementActive: true, writeLatencyMs: 2.5 });
    expect(health.get('b')).toEqual({ trafficManagementActive: false });
    const [call] = cloudwatchMock.commandCalls(GetMetricDataCommand);
    expect(call?.args[0].input.StartTime).toEqual(new Date('2026-11-30T23:50:00Z'));
    expect(cloudwatchMock.commandCalls(GetMetricDataCommand)).toHaveLength(1);
  });

  it('reads the p99 of write latency only when asked (the soak), in the same call', async () => {
    // Prepare
    serve({
      'a-0001-001/0001/SuccessfulWriteRequestLatency': [900, 2500],
      'a-0001-001/0001/SuccessfulWriteRequestLatency/p99': [800, 1500],
      'a-0002-001/0001/SuccessfulWriteRequestLatency/p99': [1200],
    });
    const groups = [{ id: 'a', nodes: [node('a-0001-001'), node('a-0002-001')] }];
    const now = new Date('2026-12-01T00:00:00Z');

    // Act
    const scan = await readDurabilityHealth(client, groups, now);
    const soak = await readDurabilityHealth(client, groups, now, undefined, { writeLatencyP99: true });

    // Assess
    expect(scan.get('a')).toEqual({ writeLatencyMs: 2.5 });
    expect(soak.get('a')).toEqual({ writeLatencyMs: 2.5, writeLatencyP99Ms: 1.5 });
    const sizes = cloudwatchMock
      .commandCalls(GetMetricDataCommand)
      .map((call) => call.args[0].input.MetricDataQueries?.length);
    expect(sizes).toEqual([8, 10]);
  });

  it('splits the queries into calls of at most 500', async () => {
    // Prepare
    serve({ 'g250-0001-001/0001/DurabilityLag': [7] });
    const groups = Array.from({ length: 251 }, (_, index) => ({
      id: `g${index}`,
      nodes: [node(`g${index}-0001-001`)],
    }));

    // Act
    const health = await readDurabilityHealth(client, groups, new Date('2026-12-01T00:00:00Z'));

    // Assess
    const sizes = cloudwatchMock
      .commandCalls(GetMetricDataCommand)
      .map((call) => call.args[0].input.MetricDataQueries?.length);
    // Four queries per node: 1 004 in all.
    expect(sizes).toEqual([500, 500, 4]);
    expect(health.get('g250')?.lagMs).toBe(7);
  });
});
