import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ElastiCacheClient, paginateDescribeReplicationGroups } from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Clock } from '../../infra/local/emulator/clock.js';
import { type Emulator, startEmulator } from '../../infra/local/emulator/server.js';
import { applyWorkload, type WorkloadShape } from '../../infra/local/emulator/workload.js';
import { toReplicationGroupResource } from '../../shared/aws/kind-readers.js';
import { readWorkload } from '../../shared/aws/workload-metrics.js';
import { type WorkloadGroup, workloadGroupOf } from '../../shared/domain/durability/workload.js';
import { groupState } from './harness.js';

const region = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const NOW = Date.parse('2026-12-07T10:00:00Z');
const DAY = 86_400_000;
let emulator: Emulator;

/** The groups as the app sees them: DescribeReplicationGroups, then the workload model. */
async function describeGroups(): Promise<WorkloadGroup[]> {
  const elasticache = new ElastiCacheClient({ endpoint: emulator.endpoint, region, credentials });
  const groups: WorkloadGroup[] = [];
  for await (const page of paginateDescribeReplicationGroups({ client: elasticache }, {})) {
    for (const item of page.ReplicationGroups ?? []) {
      const group = workloadGroupOf(toReplicationGroupResource(item, {}));
      if (group !== undefined) groups.push(group);
    }
  }
  return groups;
}

function shape(input: WorkloadShape): void {
  const model = emulator.model;
  const group = model.groups.get(input.groupId);
  if (group === undefined) throw new Error(`no group ${input.groupId}`);
  applyWorkload(emulator.sinks.metrics, group, model.memberIds(group), input, emulator.clock.now());
}

beforeAll(async () => {
  const clock = new Clock();
  clock.freeze(NOW);
  emulator = await startEmulator({ clock });
  emulator.model.putGroup(groupState('busy', { shards: 3, replicas: 2 }));
  emulator.model.putGroup(groupState('calm', { clusterMode: 'disabled', shards: 1, replicas: 2 }));
  emulator.model.putGroup(
    groupState('bursty', { shards: 2, replicas: 1, durability: 'sync', effectiveDurability: 'sync' }),
  );
  shape({ groupId: 'busy', shape: 'steady', writeMiBs: 120, latencyUs: 600 });
  shape({ groupId: 'calm', shape: 'steady', writeMiBs: 5 });
  shape({ groupId: 'bursty', shape: 'steady', writeMiBs: 30, latencyUs: 1200 });
  shape({ groupId: 'bursty', shape: 'burst', writeMiBs: 140, minutes: 3, at: NOW - 3 * DAY });
});

afterAll(async () => {
  await emulator.close();
});

describe('Function: readWorkload against the sandbox', () => {
  it('reads each shard primary at its write rate, from the describe answers alone', async () => {
    // Prepare
    const groups = await describeGroups();
    const cloudwatch = new CloudWatchClient({ endpoint: emulator.endpoint, region, credentials });
    const before = emulator.faults.count('GetMetricData');

    // Act
    const samples = await readWorkload(cloudwatch, groups, new Date(NOW), 14);

    // Assess
    const peaks = (id: string) => samples.get(id)?.primaries.map((primary) => primary.peakWriteMiBs);
    expect(peaks('busy')).toEqual([120, 120, 120]);
    expect(peaks('calm')).toEqual([5]);
    expect(peaks('bursty')).toEqual([140, 140]);
    expect(samples.get('busy')?.p99WriteLatencyMs).toBe(0.6);
    // The burst's 3 slow minutes are under 1 % of 14 days: the p99 is the steady latency.
    expect(samples.get('bursty')?.p99WriteLatencyMs).toBe(1.2);
    expect(samples.get('bursty')?.trafficManagementActive).toBe(true);
    // Durability off: the sandbox publishes no TrafficManagementActive, as a non-durable node.
    expect(samples.get('busy')?.trafficManagementActive).toBeUndefined();
    const queries = groups.reduce(
      (sum, group) =>
        sum +
        group.primaries.reduce((count, primary) => count + (primary.members?.length ?? 1), 0) +
        group.nodes.length * 3,
      0,
    );
    expect(emulator.faults.count('GetMetricData') - before).toBe(Math.ceil(queries / 500));
  });

  it('misses a burst older than the lookback', async () => {
    // Prepare
    const groups = await describeGroups();
    const cloudwatch = new CloudWatchClient({ endpoint: emulator.endpoint, region, credentials });

    // Act
    const samples = await readWorkload(cloudwatch, groups, new Date(NOW), 2);

    // Assess
    expect(samples.get('bursty')?.primaries.map((primary) => primary.peakWriteMiBs)).toEqual([30, 30]);
    expect(samples.get('bursty')?.trafficManagementActive).toBe(false);
  });
});
