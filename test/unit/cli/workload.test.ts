import { describe, expect, it } from 'vitest';
import type { RunTargets } from '../../../cli/target-run.js';
import { readPlanWorkload, type WorkloadReader } from '../../../cli/workload.js';
import type { WorkloadSample } from '../../../shared/domain/durability/workload.js';
import type { Resource } from '../../../shared/domain/resource.js';
import { captureIo } from '../../cli-io.js';

const group = (id: string, account: string, region: string): Resource => ({
  type: 'replication-group',
  id,
  arn: `arn:aws:elasticache:${region}:${account}:replicationgroup:${id}`,
  status: 'available',
  pendingModifications: false,
  tags: {},
});

const sample = (peak: number): WorkloadSample => ({
  primaries: [{ shardId: '0001', cacheClusterId: 'c-0001-001', peakWriteMiBs: peak }],
  searchIndexes: 'unknown',
  method: 'peak of 1-minute ReplicationBytes / replicas',
});

const A = group('orders', '111111111111', 'eu-west-1');
const B = group('orders', '222222222222', 'eu-west-1');
const targets = (...accounts: string[]): RunTargets => ({
  total: accounts.length,
  failed: 0,
  line: '',
  failures: [],
  scanned: accounts.map((account) => ({
    target: { account, region: 'eu-west-1' },
    options: { region: 'eu-west-1', endpoint: `http://${account}.test` },
  })),
});
const NOW = new Date('2026-12-07T10:00:00Z');

describe('Function: readPlanWorkload', () => {
  it('reads each target with its own client options, and keeps two groups of one id apart', async () => {
    // Prepare: the same group id in two accounts, each with its own peak
    const calls: { endpoint?: string; ids: string[]; days: number }[] = [];
    const reader: WorkloadReader = async (groups, window, aws) => {
      calls.push({ endpoint: aws.endpoint, ids: groups.map((each) => each.id), days: window.lookbackDays });
      return new Map([['orders', sample(aws.endpoint?.includes('1111') === true ? 120 : 5)]]);
    };

    // Act
    const { lookup, method } = await readPlanWorkload(
      reader,
      new Map([[14, [A, B]]]),
      { targets: targets('111111111111', '222222222222') },
      NOW,
      captureIo(),
    );

    // Assess
    expect(calls).toEqual([
      { endpoint: 'http://111111111111.test', ids: ['orders'], days: 14 },
      { endpoint: 'http://222222222222.test', ids: ['orders'], days: 14 },
    ]);
    expect(lookup(A.arn, 14)?.primaries[0]?.peakWriteMiBs).toBe(120);
    expect(lookup(B.arn, 14)?.primaries[0]?.peakWriteMiBs).toBe(5);
    expect(lookup(A.arn, 7)).toBeUndefined();
    expect(method).toBe('fit: peak of 1-minute ReplicationBytes / replicas, over 14 days');
  });

  it('names a place whose read failed on stderr, and leaves its groups unknown', async () => {
    const io = captureIo();
    const reader: WorkloadReader = async (_groups, _window, aws) => {
      if (aws.endpoint?.includes('2222') === true)
        throw Object.assign(new Error('not authorized to GetMetricData'), { name: 'AccessDenied' });
      return new Map([['orders', sample(5)]]);
    };

    const { lookup } = await readPlanWorkload(
      reader,
      new Map([[14, [A, B]]]),
      { targets: targets('111111111111', '222222222222') },
      NOW,
      io,
    );

    expect(lookup(A.arn, 14)).toBeDefined();
    expect(lookup(B.arn, 14)).toBeUndefined();
    expect(io.err()).toBe(
      'guardrails: the write workload of 222222222222/eu-west-1 was not read (its fits are unknown): AccessDenied: not authorized to GetMetricData\n',
    );
  });

  it('reads nothing for an offline fleet or without a reader, and says why', async () => {
    const reader: WorkloadReader = async () => {
      throw new Error('must not be called');
    };
    const offline = await readPlanWorkload(reader, new Map([[14, [A]]]), {}, NOW, captureIo());
    const none = await readPlanWorkload(undefined, new Map([[14, [A]]]), { live: {} }, NOW, captureIo());

    expect(offline.method).toContain('--input');
    expect(none.method).toContain('reads no write workload');
    expect(offline.lookup(A.arn, 14)).toBeUndefined();
  });
});
