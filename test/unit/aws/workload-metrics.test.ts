import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsCallError } from '../../../shared/aws/errors.js';
import { toReplicationGroupResource } from '../../../shared/aws/kind-readers.js';
import { readWorkload } from '../../../shared/aws/workload-metrics.js';
import { type WorkloadGroup, workloadGroupOf } from '../../../shared/domain/durability/workload.js';

const cloudwatchMock = mockClient(CloudWatchClient);
const client = new CloudWatchClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const NOW = new Date('2026-12-07T10:00:30Z');
const MIB = 1024 * 1024;

/** Values per `${CacheClusterId}/${MetricName}` (node 0001), answered as CloudWatch would. */
function serve(values: Record<string, number[]>) {
  cloudwatchMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((query): MetricDataResult => {
      const metric = query.MetricStat?.Metric;
      const cluster = metric?.Dimensions?.find((dimension) => dimension.Name === 'CacheClusterId')?.Value;
      return { Id: query.Id, Values: values[`${cluster}/${metric?.MetricName}`] ?? [] };
    }),
  }));
}

const node = (cacheClusterId: string) => ({ cacheClusterId, cacheNodeId: '0001' });

/** A cluster-mode-enabled group as the describe answer gives it: members per shard, no roles. */
function clustered(id: string, shards: number, replicas: number): WorkloadGroup {
  const resource = toReplicationGroupResource(
    {
      ReplicationGroupId: id,
      NodeGroups: Array.from({ length: shards }, (_, shard) => ({
        NodeGroupId: String(shard + 1).padStart(4, '0'),
        NodeGroupMembers: Array.from({ length: replicas + 1 }, (_, member) => ({
          CacheClusterId: `${id}-${String(shard + 1).padStart(4, '0')}-${String(member + 1).padStart(3, '0')}`,
          CacheNodeId: '0001',
        })),
      })),
    },
    {},
  );
  const group = workloadGroupOf(resource);
  if (group === undefined) throw new Error('no workload group');
  return group;
}

describe('Function: workloadGroupOf', () => {
  it('takes the named primary and its replica count where the answer gives roles (cluster mode disabled)', () => {
    // Act
    const group = workloadGroupOf(
      toReplicationGroupResource(
        {
          ReplicationGroupId: 'g',
          NodeGroups: [
            {
              NodeGroupId: '0001',
              NodeGroupMembers: [
                { CacheClusterId: 'g-001', CacheNodeId: '0001', CurrentRole: 'replica' },
                { CacheClusterId: 'g-002', CacheNodeId: '0001', CurrentRole: 'primary' },
                { CacheClusterId: 'g-003', CacheNodeId: '0001', CurrentRole: 'replica' },
              ],
            },
          ],
        },
        {},
      ),
    );

    // Assess
    expect(group).toEqual({
      id: 'g',
      primaries: [{ shardId: '0001', node: node('g-002'), replicas: 2 }],
      nodes: [node('g-001'), node('g-002'), node('g-003')],
    });
  });

  it('keeps every member of a shard whose primary the answer does not name (cluster mode enabled)', () => {
    // Act
    const group = clustered('c', 2, 1);

    // Assess
    expect(group.primaries).toEqual([
      {
        shardId: '0001',
        node: node('c-0001-001'),
        replicas: 1,
        members: [node('c-0001-001'), node('c-0001-002')],
      },
      {
        shardId: '0002',
        node: node('c-0002-001'),
        replicas: 1,
        members: [node('c-0002-001'), node('c-0002-002')],
      },
    ]);
    expect(group.nodes).toHaveLength(4);
  });

  it('is undefined for an answer that lists no shard members', () => {
    expect(workloadGroupOf(toReplicationGroupResource({ ReplicationGroupId: 'x' }, {}))).toBeUndefined();
  });
});

describe('Function: readWorkload', () => {
  afterEach(() => {
    cloudwatchMock.reset();
  });

  it('reads the peak write MiB/s per primary from ReplicationBytes per minute over its replicas, the p99 latency in ms, and throttling', async () => {
    // Prepare: shard 1 primary sends 120 MiB/s to 2 replicas at its peak minute; after a failover
    // shard 2's second member is the one sending.
    const group = clustered('c', 2, 2);
    serve({
      'c-0001-001/ReplicationBytes': [120 * MIB * 60 * 2],
      'c-0001-002/ReplicationBytes': [0],
      'c-0002-001/ReplicationBytes': [3 * MIB * 60 * 2],
      'c-0002-002/ReplicationBytes': [30 * MIB * 60 * 2],
      'c-0001-001/SuccessfulWriteRequestLatency': [850],
      'c-0002-002/SuccessfulWriteRequestLatency': [2400],
      'c-0001-001/TrafficManagementActive': [1],
      'c-0002-002/TrafficManagementActive': [0],
    });

    // Act
    const sample = (await readWorkload(client, [group], NOW, 14)).get('c');

    // Assess
    expect(sample?.primaries).toEqual([
      { shardId: '0001', cacheClusterId: 'c-0001-001', peakWriteMiBs: 120 },
      { shardId: '0002', cacheClusterId: 'c-0002-001', peakWriteMiBs: 30 },
    ]);
    expect(sample?.p99WriteLatencyMs).toBe(2.4);
    expect(sample?.trafficManagementActive).toBe(true);
    expect(sample?.searchIndexes).toBe('unknown');
    expect(sample?.method).toContain('Maximum of ReplicationBytes over the last 14 days');
  });

  it('leaves figures without data points undefined, and says search indexes exist once search writes were throttled', async () => {
    // Prepare
    serve({ 'q-0001-002/SearchWriteThrottleActive': [1] });

    // Act
    const sample = (await readWorkload(client, [clustered('q', 1, 1)], NOW, 14)).get('q');

    // Assess
    expect(sample?.primaries).toEqual([{ shardId: '0001', cacheClusterId: 'q-0001-001' }]);
    expect(sample?.p99WriteLatencyMs).toBeUndefined();
    expect(sample?.trafficManagementActive).toBeUndefined();
    expect(sample?.searchIndexes).toBe('yes');
  });

  it('asks each metric over one period as long as the lookback, ending on the minute', async () => {
    // Prepare
    serve({});

    // Act
    await readWorkload(client, [clustered('c', 1, 1)], NOW, 14);

    // Assess
    const input = cloudwatchMock.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(input?.EndTime).toEqual(new Date('2026-12-07T10:00:00Z'));
    expect(input?.StartTime).toEqual(new Date('2026-11-23T10:00:00Z'));
    expect(new Set(input?.MetricDataQueries?.map((query) => query.MetricStat?.Period))).toEqual(
      new Set([14 * 86_400]),
    );
  });

  it('reads 1 000 groups in ceil(queries / 500) calls of at most 500 queries', async () => {
    // Prepare: 2 shards of 2 nodes: 4 ReplicationBytes queries (no named primary) + 3 per node.
    serve({});
    const groups = Array.from({ length: 1000 }, (_, index) => clustered(`g${index}`, 2, 1));

    // Act
    const samples = await readWorkload(client, groups, NOW, 14);

    // Assess
    const calls = cloudwatchMock.commandCalls(GetMetricDataCommand);
    const sizes = calls.map((call) => call.args[0].input.MetricDataQueries?.length ?? 0);
    const queries = sizes.reduce((sum, size) => sum + size, 0);
    expect(queries).toBe(1000 * (4 + 4 * 3));
    expect(calls).toHaveLength(Math.ceil(queries / 500));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(500);
    expect(samples.size).toBe(1000);
  });

  it('follows NextToken when CloudWatch answers one', async () => {
    // Prepare
    cloudwatchMock
      .on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ Id: 'r0_0_0', Values: [] }], NextToken: 'more' })
      .resolvesOnce({ MetricDataResults: [{ Id: 'r0_0_0', Values: [10 * MIB * 60] }] });

    // Act
    const sample = (await readWorkload(client, [clustered('c', 1, 1)], NOW, 14)).get('c');

    // Assess
    expect(sample?.primaries[0]?.peakWriteMiBs).toBe(10);
    expect(cloudwatchMock.commandCalls(GetMetricDataCommand)[1]?.args[0].input.NextToken).toBe('more');
  });

  it('refuses a lookback CloudWatch cannot answer before any call', async () => {
    await expect(readWorkload(client, [clustered('c', 1, 1)], NOW, 0)).rejects.toThrow(/lookbackDays/);
    await expect(readWorkload(client, [clustered('c', 1, 1)], NOW, 1.5)).rejects.toThrow(/lookbackDays/);
    expect(cloudwatchMock.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });

  it('names the call when CloudWatch refuses it', async () => {
    // Prepare
    cloudwatchMock
      .on(GetMetricDataCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDenied' }));

    // Act / Assess
    const failure = readWorkload(client, [clustered('c', 1, 1)], NOW, 14);
    await expect(failure).rejects.toBeInstanceOf(AwsCallError);
    await expect(failure).rejects.toThrow(/CloudWatch GetMetricData failed: AccessDenied/);
  });
});
