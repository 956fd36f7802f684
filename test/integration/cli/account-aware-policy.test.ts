/**
 * Account-aware rules and exemptions over the sandbox's organisation: the same group names in
 * three accounts (one at the root, one in a Production OU, one in an OU beneath it) and two
 * regions. `match.accounts`, `match.ous` and `match.regions` select exactly their targets'
 * groups; an ARN-glob exemption exempts one account's groups and no other's; a bare-id
 * exemption in a policy with targets is refused with its line.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../../cli/main.js';
import { CENTRAL_ACCOUNT } from '../../../infra/local/emulator/accounts.js';
import { ROOT_ID } from '../../../infra/local/emulator/organizations.js';
import type { Finding } from '../../../shared/domain/finding.js';
import { runCaptured } from '../../cli-io.js';
import { groupState, type Stack, startStack } from '../harness.js';

const PROD = '222222222201';
const PAYMENTS = '222222222202';
const ACCOUNTS = [CENTRAL_ACCOUNT, PROD, PAYMENTS];
const REGIONS = ['us-east-1', 'eu-west-1'];
const PROD_OU = 'ou-sbx1-prod0001';
const PAYMENTS_OU = 'ou-sbx1-paym0001';
const GROUPS = ['g-1', 'g-2', 'other-1'];

const policyText = (exemptions: string) => `version: 1
settings:
  targets: { organization: {}, regions: [${REGIONS.join(', ')}] }
rules:
  - name: by-account
    match: { accounts: ['${PROD}'] }
    durability: { minimum: async }
  - name: by-ou
    match: { ous: [${PAYMENTS_OU}] }
    durability: { minimum: async }
  - name: by-parent-ou
    match: { ous: [${PROD_OU}] }
    durability: { minimum: async }
  - name: by-region
    match: { regions: [eu-west-1] }
    durability: { minimum: async }
exemptions:
${exemptions}`;

type Located = Finding & { account: string; region: string };

let stack: Stack;
let dir: string;

beforeAll(async () => {
  stack = await startStack({ targets: { accounts: ACCOUNTS, regions: REGIONS } });
  stack.emulator.organization.configure({
    units: [
      { id: PROD_OU, name: 'Production', parentId: ROOT_ID, accounts: [PROD] },
      { id: PAYMENTS_OU, name: 'Payments', parentId: PROD_OU, accounts: [PAYMENTS] },
    ],
  });
  for (const account of ACCOUNTS)
    for (const region of REGIONS)
      for (const id of GROUPS) stack.emulator.fleetOf(account, region).putGroup(groupState(id));
  Object.assign(process.env, stack.env);
  dir = mkdtempSync(join(tmpdir(), 'guardrails-account-aware-'));
});

afterAll(async () => {
  await stack.close();
});

const cli = (args: string[]) => runCaptured(args);

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** `<account>/<region>/<id>` of each finding of `rule`, sorted. */
const where = (findings: Located[], rule: string, status?: string) =>
  findings
    .filter((finding) => finding.rule === rule && (status === undefined || finding.status === status))
    .map((finding) => `${finding.account}/${finding.region}/${finding.resourceId}`)
    .sort();

const every = (accounts: string[], regions: string[], ids: string[]) =>
  accounts
    .flatMap((account) => regions.flatMap((region) => ids.map((id) => `${account}/${region}/${id}`)))
    .sort();

describe('An account-aware policy over an organisation', () => {
  it("exempts exactly one account's g-* groups by ARN glob; accounts, OUs and regions select exactly their targets", async () => {
    // Prepare
    const path = write(
      'policy.yaml',
      policyText(`  - resource: "arn:aws:elasticache:*:${PROD}:replicationgroup:g-*"
    until: 2099-12-31
    reason: legacy groups of the production account
`),
    );

    // Act
    const { code, out } = await cli(['scan', '--policy', path, '--format', 'json']);
    const findings = (JSON.parse(out) as { findings: Located[] }).findings;

    // Assess
    expect(code).toBe(EXIT.violations);
    expect(where(findings, 'by-account')).toEqual(every([PROD], REGIONS, GROUPS));
    expect(where(findings, 'by-ou')).toEqual(every([PAYMENTS], REGIONS, GROUPS));
    expect(where(findings, 'by-parent-ou')).toEqual(every([PROD, PAYMENTS], REGIONS, GROUPS));
    expect(where(findings, 'by-region')).toEqual(every(ACCOUNTS, ['eu-west-1'], GROUPS));
    expect(where(findings, 'by-region', 'exempt')).toEqual(every([PROD], ['eu-west-1'], ['g-1', 'g-2']));
    expect(where(findings, 'by-account', 'exempt')).toEqual(every([PROD], REGIONS, ['g-1', 'g-2']));
    const exempt = findings.filter((finding) => finding.status === 'exempt');
    expect(new Set(exempt.map((finding) => finding.account))).toEqual(new Set([PROD]));
    expect(where(findings, 'by-ou', 'exempt')).toEqual([]);
  });

  it('refuses a bare-id exemption in a policy with targets, naming its line, before any call', async () => {
    // Prepare
    const path = write(
      'bare.yaml',
      policyText(`  - resource: g-1
    until: 2099-12-31
    reason: ambiguous
`),
    );
    const calls = stack.emulator.faults.log.length;

    // Act
    const validate = await cli(['policy', 'validate', path]);
    const scan = await cli(['scan', '--policy', path, '--format', 'json']);

    // Assess
    const line = policyText('').split('\n').length;
    expect(validate.code).toBe(EXIT.usage);
    expect(validate.err).toMatch(
      new RegExp(
        `bare\\.yaml:${line} exemptions\\[0\\]\\.resource: ambiguous: the id "g-1" names a resource in every account and region`,
      ),
    );
    expect(scan.code).toBe(EXIT.usage);
    expect(stack.emulator.faults.log.length).toBe(calls);
  });

  it('says why match.ous cannot match in a single-account scan: validate notes it, explain names it', async () => {
    // Prepare
    const path = write(
      'single.yaml',
      `version: 1
rules:
  - name: by-ou
    match: { ous: [${PROD_OU}] }
    durability: { minimum: async }
`,
    );

    // Act
    const validate = await cli(['policy', 'validate', path]);
    const explain = await cli([
      'policy',
      'explain',
      '--policy',
      path,
      '--resource',
      'g-1',
      '--format',
      'table',
    ]);
    const scan = await cli(['scan', '--policy', path, '--format', 'json']);

    // Assess
    expect(validate.code).toBe(EXIT.compliant);
    expect(validate.err).toContain('rules[0] by-ou: match.ous never matches');
    expect(explain.out).toContain('by-ou [report]: does not apply');
    expect(explain.out).toContain(`- ous ${PROD_OU} (OU not known: only an organisation scan`);
    expect((JSON.parse(scan.out) as { findings: Finding[] }).findings).toEqual([]);
  });
});
