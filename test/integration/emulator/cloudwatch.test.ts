import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
  type MetricDataQuery,
  paginateGetMetricData,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Clock } from '../../../infra/local/emulator/clock.js';
import { type Emulator, startEmulator } from '../../../infra/local/emulator/server.js';
import { groupState } from '../harness.js';

const region = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const NOW = Date.parse('2026-12-07T10:00:00Z');
const HOUR = 3_600_000;
const MIB = 1024 * 1024;
let emulator: Emulator;
let cloudwatch: CloudWatchClient;

/** A query on one node of `AWS/ElastiCache`, or on the dimensions given. */
function query(
  id: string,
  metric: string,
  stat: string,
  period: number,
  dimensions: Record<string, string> = { CacheClusterId: 'fit-0001-001', CacheNodeId: '0001' },
): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/ElastiCache',
        MetricName: metric,
        Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: period,
      Stat: stat,
    },
  };
}

async function control(path: string, body: unknown): Promise<Response> {
  return fetch(`${emulator.endpoint}/_control/${path}`, { method: 'POST', body: JSON.stringify(body) });
}

beforeAll(async () => {
  const clock = new Clock();
  clock.freeze(NOW);
  emulator = await startEmulator({ clock });
  cloudwatch = new CloudWatchClient({ endpoint: emulator.endpoint, region, credentials, maxAttempts: 1 });
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.clock.freeze(NOW);
  emulator.sinks.metrics.clear();
  emulator.model.putGroup(
    groupState('fit', { shards: 2, replicas: 2, durability: 'sync', effectiveDurability: 'sync' }),
  );
});

describe('Sandbox CloudWatch: GetMetricData over per-node series', () => {
  it('serves a steady workload on each shard primary: ReplicationBytes sums the bytes sent to every replica', async () => {
    // Prepare
    await control('workload', { groupId: 'fit', shape: 'steady', writeMiBs: 120, latencyUs: 900 });
    const lookback = 14 * 24 * 3600;

    // Act
    const answer = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(NOW - lookback * 1000),
        EndTime: new Date(NOW),
        MetricDataQueries: [
          query('primary', 'ReplicationBytes', 'Maximum', lookback),
          query('second', 'ReplicationBytes', 'Maximum', lookback, {
            CacheClusterId: 'fit-0002-001',
            CacheNodeId: '0001',
          }),
          query('replica', 'ReplicationBytes', 'Maximum', lookback, {
            CacheClusterId: 'fit-0001-002',
            CacheNodeId: '0001',
          }),
          query('group', 'ReplicationBytes', 'Maximum', lookback, { ReplicationGroupId: 'fit' }),
          query('latency', 'SuccessfulWriteRequestLatency', 'p99', lookback),
          query('throttled', 'TrafficManagementActive', 'Maximum', lookback),
        ],
      }),
    );

    // Assess: one data point per query (the period is the whole window), 2 replicas per primary.
    expect(answer.MetricDataResults?.map((result) => [result.Id, result.Values])).toEqual([
      ['primary', [120 * MIB * 60 * 2]],
      ['second', [120 * MIB * 60 * 2]],
      ['replica', [0]],
      ['group', []],
      ['latency', [900]],
      ['throttled', [1]],
    ]);
    expect(answer.MetricDataResults?.[0]?.Timestamps).toEqual([new Date(NOW - lookback * 1000)]);
  });

  it('aggregates each period with its statistic and returns the newest first unless ScanBy says otherwise', async () => {
    // Prepare: 5 MiB/s all along, a 150 MiB/s burst of 10 minutes starting 90 minutes ago.
    await control('workload', { groupId: 'fit', shape: 'steady', writeMiBs: 5 });
    await control('workload', {
      groupId: 'fit',
      shape: 'burst',
      writeMiBs: 150,
      minutes: 10,
      at: new Date(NOW - 1.5 * HOUR).toISOString(),
    });
    const queries = [
      query('max', 'TrafficManagementActive', 'Maximum', 3600),
      query('sum', 'TrafficManagementActive', 'Sum', 3600),
      query('count', 'TrafficManagementActive', 'SampleCount', 3600),
      query('avg', 'SuccessfulWriteRequestLatency', 'Average', 3600),
    ];
    const window = {
      StartTime: new Date(NOW - 3 * HOUR),
      EndTime: new Date(NOW),
      MetricDataQueries: queries,
    };

    // Act
    const newest = await cloudwatch.send(new GetMetricDataCommand(window));
    const oldest = await cloudwatch.send(
      new GetMetricDataCommand({ ...window, ScanBy: 'TimestampAscending' }),
    );

    // Assess
    const values = (answer: typeof newest) =>
      Object.fromEntries(answer.MetricDataResults?.map((result) => [result.Id, result.Values]) ?? []);
    expect(values(newest)).toEqual({
      max: [0, 1, 0],
      sum: [0, 10, 0],
      count: [60, 60, 60],
      avg: [400, (50 * 400 + 10 * 5000) / 60, 400],
    });
    expect(newest.MetricDataResults?.[0]?.Timestamps).toEqual([
      new Date(NOW - HOUR),
      new Date(NOW - 2 * HOUR),
      new Date(NOW - 3 * HOUR),
    ]);
    expect(oldest.MetricDataResults?.[0]?.Timestamps).toEqual([
      new Date(NOW - 3 * HOUR),
      new Date(NOW - 2 * HOUR),
      new Date(NOW - HOUR),
    ]);
  });

  it('shows a DurabilityLag climbing to 10 s, then rejected writes', async () => {
    // Prepare
    await control('workload', { groupId: 'fit', shape: 'steady', writeMiBs: 30 });
    await control('workload', { groupId: 'fit', shape: 'lag-climb', minutes: 5 });
    emulator.clock.advance(10 * 60_000);

    // Act
    const answer = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(NOW - 60_000),
        EndTime: new Date(NOW + 7 * 60_000),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [
          query('lag', 'DurabilityLag', 'Maximum', 60),
          query('rejected', 'DurabilityBufferExceededErrorCount', 'Sum', 60),
        ],
      }),
    );

    // Assess
    expect(answer.MetricDataResults?.map((result) => [result.Id, result.Values])).toEqual([
      ['lag', [0, 2000, 4000, 6000, 8000, 10_000, 10_000, 10_000]],
      ['rejected', [0, 0, 0, 0, 0, 25, 25, 25]],
    ]);
  });

  it('pages by MaxDatapoints with NextToken, and the SDK paginator gets every point once', async () => {
    // Prepare
    await control('workload', { groupId: 'fit', shape: 'steady', writeMiBs: 1 });
    const input = {
      StartTime: new Date(NOW - HOUR),
      EndTime: new Date(NOW),
      MaxDatapoints: 25,
      MetricDataQueries: [
        query('a', 'ReplicationBytes', 'Maximum', 60),
        query('b', 'ReplicationBytes', 'Sum', 60),
      ],
    };

    // Act
    const pages: GetMetricDataCommandOutput[] = [];
    for await (const page of paginateGetMetricData({ client: cloudwatch }, input)) pages.push(page);

    // Assess: 120 points in pages of 25.
    expect(pages).toHaveLength(5);
    const points = (id: string) =>
      pages.flatMap((page) => page.MetricDataResults?.find((result) => result.Id === id)?.Timestamps ?? []);
    expect(points('a')).toHaveLength(60);
    expect(new Set(points('b').map(Number)).size).toBe(60);
  });

  it('refuses what CloudWatch refuses: over 500 queries, duplicate ids, an empty window', async () => {
    // Prepare
    const window = { StartTime: new Date(NOW - HOUR), EndTime: new Date(NOW) };
    const many = Array.from({ length: 501 }, (_, index) =>
      query(`q${index}`, 'DurabilityLag', 'Maximum', 60),
    );
    const send = (input: object) => cloudwatch.send(new GetMetricDataCommand(input as never));

    // Act / Assess
    await expect(send({ ...window, MetricDataQueries: many })).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await expect(send({ ...window, MetricDataQueries: many.slice(0, 500) })).resolves.toBeDefined();
    await expect(
      send({ ...window, MetricDataQueries: [many[0], { ...many[1], Id: 'q0' }] }),
    ).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(
      send({ StartTime: window.EndTime, EndTime: window.EndTime, MetricDataQueries: [many[0]] }),
    ).rejects.toMatchObject({ name: 'ValidationError' });
    expect(emulator.faults.count('GetMetricData')).toBeGreaterThanOrEqual(4);
  });

  it('refuses a workload for a group it does not hold, or a shape it does not know, naming the field', async () => {
    // Act
    const missing = await control('workload', { groupId: 'nope', shape: 'steady' });
    const shape = await control('workload', { groupId: 'fit', shape: 'spike' });
    const rate = await control('workload', { groupId: 'fit', shape: 'steady', writeMiBs: '120' });

    // Assess
    expect([missing.status, shape.status, rate.status]).toEqual([400, 400, 400]);
    expect(((await missing.json()) as { error: string }).error).toBe('no replication group nope');
    expect(((await shape.json()) as { error: string }).error).toMatch(
      /^shape must be one of steady, burst, lag-climb/,
    );
    expect(((await rate.json()) as { error: string }).error).toBe('writeMiBs must be a number');
  });
});
