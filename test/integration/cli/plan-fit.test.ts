/**
 * `guardrails plan`'s workload fit against the sandbox's fleet, the write workload given by a
 * fake reader behind the CLI's port (CommandContext.workload), then read from the sandbox's
 * CloudWatch series by the CLI's own reader: a group whose primaries peak at
 * 120 MiB/s exceeds and gets an add-shards step, one at 30 MiB/s under a 1 ms budget with
 * `set: sync` is at-risk recommending async, one at 5 MiB/s fits.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, runCli } from '../../../cli/main.js';
import type { WorkloadReader } from '../../../cli/workload.js';
import { applyWorkload } from '../../../infra/local/emulator/workload.js';
import type { WorkloadSample } from '../../../shared/domain/durability/workload.js';
import { captureIo } from '../../cli-io.js';
import { groupState, type Stack, startStack } from '../harness.js';

const POLICY = `version: 1
rules:
  - name: tight-latency
    match: { ids: [tight] }
    durability: { minimum: sync, maxWriteLatencyMs: 1 }
  - name: durable
    match: { ids: [heavy, light, flat] }
    durability: { minimum: async, set: sync, fit: { lookbackDays: 7 } }
`;

/** Each group's peak write MiB/s per shard primary, as CloudWatch would give them. */
const PEAKS: Record<string, number[]> = { heavy: [120], tight: [30, 28], light: [5, 4] };

let stack: Stack;
let policyPath: string;
const asked: { ids: string[]; lookbackDays: number }[] = [];

const reader: WorkloadReader = async (groups, window) => {
  asked.push({ ids: groups.map((group) => group.id).sort(), lookbackDays: window.lookbackDays });
  const samples = new Map<string, WorkloadSample>();
  for (const group of groups) {
    const peaks = PEAKS[group.id];
    if (peaks === undefined) continue;
    samples.set(group.id, {
      primaries: peaks.map((peak, index) => ({
        shardId: `000${index + 1}`,
        cacheClusterId: `${group.id}-000${index + 1}-001`,
        peakWriteMiBs: peak,
      })),
      p99WriteLatencyMs: 0.3,
      trafficManagementActive: false,
      searchIndexes: 'unknown',
      method: 'peak of 1-minute ReplicationBytes per shard primary / replicas',
    });
  }
  return samples;
};

async function plan(args: string[], options: { columns?: number; reader?: WorkloadReader } = {}) {
  const io = captureIo(options.columns === undefined ? {} : { columns: options.columns });
  const live = ['--endpoint-url', stack.emulator.endpoint, '--policy', policyPath];
  // The sandbox's time, as its CLI reads it: CloudWatch serves nothing after the emulator's now.
  const now = async () => new Date(stack.emulator.clock.now());
  const code = await runCli(['plan', ...live, ...args], io, undefined, now, options.reader);
  return { code, out: io.out(), err: io.err() };
}

interface JsonPlan {
  resourceId: string;
  verdict: string;
  steps?: { action: string; api: string; params: Record<string, unknown>; unattended: boolean }[];
  fit: { verdict: string; peakWriteMiBs?: number; recommendations: { kind: string; shards?: number }[] };
  workload?: WorkloadSample;
}

beforeAll(async () => {
  stack = await startStack();
  Object.assign(process.env, stack.env, { AWS_ENDPOINT_URL: '' });
  const model = stack.emulator.model;
  model.putGroup(groupState('heavy', { shards: 1 }));
  model.putGroup(groupState('tight', { shards: 2 }));
  model.putGroup(groupState('light', { shards: 2 }));
  // No data point in CloudWatch: its fit is unknown.
  model.putGroup(groupState('flat', { shards: 2 }));
  const dir = mkdtempSync(join(tmpdir(), 'guardrails-plan-fit-'));
  policyPath = join(dir, 'policy.yaml');
  writeFileSync(policyPath, POLICY);
});

afterAll(() => stack.close());

describe('Command: plan, the workload fit', () => {
  it('judges each group on its workload: exceeds with more shards first, at-risk with async, fits', async () => {
    // Act
    asked.length = 0;
    const { code, out } = await plan(['--format', 'json'], { reader });

    // Assess
    expect(code).toBe(EXIT.compliant);
    const report = JSON.parse(out) as { plans: JsonPlan[]; fitMethod: string };
    const byId = new Map(report.plans.map((each) => [each.resourceId, each]));
    const heavy = byId.get('heavy');
    expect(heavy?.fit).toMatchObject({ verdict: 'exceeds', peakWriteMiBs: 120 });
    const shards = heavy?.steps?.find((step) => step.action === 'add-shards');
    expect(shards).toMatchObject({
      api: 'ModifyReplicationGroupShardConfiguration',
      params: { ReplicationGroupId: 'heavy', NodeGroupCount: 2, ApplyImmediately: true },
      unattended: false,
    });
    expect(120 / Number(shards?.params.NodeGroupCount)).toBeLessThan(70);
    expect(heavy?.steps?.map((step) => step.action)).toEqual(['add-shards', 'set-durability']);
    expect(heavy?.workload?.primaries).toHaveLength(1);
    const tight = byId.get('tight');
    expect(tight?.fit).toMatchObject({ verdict: 'at-risk', recommendations: [{ kind: 'async' }] });
    expect(tight?.steps?.map((step) => step.action)).toEqual(['set-durability']);
    expect(byId.get('light')?.fit).toMatchObject({ verdict: 'fits', peakWriteMiBs: 5 });
    expect(byId.get('flat')?.fit.verdict).toBe('unknown');
    expect(report.fitMethod).toContain('ReplicationBytes');
    // One read per lookback, each group once.
    expect(asked).toEqual(
      expect.arrayContaining([
        { ids: ['tight'], lookbackDays: 14 },
        { ids: ['flat', 'heavy', 'light'], lookbackDays: 7 },
      ]),
    );
    expect(asked).toHaveLength(2);
  });

  it("reads the same verdicts from the sandbox's CloudWatch by default (its per-node series)", async () => {
    // Prepare: each group's primaries write what the fake reader says, as node series.
    const { model, sinks, clock } = stack.emulator;
    for (const [groupId, peaks] of Object.entries(PEAKS)) {
      const group = model.groups.get(groupId);
      if (group === undefined) throw new Error(`no group ${groupId}`);
      const shape = { groupId, shape: 'steady', writeMiBs: Math.max(...peaks) } as const;
      applyWorkload(sinks.metrics, group, model.memberIds(group), shape, clock.now());
    }

    // Act: no reader given, so runCli's own (CloudWatch GetMetricData).
    const { out } = await plan(['--format', 'json']);

    // Assess
    const report = JSON.parse(out) as { plans: JsonPlan[]; fitMethod: string };
    const verdicts = Object.fromEntries(report.plans.map((each) => [each.resourceId, each.fit.verdict]));
    expect(verdicts).toEqual({ heavy: 'exceeds', tight: 'at-risk', light: 'fits', flat: 'unknown' });
    const heavy = report.plans.find((each) => each.resourceId === 'heavy');
    expect(heavy?.steps?.find((step) => step.action === 'add-shards')?.params.NodeGroupCount).toBe(2);
    expect(report.fitMethod).toContain('ReplicationBytes');
  });

  it.each([80, 120, 200])(
    'shows the fit column with the peak, and the method, within %i columns',
    async (columns) => {
      const { out } = await plan(['--format', 'table'], { columns, reader });

      const lines = out.trimEnd().split('\n');
      expect(lines.filter((line) => line.length > columns)).toEqual([]);
      const text = out.replace(/\s+/g, ' ');
      for (const fit of ['exceeds 120.0 MiB/s', 'at-risk 30.0 MiB/s', 'fits 5.0 MiB/s'])
        expect(lines.filter((line) => line.includes(fit))).toHaveLength(1);
      expect(text).toContain('ReplicationBytes');
    },
  );
});
