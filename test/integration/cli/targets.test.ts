/**
 * The CLI over many accounts and regions, against the sandbox: 3 member accounts x 2 regions,
 * each pair with its own seeded fleet, reached through STS AssumeRole with the real SDK.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../cli/main.js';
import { CENTRAL_ACCOUNT, memberAccounts } from '../../../infra/local/emulator/accounts.js';
import type { Finding } from '../../../shared/domain/finding.js';
import { runCaptured } from '../../cli-io.js';
import { expectEvery } from '../../expect-every.js';
import type { Stack } from '../harness.js';
import { MEMBER_SCAN_POLICY, startMemberFleets, writePolicy } from './member-fleets.js';
import { memberScan } from './member-scan.js';

/** A policy every resource meets: what is left to decide the exit code is the targets. */
const LENIENT = `version: 1
rules:
  - name: anything
    match: { resourceTypes: [replication-group] }
    durability: { minimum: disabled }
`;
const MEMBERS = memberAccounts(3);
const [FIRST = '', SECOND = '', THIRD = ''] = MEMBERS;
const REGIONS = ['us-east-1', 'eu-west-1'];
const EXTERNAL_ID = 'guardrails-ext-7f3a9c2e51';

type Located = Finding & { account: string; region: string };

let stack: Stack;
let policyPath: string;
let lenientPath: string;

const cli = (args: string[]) => runCaptured(args);

const targets = [
  '--accounts',
  MEMBERS.join(','),
  '--regions',
  REGIONS.join(','),
  '--external-id',
  EXTERNAL_ID,
];
const key = (finding: Finding) => `${finding.arn} ${finding.rule} ${finding.check}`;
const byKey = (findings: readonly Finding[]) => [...findings].sort((a, b) => key(a).localeCompare(key(b)));

beforeAll(async () => {
  stack = await startMemberFleets({
    accounts: [CENTRAL_ACCOUNT, ...MEMBERS],
    regions: REGIONS,
    groups: 4,
    seed: 500,
    externalId: EXTERNAL_ID,
  });
  const dir = mkdtempSync(join(tmpdir(), 'guardrails-targets-'));
  policyPath = writePolicy(MEMBER_SCAN_POLICY, dir);
  lenientPath = join(dir, 'lenient.yaml');
  writeFileSync(lenientPath, LENIENT);
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.emulator.faults.reset();
  stack.emulator.accounts.configure({ deny: [], throttle: [], disabledRegions: [], externalId: EXTERNAL_ID });
});

describe('guardrails scan over accounts x regions', () => {
  it('gives each target exactly the findings of a single-account scan of it, with its account and region', async () => {
    const { code, out, err } = await cli(['scan', '--policy', policyPath, ...targets, '--format', 'json']);

    const merged = (JSON.parse(out) as { findings: Located[] }).findings;
    for (const account of MEMBERS)
      for (const region of REGIONS) {
        const own = merged.filter((finding) => finding.account === account && finding.region === region);
        expect(own.length).toBeGreaterThan(0);
        expectEvery(own, (finding) => finding.arn.includes(`:${region}:${account}:`), `${account} ${region}`);
        expect(byKey(own)).toEqual(byKey(await memberScan(account, region, policyPath, EXTERNAL_ID)));
      }
    expectEvery(merged, (finding) => MEMBERS.includes(finding.account), 'merged findings');
    expect(code).toBe(EXIT.violations);
    expect(err).toContain('6 targets: 6 scanned');
    expect(`${out}${err}`).not.toContain(EXTERNAL_ID);
  });

  it('signs every fleet request with its target\u2019s own credentials, one AssumeRole per account', async () => {
    await cli(['scan', '--policy', policyPath, ...targets, '--format', 'json']);

    const log = stack.emulator.faults.log;
    const fleetCalls = log.filter((entry) => entry.service === 'elasticache' || entry.service === 'tagging');
    const keys = new Map<string, Set<string>>();
    for (const entry of fleetCalls) {
      expect(stack.emulator.accounts.issued(entry.accessKeyId)?.account).toBe(entry.account);
      keys.set(entry.account, (keys.get(entry.account) ?? new Set()).add(entry.accessKeyId ?? ''));
    }
    const pairs = new Set(fleetCalls.map((entry) => `${entry.account}/${entry.region}`));
    expect([...pairs].sort()).toEqual(
      MEMBERS.flatMap((account) => REGIONS.map((region) => `${account}/${region}`)).sort(),
    );
    expect([...keys.values()].map((each) => each.size)).toEqual([1, 1, 1]);
    expect(log.filter((entry) => entry.action === 'AssumeRole')).toHaveLength(MEMBERS.length);
  });

  it('prints account and region columns in a table, under which it counts the targets', async () => {
    const { out } = await cli(['scan', '--policy', policyPath, ...targets, '--format', 'table']);

    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^account\s+region\s+resourceType\s+resourceId/);
    expectEvery(
      lines.slice(1, -2),
      (line) => MEMBERS.some((account) => line.startsWith(account)),
      'table rows',
    );
    expect(lines.at(-1)).toBe('6 targets: 6 scanned');
  });

  it('scans the caller\u2019s own account in the listed regions with --regions alone, no role assumed', async () => {
    const { out } = await cli([
      'scan',
      '--policy',
      policyPath,
      '--regions',
      REGIONS.join(','),
      '--format',
      'json',
    ]);

    const findings = (JSON.parse(out) as { findings: Located[] }).findings;
    expect(new Set(findings.map((finding) => `${finding.account}/${finding.region}`))).toEqual(
      new Set(REGIONS.map((region) => `${CENTRAL_ACCOUNT}/${region}`)),
    );
    expect(stack.emulator.faults.log.filter((entry) => entry.action === 'AssumeRole')).toHaveLength(0);
  });

  it('gives a denied role, a throttled STS and a disabled region one error finding each; every other target complete', async () => {
    // Prepare
    stack.emulator.accounts.configure({
      deny: [FIRST],
      throttle: [SECOND],
      disabledRegions: [{ account: THIRD, region: 'eu-west-1' }],
    });
    const withRegion = [
      '--accounts',
      MEMBERS.join(','),
      '--regions',
      REGIONS.join(','),
      '--external-id',
      EXTERNAL_ID,
    ];

    // Act: a policy every resource meets, so only the targets decide the exit code.
    const lenient = await cli(['scan', '--policy', lenientPath, ...withRegion, '--format', 'json']);

    // Assess
    const findings = (JSON.parse(lenient.out) as { findings: Located[] }).findings;
    const errors = findings.filter((finding) => finding.status === 'error' && finding.check === 'target');
    expect(errors.map((finding) => [finding.resourceId, finding.observed])).toEqual([
      [`${FIRST}/eu-west-1`, 'AccessDenied'],
      [`${FIRST}/us-east-1`, 'AccessDenied'],
      [`${SECOND}/eu-west-1`, 'Throttling'],
      [`${SECOND}/us-east-1`, 'Throttling'],
      [`${THIRD}/eu-west-1`, 'InvalidClientTokenId'],
    ]);
    expect(errors[0]?.reason).toContain('cannot be assumed');
    expect(errors[2]?.reason).toContain('STS throttled AssumeRole');
    expect(errors[4]?.reason).toContain(`region eu-west-1 is not enabled in account ${THIRD}`);
    const complete = findings.filter((finding) => finding.check !== 'target');
    expect(new Set(complete.map((finding) => `${finding.account}/${finding.region}`))).toEqual(
      new Set([`${THIRD}/us-east-1`]),
    );
    expect(lenient.code).toBe(EXIT.aws);
    expect(lenient.err).toContain('6 targets: 1 scanned, 5 failed');
    expect(`${lenient.out}${lenient.err}`).not.toContain(EXTERNAL_ID);
    // STS throttling is retried with backoff (5 attempts) before the target is given up.
  }, 30_000);

  it('never prints the external id, even when the member refuses it', async () => {
    stack.emulator.accounts.configure({ externalId: 'another-external-id' });

    const formats = await Promise.all(
      ['json', 'table', 'csv', 'markdown', 'html'].map((format) =>
        cli(['scan', '--policy', policyPath, ...targets, '--format', format, '--debug']),
      ),
    );

    for (const { code, out, err } of formats) {
      expect(code).toBe(EXIT.aws);
      expect(out).toContain('AccessDenied');
      expect(`${out}${err}`).not.toContain(EXTERNAL_ID);
    }
  });

  it('scans the organisation\u2019s accounts of an OU in each account\u2019s enabled regions', async () => {
    stack.emulator.organization.configure({
      units: [{ id: 'ou-sbx1-prod0001', name: 'Production', parentId: 'r-sbx1', accounts: [FIRST, SECOND] }],
    });
    stack.emulator.accounts.configure({ disabledRegions: [{ account: SECOND, region: 'eu-west-1' }] });

    const { out, err } = await cli([
      'scan',
      '--policy',
      policyPath,
      '--org',
      '--ou',
      'ou-sbx1-prod0001',
      '--exclude',
      FIRST,
      '--regions',
      'all',
      '--external-id',
      EXTERNAL_ID,
      '--format',
      'json',
    ]);

    const findings = (JSON.parse(out) as { findings: Located[] }).findings;
    expect(new Set(findings.map((finding) => `${finding.account}/${finding.region}`))).toEqual(
      new Set([`${SECOND}/us-east-1`]),
    );
    expect(err).toContain('1 targets: 1 scanned');
  });

  it('gives each ASFF finding its own account and region, and leaves a failed target\u2019s error out', async () => {
    stack.emulator.accounts.configure({ deny: [FIRST] });

    const { code, out } = await cli(['scan', '--policy', policyPath, ...targets, '--format', 'asff']);

    const imported = JSON.parse(out) as Array<{
      AwsAccountId: string;
      Region: string;
      ProductArn: string;
      Resources: Array<{ Id: string }>;
    }>;
    expect(new Set(imported.map((finding) => `${finding.AwsAccountId}/${finding.Region}`))).toEqual(
      new Set([SECOND, THIRD].flatMap((account) => REGIONS.map((region) => `${account}/${region}`))),
    );
    for (const finding of imported) {
      expect(finding.ProductArn).toBe(
        `arn:aws:securityhub:${finding.Region}:${finding.AwsAccountId}:product/${finding.AwsAccountId}/default`,
      );
      expect(finding.Resources[0]?.Id).toContain(`:${finding.Region}:${finding.AwsAccountId}:`);
    }
    expect(code).toBe(EXIT.violations);
  });

  it('plans every target\u2019s groups, each row with its account and region', async () => {
    const { code, out, err } = await cli(['plan', '--policy', policyPath, ...targets, '--format', 'json']);

    const { plans, targets: counted } = JSON.parse(out) as {
      plans: Array<{ account: string; region: string; arn: string }>;
      targets: { total: number; failed: number };
    };
    const groups = MEMBERS.flatMap((account) =>
      REGIONS.flatMap((region) => {
        const model = stack.emulator.fleetOf(account, region);
        return [...model.groups.keys()].map((id) => model.arn('replicationgroup', id));
      }),
    );
    expect(plans.map((plan) => plan.arn).sort()).toEqual(groups.sort());
    expectEvery(plans, (plan) => plan.arn.includes(`:${plan.region}:${plan.account}:`), 'plans');
    expect(counted).toEqual({ total: 6, failed: 0 });
    expect(code).toBe(EXIT.compliant);
    expect(err).toContain('6 targets: 6 scanned');
  });
});
