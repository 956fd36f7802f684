/**
 * An operator scanning the organisation for real: infra/member-access.yaml deployed in every
 * account of a sandbox organisation of 12 accounts x 3 regions, its OperatorPrincipalArns naming
 * an IAM Identity Center permission set's role. That role scans every target through the
 * read-only operator role (the CLI's default); another permission set's role, or the operator
 * without the external id, is refused on every target; and nothing the read-only role may call
 * changes a group.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXIT, runCli } from '../../../cli/main.js';
import { CENTRAL_ACCOUNT, memberAccounts, SANDBOX_REGIONS } from '../../../infra/local/emulator/accounts.js';
import { seedFleet } from '../../../infra/local/emulator/fleet.js';
import { ACTIONS } from '../../../infra/local/emulator/model.js';
import { ORGANIZATION_ID } from '../../../infra/local/emulator/organizations.js';
import { DEFAULT_OPERATOR_ROLE } from '../../../shared/domain/targets.js';
import { captureIo } from '../../cli-io.js';
import { type Stack, startStack } from '../harness.js';

const POLICY = `version: 1
rules:
  - name: prod-durability
    match: { resourceTypes: [replication-group] }
    durability: { minimum: async }
`;
const ACCOUNTS = [CENTRAL_ACCOUNT, ...memberAccounts(11)];
const REGIONS = SANDBOX_REGIONS.slice(0, 3);
const EXTERNAL_ID = 'operator-external-id-0123';
/**
 * Where IAM Identity Center creates the permission sets' roles the operators sign in with: the
 * management account (Organizations answers ListAccounts there).
 */
const SSO_ACCOUNT = CENTRAL_ACCOUNT;
const sso = (permissionSet: string) =>
  `arn:aws:iam::${SSO_ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_${permissionSet}_0123456789abcdef`;
const OPERATOR_KEY = 'AKIAOPERATOR00000001';
const STRANGER_KEY = 'AKIASTRANGER00000001';
const MUTATING = Object.keys(ACTIONS).filter((action) => !/^(Describe|List)/.test(action));

let stack: Stack;
let policyPath: string;

beforeAll(async () => {
  stack = await startStack({ targets: { accounts: ACCOUNTS, regions: [...REGIONS] } });
  stack.emulator.accounts.pairs().forEach(({ model }, index) => {
    seedFleet(model, stack.emulator.clock, { groups: 2, serverless: 1, seed: 700 + index });
  });
  stack.emulator.accounts.configure({
    memberStack: {
      OrganizationId: ORGANIZATION_ID,
      ExternalId: EXTERNAL_ID,
      RemediationEnabled: 'true',
      OperatorPrincipalArns: `arn:aws:iam::${SSO_ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_GuardrailsOperator_*`,
    },
    principals: { [OPERATOR_KEY]: sso('GuardrailsOperator'), [STRANGER_KEY]: sso('Developer') },
  });
  Object.assign(process.env, stack.env);
  policyPath = join(mkdtempSync(join(tmpdir(), 'guardrails-operator-')), 'policy.yaml');
  writeFileSync(policyPath, POLICY);
});

afterEach(() => {
  vi.unstubAllEnvs();
  stack.emulator.faults.log.length = 0;
});

afterAll(async () => {
  await stack.close();
});

/** `guardrails scan --org --regions all` signed with `accessKeyId`, the external id from the environment. */
async function scanAs(accessKeyId: string, externalId: string | undefined) {
  vi.stubEnv('AWS_ACCESS_KEY_ID', accessKeyId);
  vi.stubEnv('GUARDRAILS_EXTERNAL_ID', externalId ?? '');
  const io = captureIo();
  const code = await runCli(
    ['scan', '--policy', policyPath, '--org', '--regions', 'all', '--format', 'json'],
    io,
  );
  return { code, io, log: [...stack.emulator.faults.log] };
}

describe('Operator access through the member-access stack', () => {
  it('lets the operator permission set scan every one of the 12 x 3 targets through the read-only role', async () => {
    // Act
    const { code, io, log } = await scanAs(OPERATOR_KEY, EXTERNAL_ID);

    // Assess: every target read, each with a key of the operator role in its own account.
    const findings = (JSON.parse(io.out()) as { findings: { account: string; region: string }[] }).findings;
    expect(new Set(findings.map((finding) => `${finding.account}/${finding.region}`))).toEqual(
      new Set(ACCOUNTS.flatMap((account) => REGIONS.map((region) => `${account}/${region}`))),
    );
    expect(io.err()).toContain('36 targets: 36 scanned');
    expect(code).toBe(EXIT.violations);
    const fleetCalls = log.filter((entry) => entry.service === 'elasticache' || entry.service === 'tagging');
    for (const entry of fleetCalls) {
      const issued = stack.emulator.accounts.issued(entry.accessKeyId);
      expect(issued?.roleArn).toBe(`arn:aws:iam::${entry.account}:role/${DEFAULT_OPERATOR_ROLE}`);
    }
    expect(log.filter((entry) => entry.fault !== undefined)).toEqual([]);
  });

  it.each([
    ['another permission set', STRANGER_KEY, EXTERNAL_ID],
    ['the operator without the external id', OPERATOR_KEY, undefined],
    ['the operator with another external id', OPERATOR_KEY, 'another-external-id-0123'],
  ])('refuses %s on every target, before any fleet request', async (_name, key, externalId) => {
    // Act
    const { code, io, log } = await scanAs(key, externalId);

    // Assess: one AssumeRole per account, each AccessDenied; no request reached a fleet.
    const assumed = log.filter((entry) => entry.action === 'AssumeRole');
    expect(assumed).toHaveLength(ACCOUNTS.length);
    expect(assumed.every((entry) => entry.fault === 'AccessDenied')).toBe(true);
    expect(log.filter((entry) => entry.service === 'elasticache' || entry.service === 'tagging')).toEqual([]);
    expect(io.err()).toContain(`${ACCOUNTS.length} failed`);
    expect(code).toBe(EXIT.aws);
  });

  it('refuses every ElastiCache action but the reads to the read-only role, and no group changes', async () => {
    // Prepare: the operator role's credentials in a member account, and a group there.
    const account = memberAccounts(3)[2] ?? '';
    const region = REGIONS[0] ?? '';
    const sts = new STSClient({
      region,
      endpoint: stack.emulator.endpoint,
      credentials: { accessKeyId: OPERATOR_KEY, secretAccessKey: 'sandbox' },
    });
    const { Credentials: key } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${account}:role/${DEFAULT_OPERATOR_ROLE}`,
        RoleSessionName: 'operator',
        ExternalId: EXTERNAL_ID,
      }),
    );
    const model = stack.emulator.accounts.fleetOf(account, region);
    const state = () => JSON.stringify({ groups: [...model.groups], snapshots: [...model.snapshots] });
    const [groupId] = model.groups.keys();
    const before = state();

    // Act: every mutating action the emulator knows, naming the group, signed with that key.
    const faults = await Promise.all(
      MUTATING.map(async (action) => {
        const body = new URLSearchParams({
          Action: action,
          Version: '2015-02-02',
          ReplicationGroupId: groupId ?? '',
          SnapshotName: 'operator-snapshot',
          ApplyImmediately: 'true',
        });
        const response = await fetch(stack.emulator.endpoint, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `AWS4-HMAC-SHA256 Credential=${key?.AccessKeyId}/20261125/${region}/elasticache/aws4_request, SignedHeaders=host, Signature=0`,
            'x-amz-security-token': key?.SessionToken ?? '',
          },
        });
        return { action, status: response.status, body: await response.text() };
      }),
    );

    // Assess
    expect(MUTATING.length).toBeGreaterThan(15);
    for (const fault of faults) {
      expect(fault.status, fault.action).toBe(403);
      expect(fault.body, fault.action).toContain('<Code>AccessDenied</Code>');
    }
    stack.emulator.clock.advance(3_600_000);
    model.tick();
    expect(state()).toBe(before);
  });
});
