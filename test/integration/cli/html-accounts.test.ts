/**
 * The HTML report grouped by account and region, in headless Chromium: a scan of 3 member
 * accounts x 2 regions of the sandbox (through STS AssumeRole, as an operator runs it) shows one
 * group per account with its counts, the same counts in the summary table at the top, and a
 * target that could not be scanned in its own account's group; a report of 10 000 findings
 * renders, runs its script, and filters down to one account's groups.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../../cli/html.js';
import { runCli } from '../../../cli/main.js';
import { CENTRAL_ACCOUNT, memberAccounts } from '../../../infra/local/emulator/accounts.js';
import { summarize } from '../../../shared/domain/evaluate.js';
import type { Finding, FindingStatus } from '../../../shared/domain/finding.js';
import { captureIo } from '../../cli-io.js';
import { expectEvery } from '../../expect-every.js';
import type { Stack } from '../harness.js';
import { accountGroupsOf, accountsTableOf, CHROMIUM, chromium } from './chromium.js';
import { MEMBER_SCAN_POLICY, startMemberFleets, writePolicy } from './member-fleets.js';

const MEMBERS = memberAccounts(3);
const REGIONS = ['us-east-1', 'eu-west-1'];
const EXTERNAL_ID = 'guardrails-ext-5b2e81c04d';
/** The summary table's status columns, in its order. */
const COLUMNS: readonly FindingStatus[] = [
  'violation',
  'degraded',
  'error',
  'unknown',
  'exempt',
  'compliant',
];

type Located = Finding & { account: string; region: string };

/** What a group's heading and its summary row must say of these findings. */
function countsOf(findings: readonly Finding[]) {
  const { byStatus, total } = summarize(findings);
  return { total, byStatus };
}

/** The heading says the total and each non-zero status count. */
function expectHeading(heading: string, findings: readonly Finding[]) {
  const { total, byStatus } = countsOf(findings);
  expect(heading).toContain(`${total} ${total === 1 ? 'finding' : 'findings'}:`);
  for (const status of COLUMNS) {
    if (byStatus[status] > 0) expect(heading).toContain(`${byStatus[status]} ${status}`);
    else expect(heading).not.toContain(` ${status}`);
  }
}

describe.runIf(CHROMIUM !== undefined)('HTML report of a scan over 3 accounts x 2 regions', () => {
  let stack: Stack;
  let dir: string;
  let policy: string;
  const saved = { ...process.env };

  async function scan(format: 'json' | 'html', output?: string) {
    const io = captureIo();
    const args = [
      'scan',
      '--policy',
      policy,
      '--accounts',
      MEMBERS.join(','),
      '--regions',
      REGIONS.join(','),
    ];
    args.push('--external-id', EXTERNAL_ID, '--format', format, ...(output ? ['--output', output] : []));
    const code = await runCli(args, io);
    return { code, out: io.out(), err: io.err() };
  }

  beforeAll(async () => {
    stack = await startMemberFleets({
      accounts: [CENTRAL_ACCOUNT, ...MEMBERS],
      regions: REGIONS,
      groups: 4,
      seed: 700,
      externalId: EXTERNAL_ID,
    });
    dir = mkdtempSync(join(tmpdir(), 'guardrails-html-accounts-'));
    policy = writePolicy(MEMBER_SCAN_POLICY, dir);
  });

  afterAll(async () => {
    process.env = saved;
    await stack.close();
  });

  it('shows one group per account, with its counts, and the same counts in the summary at the top', async () => {
    // Prepare: the same scan as JSON says what each account holds.
    const json = await scan('json');
    const findings = (JSON.parse(json.out) as { findings: Located[] }).findings;
    const report = join(dir, 'report.html');
    const html = await scan('html', report);
    expect(html.err).toBe(json.err);
    expect(html.code).toBe(json.code);

    // Act
    const dom = await chromium(dir, '--dump-dom', `file://${report}`);

    // Assess: one group per account, each with one group per region.
    const groups = accountGroupsOf(dom);
    expect(groups.map((group) => group.name).sort()).toEqual([...MEMBERS].sort());
    for (const group of groups) {
      const own = findings.filter((finding) => finding.account === group.name);
      expect(group.hidden).toBe(false);
      expect(group.heading.startsWith(group.name)).toBe(true);
      expectHeading(group.heading, own);
      expect(group.rows).toHaveLength(own.length);
      expect(group.regions.map((region) => region.name).sort()).toEqual([...REGIONS].sort());
      for (const region of group.regions) {
        const inRegion = own.filter((finding) => finding.region === region.name);
        expectHeading(region.heading, inRegion);
        expect(region.rows).toHaveLength(inRegion.length);
        expect(region.open).toBe(
          countsOf(inRegion).byStatus.violation > 0 || countsOf(inRegion).byStatus.unknown > 0,
        );
      }
    }
    // The summary table: one row per account, in the groups' order, with the same counts.
    const table = accountsTableOf(dom);
    expect(table.map(([account]) => account)).toEqual(groups.map((group) => group.name));
    for (const [account = '', regions, total, ...counts] of table) {
      const own = countsOf(findings.filter((finding) => finding.account === account));
      expect(regions).toBe([...REGIONS].sort().join(', '));
      expect(Number(total)).toBe(own.total);
      expect(counts.map(Number)).toEqual(COLUMNS.map((status) => own.byStatus[status]));
    }
    expect(dom).toContain(`${findings.length} of ${findings.length} findings shown`);
  });

  it('shows a target that could not be scanned in its account, naming the error', async () => {
    // Prepare: the third account's role refuses to be assumed.
    const denied = MEMBERS[2] ?? '';
    stack.emulator.accounts.configure({
      deny: [denied],
      throttle: [],
      disabledRegions: [],
      externalId: EXTERNAL_ID,
    });
    const report = join(dir, 'denied.html');
    const html = await scan('html', report);
    stack.emulator.accounts.configure({
      deny: [],
      throttle: [],
      disabledRegions: [],
      externalId: EXTERNAL_ID,
    });
    expect(html.code).not.toBe(0);

    // Act
    const groups = accountGroupsOf(await chromium(dir, '--dump-dom', `file://${report}`));

    // Assess: its group comes first (errors before compliance) and each region says why.
    const group = groups.find((candidate) => candidate.name === denied);
    expect(groups.map((candidate) => candidate.name).sort()).toEqual([...MEMBERS].sort());
    expect(group?.open).toBe(true);
    expect(group?.regions.map((region) => region.name).sort()).toEqual([...REGIONS].sort());
    expectEvery(
      group?.regions ?? [],
      (region) => /not scanned: AccessDenied/.test(region.heading),
      'regions',
    );
  });
});

describe.runIf(CHROMIUM !== undefined)('HTML report of 10 000 findings', () => {
  const ACCOUNTS = Array.from({ length: 25 }, (_, index) => String(100000000000 + index * 7919));
  const REGIONS_10K = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'sa-east-1'];
  const STATUSES: readonly FindingStatus[] = ['compliant', 'compliant', 'violation', 'compliant', 'exempt'];
  let dir: string;
  let report: string;
  let findings: Finding[];

  beforeAll(() => {
    findings = Array.from({ length: 10_000 }, (_, index): Finding => {
      const account = ACCOUNTS[index % ACCOUNTS.length] ?? '';
      const region = REGIONS_10K[Math.floor(index / ACCOUNTS.length) % REGIONS_10K.length] ?? '';
      const id = `group-${String(index).padStart(5, '0')}`;
      return {
        resourceType: 'replication-group',
        resourceId: id,
        arn: `arn:aws:elasticache:${region}:${account}:replicationgroup:${id}`,
        rule: index % 2 === 0 ? 'prod-durability' : 'encrypted-at-rest',
        check: index % 2 === 0 ? 'durability' : 'storageEncryption',
        status: STATUSES[Math.floor(index / 100) % STATUSES.length] ?? 'compliant',
        expected: 'sync',
        observed: 'disabled',
        reason: `${id} has durability disabled`,
        action: null,
      };
    });
    dir = mkdtempSync(join(tmpdir(), 'guardrails-html-10k-'));
    report = join(dir, 'report.html');
    writeFileSync(
      report,
      renderHtmlReport({ summary: summarize(findings), findings }, { scannedAt: new Date() }),
    );
  });

  it('renders every group with its counts and runs its script over every row', async () => {
    // Act
    const dom = await chromium(dir, '--dump-dom', `file://${report}`);

    // Assess
    const groups = accountGroupsOf(dom);
    expect(groups.map((group) => group.name).sort()).toEqual([...ACCOUNTS].sort());
    for (const group of groups) {
      const own = findings.filter((finding) => finding.arn.includes(`:${group.name}:`));
      expectHeading(group.heading, own);
      expect(group.rows).toHaveLength(own.length);
      expect(group.regions).toHaveLength(REGIONS_10K.length);
    }
    expect(accountsTableOf(dom)).toHaveLength(ACCOUNTS.length);
    expect(dom).toContain('10000 of 10000 findings shown');
  });

  it("filters down to one account's groups, each saying how many of its rows show", async () => {
    // Prepare
    const account = ACCOUNTS[3] ?? '';
    const own = findings.filter((finding) => finding.arn.includes(`:${account}:`));
    const shown = own.filter((finding) => finding.status !== 'compliant');

    // Act
    const dom = await chromium(dir, '--dump-dom', `file://${report}#filter=${account}&hide=compliant`);

    // Assess
    const groups = accountGroupsOf(dom);
    expect(groups.filter((group) => !group.hidden).map((group) => group.name)).toEqual([account]);
    const group = groups.find((candidate) => candidate.name === account);
    expect(group?.heading).toContain(`${shown.length} of ${own.length} shown`);
    expect(group?.rows.filter((row) => !row.hidden)).toHaveLength(shown.length);
    expect(dom).toContain(`${shown.length} of 10000 findings shown`);
  });
});
