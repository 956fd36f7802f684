/**
 * `guardrails scan --security-hub` against the sandbox: each member target's findings go into
 * Security Hub in that member's own account, in calls of at most 100, and a second scan of an
 * unchanged fleet imports nothing (the records are in the state table, as the deployment keeps them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../../cli/main.js';
import { CENTRAL_ACCOUNT, memberAccounts } from '../../../infra/local/emulator/accounts.js';
import { runCaptured } from '../../cli-io.js';
import type { Stack } from '../harness.js';
import { MEMBER_SCAN_POLICY, startMemberFleets, writePolicy } from './member-fleets.js';

const MEMBERS = memberAccounts(2);
const REGION = 'eu-west-1';
const EXTERNAL_ID = 'guardrails-ext-5c1d7e9a03';
const targets = ['--accounts', MEMBERS.join(','), '--regions', REGION, '--external-id', EXTERNAL_ID];

let stack: Stack;
let policyPath: string;

const cli = (args: string[]) => runCaptured(args);

beforeAll(async () => {
  stack = await startMemberFleets({
    accounts: [CENTRAL_ACCOUNT, ...MEMBERS],
    regions: [REGION],
    groups: 55,
    seed: 700,
    externalId: EXTERNAL_ID,
  });
  policyPath = writePolicy(MEMBER_SCAN_POLICY);
});

afterAll(async () => {
  await stack.close();
});

describe('guardrails scan --security-hub', () => {
  it("imports each target's findings into its own account, in calls of at most 100, and nothing when unchanged", async () => {
    // Act
    const first = await cli([
      'scan',
      '--policy',
      policyPath,
      ...targets,
      '--format',
      'json',
      '--security-hub',
    ]);
    const callsAfterFirst = stack.emulator.securityHub.imports.length;
    stack.emulator.clock.freeze(stack.emulator.clock.now() + 3_600_000);
    const second = await cli([
      'scan',
      '--policy',
      policyPath,
      ...targets,
      '--format',
      'json',
      '--security-hub',
    ]);

    // Assess
    expect(first.code).toBe(EXIT.violations);
    const findings = (JSON.parse(first.out) as { findings: { arn: string }[] }).findings;
    for (const account of MEMBERS) {
      const own = findings.filter((finding) => finding.arn.includes(`:${REGION}:${account}:`));
      const calls = stack.emulator.securityHub.imports.filter((call) => call.account === account);
      expect(calls.map((call) => call.findings.length)).toEqual([100, own.length - 100]);
      expect(calls.every((call) => call.region === REGION && call.failed.length === 0)).toBe(true);
      const held = stack.emulator.securityHub.findings(account, REGION);
      expect([...held.values()].every((asff) => asff.AwsAccountId === account)).toBe(true);
      expect(held.size).toBe(own.length);
      expect(first.err).toContain(`Security Hub ${account}/${REGION}: ${own.length} imported, 0 archived`);
    }
    expect(stack.emulator.securityHub.findings(CENTRAL_ACCOUNT, REGION).size).toBe(0);
    expect(stack.emulator.securityHub.imports.length).toBe(callsAfterFirst);
    expect(second.code).toBe(EXIT.violations);
    expect(second.err).toContain('0 imported, 0 archived');
  });

  it('refuses --security-hub with --input before any call', async () => {
    // Prepare
    const requests = stack.emulator.faults.log.length;

    // Act
    const { code, err } = await cli([
      'scan',
      '--policy',
      policyPath,
      '--input',
      policyPath,
      '--security-hub',
    ]);

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(err).toContain('--security-hub imports a live scan: it takes no --input');
    expect(stack.emulator.faults.log.length).toBe(requests);
  });
});
