/**
 * `guardrails scan --org --regions all` over the sandbox's organisation of 12 member accounts
 * (and the central one) in 3 regions: every target's findings, each exactly a single-account
 * scan's, every fleet request signed with its own target's key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, runCli } from '../../../cli/main.js';
import { CENTRAL_ACCOUNT, memberAccounts, SANDBOX_REGIONS } from '../../../infra/local/emulator/accounts.js';
import type { Finding } from '../../../shared/domain/finding.js';
import { captureIo } from '../../cli-io.js';
import type { Stack } from '../harness.js';
import { MEMBER_SCAN_POLICY, startMemberFleets, writePolicy } from './member-fleets.js';
import { memberScan } from './member-scan.js';

const MEMBERS = memberAccounts(12);
const ACCOUNTS = [CENTRAL_ACCOUNT, ...MEMBERS];
const REGIONS = SANDBOX_REGIONS.slice(0, 3);

type Located = Finding & { account: string; region: string };

let stack: Stack;
let policyPath: string;

beforeAll(async () => {
  stack = await startMemberFleets({ accounts: ACCOUNTS, regions: [...REGIONS], groups: 3, seed: 900 });
  policyPath = writePolicy(MEMBER_SCAN_POLICY);
});

afterAll(async () => {
  await stack.close();
});

describe('guardrails scan --org --regions all', () => {
  it('gives each of the 39 targets exactly the findings of a single-account scan of it', async () => {
    // Act
    const io = captureIo();
    const code = await runCli(
      ['scan', '--policy', policyPath, '--org', '--regions', 'all', '--format', 'json'],
      io,
    );
    const log = [...stack.emulator.faults.log];

    // Assess: the merged findings, target by target.
    const merged = (JSON.parse(io.out()) as { findings: Located[] }).findings;
    for (const account of ACCOUNTS)
      for (const region of REGIONS) {
        const own = merged.filter((finding) => finding.account === account && finding.region === region);
        const key = (finding: Finding) => `${finding.arn} ${finding.rule} ${finding.check}`;
        const sorted = (findings: Finding[]) => findings.map(key).sort();
        expect(own.length).toBeGreaterThan(0);
        expect(sorted(own)).toEqual(sorted(await memberScan(account, region, policyPath)));
      }
    expect(io.err()).toContain(`${ACCOUNTS.length * REGIONS.length} targets: 39 scanned`);
    expect(code).toBe(EXIT.violations);
    // Every fleet request was signed with the key issued for the account it acted in.
    const fleetCalls = log.filter((entry) => entry.service === 'elasticache' || entry.service === 'tagging');
    expect(fleetCalls.length).toBeGreaterThan(0);
    for (const entry of fleetCalls)
      expect(stack.emulator.accounts.issued(entry.accessKeyId)?.account).toBe(entry.account);
    expect(log.filter((entry) => entry.action === 'AssumeRole')).toHaveLength(ACCOUNTS.length);
  });

  it('scans only the accounts whose State is ACTIVE, and says on stderr which others it skipped', async () => {
    // Prepare: 6 of the 12 members are not ACTIVE (Organizations answers State alone).
    const states = {
      [MEMBERS[0] ?? '']: 'SUSPENDED',
      [MEMBERS[2] ?? '']: 'SUSPENDED',
      [MEMBERS[4] ?? '']: 'PENDING_CLOSURE',
      [MEMBERS[6] ?? '']: 'CLOSED',
      [MEMBERS[8] ?? '']: 'CLOSED',
      [MEMBERS[10] ?? '']: 'PENDING_ACTIVATION',
    } as const;
    const active = ACCOUNTS.filter((account) => !(account in states));
    stack.emulator.organization.configure({ states });

    // Act
    const io = captureIo();
    const code = await runCli(
      ['scan', '--policy', policyPath, '--org', '--regions', 'all', '--format', 'json'],
      io,
    ).finally(() => stack.emulator.organization.configure({ states: {} }));

    // Assess: the 7 ACTIVE accounts (the central one among them) x 3 regions, each target's
    // findings in its own account and region; the skipped ones counted by State.
    const merged = (JSON.parse(io.out()) as { findings: Located[] }).findings;
    expect(new Set(merged.map((finding) => `${finding.account}/${finding.region}`))).toEqual(
      new Set(active.flatMap((account) => REGIONS.map((region) => `${account}/${region}`))),
    );
    for (const finding of merged) expect(finding.arn).toContain(`:${finding.region}:${finding.account}:`);
    expect(io.err()).toContain(
      '21 targets: 21 scanned; 6 accounts skipped (2 CLOSED, 2 SUSPENDED, 1 PENDING_ACTIVATION, 1 PENDING_CLOSURE)',
    );
    expect(code).toBe(EXIT.violations);
  });
});
