import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../../cli/main.js';
import { RECORD_KINDS } from '../../../shared/aws/state-keys.js';
import { runCaptured } from '../../cli-io.js';
import { expectEvery } from '../../expect-every.js';
import { groupState, legacyGroupState, type Stack, startStack } from '../harness.js';

const POLICY = `version: 1
rules:
  - name: prod-durability
    mode: enforce
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync, stagedChanges: { allow: [upgrade-engine, add-replicas, enable-multi-az] } }
  - name: encrypted-at-rest
    match: { resourceTypes: [replication-group, serverless-cache] }
    storageEncryption: { allowed: [sse-elasticache, sse-kms] }
`;

let stack: Stack;
let policyPath: string;

const cli = (args: string[]) => runCaptured(args);
const live = () => ['--endpoint-url', stack.emulator.endpoint, '--policy', policyPath];

beforeAll(async () => {
  stack = await startStack();
  Object.assign(process.env, stack.env, { AWS_ENDPOINT_URL: '' });
  const model = stack.emulator.model;
  model.putGroup(groupState('ready'));
  model.putGroup(groupState('durable', { durability: 'sync', effectiveDurability: 'sync' }));
  model.putGroup(legacyGroupState('legacy', { engineVersion: '8.0' }));
  model.putGroup(groupState('tiered', { dataTiering: true, nodeType: 'cache.r6gd.xlarge' }));
  // Cluster mode compatible, still on Valkey 8.0 without TLS: nothing else is accepted before enabled.
  model.putGroup(
    groupState('compatible', { clusterMode: 'compatible', shards: 1, engineVersion: '8.0', tls: false }),
  );
  model.putGroup(groupState('dev-only', { tags: new Map([['env', 'dev']]) }));
  const dir = mkdtempSync(join(tmpdir(), 'guardrails-plan-'));
  policyPath = join(dir, 'policy.yaml');
  writeFileSync(policyPath, POLICY);
});

afterAll(() => stack.close());

describe('Command: plan', () => {
  it('gives every group a durability rule covers its verdict, with a summary line', async () => {
    // Act
    const { code, out } = await cli(['plan', ...live(), '--format', 'json']);

    // Assess
    expect(code).toBe(EXIT.compliant);
    const report = JSON.parse(out) as {
      summary: Record<string, number>;
      plans: {
        resourceId: string;
        verdict: string;
        steps?: { action: string; unattended: boolean }[];
        blockers?: string[];
      }[];
    };
    const verdicts = Object.fromEntries(report.plans.map((plan) => [plan.resourceId, plan.verdict]));
    expect(verdicts).toEqual({
      ready: 'in-place',
      durable: 'not-applicable',
      legacy: 'staged',
      tiered: 'rebuild',
      compatible: 'staged',
    });
    expect(report.summary).toMatchObject({ 'in-place': 1, staged: 2, rebuild: 1, 'not-applicable': 1 });
    const legacy = report.plans.find((plan) => plan.resourceId === 'legacy');
    expect(legacy?.steps?.map((step) => `${step.action}:${step.unattended}`)).toEqual([
      'upgrade-engine:true',
      'add-replicas:true',
      'enable-multi-az:true',
      'enable-tls:false',
      'cluster-mode:false',
      'cluster-mode:false',
      'set-durability:true',
    ]);
    expect(report.plans.find((plan) => plan.resourceId === 'tiered')?.blockers?.join()).toContain(
      'data tiering',
    );
  });

  it('starts the plan of a group in cluster mode compatible with ClusterMode=enabled', async () => {
    // Act
    const { out } = await cli(['plan', ...live(), '--format', 'json', '--resource', 'compatible']);

    // Assess
    const [plan] = (
      JSON.parse(out) as { plans: { steps?: { action: string; params: Record<string, unknown> }[] }[] }
    ).plans;
    expect(plan?.steps?.map((step) => step.action)).toEqual([
      'cluster-mode',
      'upgrade-engine',
      'enable-tls',
      'set-durability',
    ]);
    expect(plan?.steps?.[0]?.params).toMatchObject({ ClusterMode: 'enabled' });
  });

  it('prints a table with the verdict and steps and ends with the counts; --resource filters the rows', async () => {
    const { out } = await cli(['plan', ...live(), '--format', 'table', '--resource', 'leg*']);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^resourceId\s+rule\s+current\s+target\s+fit\s+verdict\s+steps$/);
    expect(lines[1]).toContain('staged: 7 steps, 3 need approval');
    expect(lines[1]).toContain('valkey 8.0');
    expect(lines.at(-2)).toBe(
      '5 group plan(s): 1 in-place, 2 staged, 1 rebuild, 1 not-applicable, 0 unknown (1 shown)',
    );
    // The fit's method, read from the sandbox's CloudWatch.
    expect(lines.at(-1)).toMatch(/^fit: peak write MiB\/s per shard primary = Maximum of ReplicationBytes/);
  });

  it('--status keeps the plans of groups whose durability finding has that status', async () => {
    const { out } = await cli(['plan', ...live(), '--format', 'json', '--status', 'compliant']);
    expect(
      (JSON.parse(out) as { plans: { resourceId: string }[] }).plans.map((plan) => plan.resourceId),
    ).toEqual(['durable']);
  });

  it('writes an html page with one escaped row per plan and the summary', async () => {
    const { out } = await cli(['plan', ...live(), '--format', 'html']);
    expect(out).toMatch(/^<!doctype html>/);
    expect(out.match(/<tr><td>/g)).toHaveLength(5);
    expect(out).toContain('cluster mode compatible → enabled [approval]');
    expect(out).toContain('5 group plan(s): 1 in-place, 2 staged, 1 rebuild, 1 not-applicable, 0 unknown');
  });

  it('writes csv with one row per plan', async () => {
    const { out } = await cli(['plan', ...live(), '--format', 'csv']);
    expect(out.trim().split('\n')).toHaveLength(1 + 5);
  });

  it('lets scan findings say what it would take in their action', async () => {
    const { out } = await cli(['scan', ...live(), '--format', 'json']);
    const actions = Object.fromEntries(
      (
        JSON.parse(out) as { findings: { resourceId: string; check: string; action: string | null }[] }
      ).findings
        .filter((finding) => finding.check === 'durability')
        .map((finding) => [finding.resourceId, finding.action]),
    );
    expect(actions).toMatchObject({
      ready: 'in-place: 1 step, 0 need approval',
      legacy: 'staged: 7 steps, 3 need approval',
      durable: null,
    });
    expect(actions.tiered).toMatch(/^rebuild: data tiering/);
  });

  it('shows the same plan for one group in policy explain', async () => {
    const { out } = await cli(['policy', 'explain', ...live(), '--resource', 'legacy', '--format', 'table']);
    expect(out).toContain('plan: staged: 7 steps, 3 need approval');
    expect(out).toMatch(/1\. upgrade valkey 8\.0 to valkey 9\.0 \(unattended; ~45 min\)/);
    expect(out).toMatch(/4\. enable in-transit encryption .* \(needs approval; ~30 min\)/);
  });
});

describe('Command: scan --format asff | ocsf', () => {
  it('writes one ASFF finding per resource, rule and check, ready for BatchImportFindings', async () => {
    const { code, out } = await cli(['scan', ...live(), '--format', 'asff']);
    const findings = JSON.parse(out) as {
      SchemaVersion: string;
      Id: string;
      AwsAccountId: string;
      Compliance: { Status: string };
      Resources: { Type: string }[];
    }[];
    expect(code).toBe(EXIT.violations);
    expect(findings.length).toBeGreaterThan(0);
    expect(new Set(findings.map((finding) => finding.Id)).size).toBe(findings.length);
    for (const finding of findings) {
      expect(finding.SchemaVersion).toBe('2018-10-08');
      expect(finding.AwsAccountId).toMatch(/^\d{12}$/);
    }
    const legacy = findings.find((finding) => finding.Id.includes(':legacy/prod-durability/durability'));
    expect(legacy).toMatchObject({
      Compliance: { Status: 'FAILED' },
      Resources: [{ Type: 'AwsElastiCacheReplicationGroup' }],
    });
  });

  it('writes OCSF Compliance Findings, and refuses both formats where there are no findings', async () => {
    const ocsf = JSON.parse((await cli(['scan', ...live(), '--format', 'ocsf'])).out) as {
      class_uid: number;
    }[];
    expectEvery(ocsf, (finding) => finding.class_uid === 2003, 'OCSF findings');
    const plan = await cli(['plan', ...live(), '--format', 'asff']);
    expect(plan).toMatchObject({
      code: EXIT.usage,
      err: expect.stringContaining(
        "argument 'asff' is invalid. Allowed choices are table, json, csv, markdown, html.",
      ),
    });
  });

  it("gives a group's last soak (state table) in its JSON, and reads no table for a format that shows none", async () => {
    // Prepare: the soak the upgrade's outcome kept for `durable`.
    const plans = async (args: string[]) =>
      (JSON.parse((await cli(['plan', ...live(), ...args])).out) as { plans: Record<string, unknown>[] })
        .plans;
    const arn = String(
      (await plans(['--format', 'json'])).find((plan) => plan.resourceId === 'durable')?.arn,
    );
    const soak = {
      outcome: 'quiet' as const,
      series: [{ from: '2026-11-25T10:00:00.000Z', to: '2026-11-25T10:05:00.000Z', lagMs: 300 }],
    };
    await stack.store.putRecord(RECORD_KINDS.lastSoak, arn, {
      replicationGroupId: 'durable',
      arn,
      execution: 'durable-1',
      soak,
    });

    // Act
    const json = await plans(['--format', 'json']);
    const csv = await cli(['plan', ...live(), '--format', 'csv', '--table', 'no-such-table']);

    // Assess
    expect(json.find((plan) => plan.resourceId === 'durable')?.lastSoak).toEqual({
      replicationGroupId: 'durable',
      arn,
      execution: 'durable-1',
      soak,
    });
    expect(json.filter((plan) => plan.lastSoak !== undefined)).toHaveLength(1);
    expect(csv.code).toBe(EXIT.compliant);
  });
});
