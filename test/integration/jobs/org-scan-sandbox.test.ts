/**
 * The organisation scan against the multi-account sandbox: 12 member accounts x 3 regions, each
 * pair with a fleet of its own, reached through STS with each account's own key; the state
 * machine of infra/org-scan.asl.yaml run locally (runOrgScan).
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterEach, describe, expect, it } from 'vitest';
import { CENTRAL_ACCOUNT, type EmulatorOptions } from '../../../infra/local/emulator/server.js';
import { LOCAL_EXTERNAL_ID_PARAMETER } from '../../../infra/local/external-id.js';
import { runOrgScan } from '../../../infra/local/org-scan-workflow.js';
import { createFleetClients } from '../../../shared/aws/clients.js';
import { EventPublisher } from '../../../shared/aws/notify.js';
import { MemberCredentials } from '../../../shared/aws/targets.js';
import type { Finding } from '../../../shared/domain/finding.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { crossTargets, sameTarget, type Target, targetName } from '../../../shared/domain/targets.js';
import { scanDurability } from '../../../shared/jobs/durability/pipeline.js';
import { createLogger } from '../../../shared/runtime/logger.js';
import { expectEvery } from '../../expect-every.js';
import { groupState, REGION, type Stack, startStack } from '../harness.js';

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const MEMBERS = Array.from({ length: 12 }, (_, index) => String(100_000_000_001 + index));
const TARGETS = crossTargets(MEMBERS, REGIONS);
const EXTERNAL_ID = 'org-scan-external-id';
const ROLE = 'elasticache-guardrails-member';
const POLICY_TEXT = `version: 1
settings:
  targets:
    organization: {}
    exclude: ['${CENTRAL_ACCOUNT}']
    regions: [${REGIONS.join(', ')}]
    concurrency: 8
rules:
  - name: prod-durability
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync }
  - name: at-rest
    match: { resourceTypes: [replication-group, serverless-cache] }
    storageEncryption: { allowed: [sse-elasticache, sse-kms] }
`;
const POLICY = parsePolicy(POLICY_TEXT, 'policy.yaml');
const logger = createLogger('test');
logger.setLogLevel('SILENT');

let stack: Stack;
afterEach(async () => {
  await stack.close();
});

/** Every pair's fleet differs: how many groups, and which are durable, unencrypted or not prod. */
async function seededStack(
  access: EmulatorOptions['access'] = {},
  organization: EmulatorOptions['organization'] = {},
): Promise<Stack> {
  stack = await startStack({
    region: REGION,
    targets: { accounts: MEMBERS, regions: REGIONS },
    access: { externalId: EXTERNAL_ID, ...access },
    organization,
  });
  TARGETS.forEach((target, index) => {
    const fleet = stack.emulator.fleetOf(target.account, target.region);
    for (let group = 0; group <= index % 4; group += 1)
      fleet.putGroup(
        groupState(`g${index}-${group}`, {
          durability: group === 1 ? 'sync' : 'default',
          effectiveDurability: group === 1 ? 'sync' : 'disabled',
          encrypted: group !== 2,
          tags: new Map([['env', group === 3 ? 'dev' : 'prod']]),
        }),
      );
  });
  return stack;
}

const run = (securityHub = false, policy = POLICY) =>
  runOrgScan({
    securityHub,
    endpoint: stack.emulator.endpoint,
    dynamo: stack.dynamo.endpoint,
    policy,
    home: { account: CENTRAL_ACCOUNT, region: REGION },
    access: { externalId: EXTERNAL_ID },
    now: () => new Date(stack.emulator.clock.now()),
    retryMode: 'standard',
  });

const order = (findings: readonly Finding[]) =>
  [...findings].sort((a, b) =>
    `${a.arn}#${a.rule}#${a.check}`.localeCompare(`${b.arn}#${b.rule}#${b.check}`),
  );

/** A single-account scan of one target: scanDurability on its fleet alone, with its account's own credentials. */
async function singleAccountScan(target: Target): Promise<Finding[]> {
  const members = new MemberCredentials(
    { roleName: ROLE, externalId: EXTERNAL_ID },
    {
      endpoint: stack.emulator.endpoint,
      region: REGION,
    },
  );
  const options = members.clientOptions(target, { endpoint: stack.emulator.endpoint });
  const report = await scanDurability(
    {
      clients: createFleetClients(options),
      cloudwatch: new CloudWatchClient({ ...options }),
      store: stack.store,
      events: new EventPublisher(undefined, { endpoint: stack.emulator.endpoint, region: REGION }),
      logger,
      holder: 'single',
      now: () => new Date(stack.emulator.clock.now()),
    },
    { policy: POLICY, dryRun: true },
  );
  return report.findings;
}

describe('Organisation scan: 12 accounts x 3 regions in the sandbox', () => {
  it("gives each target exactly the findings of a single-account scan of it, read with that account's own key", async () => {
    // Prepare
    await seededStack();

    // Act
    const scan = await run();
    const log = [...stack.emulator.faults.log];

    // Assess: every target complete, and its findings those of a scan of that target alone.
    expect(scan.summary).toMatchObject({ targets: 36, complete: 36, failed: 0, failures: [] });
    expect([...scan.runs.keys()].sort()).toEqual(TARGETS.map(targetName).sort());
    for (const target of TARGETS) {
      const findings = scan.runs.get(targetName(target))?.findings ?? [];
      expect(findings.length, targetName(target)).toBeGreaterThan(0);
      expectEvery(
        findings,
        (finding) => finding.arn.includes(`:${target.region}:${target.account}:`),
        targetName(target),
      );
      expect(order(findings), targetName(target)).toEqual(order(await singleAccountScan(target)));
    }
    // Every read of a fleet was signed with a key STS issued for that fleet's account, one per
    // account (shared by its regions), and reached only the 36 targets' fleets.
    const fleetReads = log.filter((entry) =>
      ['elasticache', 'tagging', 'cloudwatch'].includes(entry.service),
    );
    const keyOf = new Map<string, Set<string>>();
    for (const entry of fleetReads) {
      const issued = stack.emulator.accounts.issued(entry.accessKeyId);
      expect(issued?.account, `${entry.action} in ${entry.account}/${entry.region}`).toBe(entry.account);
      expect(issued?.roleArn).toBe(`arn:aws:iam::${entry.account}:role/${ROLE}`);
      keyOf.set(entry.account, new Set([...(keyOf.get(entry.account) ?? []), entry.accessKeyId ?? '']));
    }
    expect(new Set(fleetReads.map((entry) => `${entry.account}/${entry.region}`))).toEqual(
      new Set(TARGETS.map(targetName)),
    );
    expect([...keyOf.values()].map((keys) => keys.size)).toEqual(MEMBERS.map(() => 1));
    expect(new Set([...keyOf.values()].flatMap((keys) => [...keys])).size).toBe(MEMBERS.length);
    const assumed = log.filter((entry) => entry.action === 'AssumeRole');
    expect(assumed.map((entry) => entry.account)).toEqual(MEMBERS.map(() => CENTRAL_ACCOUNT));
    expect(assumed.map((entry) => (entry.params as { ExternalId?: string }).ExternalId)).toEqual(
      MEMBERS.map(() => EXTERNAL_ID),
    );
    // The id came from the central account's SSM, decrypted, read once for the run, before any AssumeRole.
    const reads = log.filter((entry) => entry.service === 'ssm' && entry.action === 'GetParameter');
    expect(reads.map(({ account, params }) => ({ account, params }))).toEqual([
      { account: CENTRAL_ACCOUNT, params: { Name: LOCAL_EXTERNAL_ID_PARAMETER, WithDecryption: true } },
    ]);
    expect(log.indexOf(reads[0] as (typeof log)[number])).toBeLessThan(
      log.indexOf(assumed[0] as (typeof log)[number]),
    );
  }, 120_000);

  it('assumes each member role once per run with regions all-enabled: the child reads its regions, the listing assumes none', async () => {
    // Prepare
    await seededStack();
    const everyRegion = parsePolicy(
      POLICY_TEXT.replace(`regions: [${REGIONS.join(', ')}]`, 'regions: all-enabled'),
      'policy.yaml',
    );

    // Act
    const scan = await run(false, everyRegion);

    // Assess: every enabled region of every member scanned, with one AssumeRole per member.
    expect(scan.summary).toMatchObject({ targets: 36, complete: 36, failed: 0 });
    expect([...scan.runs.keys()].sort()).toEqual(TARGETS.map(targetName).sort());
    const assumed = stack.emulator.faults.log.filter((entry) => entry.action === 'AssumeRole');
    expect(assumed.length).toBeLessThanOrEqual(MEMBERS.length + 1);
    expect(assumed.map((entry) => (entry.params as { RoleArn: string }).RoleArn).sort()).toEqual(
      MEMBERS.map((account) => `arn:aws:iam::${account}:role/${ROLE}`),
    );
    // Each member's regions were read once, with the key its scans used.
    const listed = stack.emulator.faults.log.filter((entry) => entry.action === 'ListRegions');
    expect(listed.map((entry) => entry.account).sort()).toEqual(MEMBERS);
    expectEvery(
      listed,
      (entry) => stack.emulator.accounts.issued(entry.accessKeyId)?.account === entry.account,
      'ListRegions requests',
    );
  }, 120_000);

  it('fails every target naming the parameter and the call when SSM refuses the external id, before any member request', async () => {
    // Prepare
    await seededStack();
    stack.emulator.faults.failNext({
      action: 'GetParameter',
      code: 'AccessDeniedException',
      message: 'not authorized to perform: ssm:GetParameter',
      times: 1000,
    });
    const start = stack.emulator.faults.log.length;

    // Act
    const scan = await run();

    // Assess
    expect(scan.summary).toMatchObject({ targets: 36, complete: 0, failed: 36 });
    expectEvery(
      scan.summary.failures,
      (failure) =>
        failure.includes(`SSM GetParameter ${LOCAL_EXTERNAL_ID_PARAMETER} failed: AccessDeniedException`),
      'failures',
    );
    const requests = stack.emulator.faults.log.slice(start);
    expect(
      requests.filter((entry) => ['sts', 'elasticache', 'tagging', 'cloudwatch'].includes(entry.service)),
    ).toEqual([]);
    expect(JSON.stringify(scan.summary)).not.toContain(EXTERNAL_ID);
  }, 120_000);

  it('scans the 6 ACTIVE members x 3 regions of an organisation answering State alone; the 6 others are skipped and counted', async () => {
    // Prepare: half the members are not ACTIVE (their fleets are served, and must not be read).
    const states = {
      [MEMBERS[1] ?? '']: 'SUSPENDED',
      [MEMBERS[3] ?? '']: 'PENDING_CLOSURE',
      [MEMBERS[5] ?? '']: 'CLOSED',
      [MEMBERS[7] ?? '']: 'PENDING_ACTIVATION',
      [MEMBERS[9] ?? '']: 'SUSPENDED',
      [MEMBERS[11] ?? '']: 'CLOSED',
    } as const;
    const active = MEMBERS.filter((account) => !(account in states));
    const scanned = crossTargets(active, REGIONS);
    await seededStack({}, { states });

    // Act
    const scan = await run();
    const log = [...stack.emulator.faults.log];

    // Assess: every ACTIVE target complete with a single-account scan's findings, in its own
    // account and region; no fleet of a skipped account read; the skipped ones counted.
    expect(scan.summary).toMatchObject({ targets: 18, complete: 18, failed: 0, skipped: 6 });
    expect(scan.summary.skippedAccounts).toEqual(
      Object.entries(states)
        .map(([account, state]) => `${account}: ${state}`)
        .sort(),
    );
    expect([...scan.runs.keys()].sort()).toEqual(scanned.map(targetName).sort());
    for (const target of scanned) {
      const findings = scan.runs.get(targetName(target))?.findings ?? [];
      expect(findings.length, targetName(target)).toBeGreaterThan(0);
      expectEvery(
        findings,
        (finding) => finding.arn.includes(`:${target.region}:${target.account}:`),
        targetName(target),
      );
      expect(order(findings), targetName(target)).toEqual(order(await singleAccountScan(target)));
    }
    const fleetReads = log.filter((entry) => ['elasticache', 'tagging'].includes(entry.service));
    expect(new Set(fleetReads.map((entry) => `${entry.account}/${entry.region}`))).toEqual(
      new Set(scanned.map(targetName)),
    );
  }, 120_000);

  it("imports each target's findings into Security Hub in that target's own account and region", async () => {
    // Prepare
    await seededStack();

    // Act
    const scan = await run(true);

    // Assess
    for (const target of TARGETS) {
      const findings = scan.runs.get(targetName(target))?.findings ?? [];
      const held = stack.emulator.securityHub.findings(target.account, target.region);
      expect(held.size, targetName(target)).toBe(findings.length);
      expect(scan.runs.get(targetName(target))?.result.securityHub).toEqual({
        imported: findings.length,
        archived: 0,
        unchanged: 0,
        superseded: 0,
        refused: 0,
      });
    }
    const imports = stack.emulator.faults.log.filter((entry) => entry.action === 'BatchImportFindings');
    expectEvery(
      imports,
      (entry) => stack.emulator.accounts.issued(entry.accessKeyId)?.account === entry.account,
      'BatchImportFindings requests',
    );
    expect(stack.emulator.securityHub.findings(CENTRAL_ACCOUNT, REGION).size).toBe(0);
  }, 120_000);

  it('reports a target without Security Hub on that target; its scan and the other imports go on', async () => {
    // Prepare: Security Hub is off in one member's eu-west-1, and in every region of another.
    const [first, second] = MEMBERS as [string, string];
    const off = [{ account: first, region: 'eu-west-1' }, ...crossTargets([second], REGIONS)];
    await seededStack({ securityHubOff: off });

    // Act
    const scan = await run(true);

    // Assess
    expect(scan.summary).toMatchObject({ targets: 36, complete: 36, failed: 0 });
    for (const target of TARGETS) {
      const name = targetName(target);
      const targetRun = scan.runs.get(name);
      const held = stack.emulator.securityHub.findings(target.account, target.region);
      expect(targetRun?.findings.length, name).toBeGreaterThan(0);
      if (off.some((pair) => sameTarget(target, pair))) {
        expect(targetRun?.result.securityHub, name).toEqual({
          code: 'InvalidAccessException',
          error: expect.stringContaining(
            `Security Hub is not enabled in account ${target.account} in ${target.region}`,
          ),
        });
        expect(held.size, name).toBe(0);
      } else expect(held.size, name).toBe(targetRun?.findings.length);
    }
    expect([...scan.summary.exportFailures].sort()).toEqual(
      off
        .map(
          (pair) =>
            `${targetName(pair)}: Security Hub is not enabled in account ${pair.account} in ${pair.region}`,
        )
        .sort()
        .map((line) => expect.stringContaining(line)),
    );
  }, 120_000);

  it('gives a denied role, STS throttling and a disabled region one error finding each; the others complete', async () => {
    // Prepare
    const [denied, throttled, disabled] = MEMBERS as [string, string, string];
    await seededStack({
      deny: [denied],
      throttle: [throttled],
      disabledRegions: [{ account: disabled, region: 'eu-west-1' }],
    });

    // Act
    const scan = await run();

    // Assess
    const failedTargets = [
      ...crossTargets([denied, throttled], REGIONS),
      { account: disabled, region: 'eu-west-1' },
    ].map(targetName);
    expect(scan.summary).toMatchObject({ targets: 36, complete: 29, failed: 7 });
    expect(scan.summary.findings.error).toBe(7);
    for (const [name, targetRun] of scan.runs) {
      if (!failedTargets.includes(name)) {
        expect(targetRun.result.status, name).toBe('complete');
        continue;
      }
      expect(targetRun.result.status, name).toBe('failed');
      expect(targetRun.findings, name).toEqual([targetRun.result.error]);
    }
    const reason = (target: string) => scan.runs.get(target)?.result.error?.reason ?? '';
    for (const region of REGIONS) {
      expect(reason(`${denied}/${region}`)).toContain(
        `the role arn:aws:iam::${denied}:role/${ROLE} cannot be assumed`,
      );
      expect(reason(`${throttled}/${region}`)).toContain('STS throttled AssumeRole');
    }
    expect(reason(`${disabled}/eu-west-1`)).toContain(
      `region eu-west-1 is not enabled in account ${disabled}`,
    );
    expect(scan.summary.failures).toHaveLength(7);
    expect(JSON.stringify(scan.summary)).not.toContain(EXTERNAL_ID);
  }, 120_000);

  it('gives an OU that no longer exists one error finding naming it; the accounts of the other OUs are scanned', async () => {
    // Prepare: two OUs of four members each; the policy also names an OU deleted since.
    const [east, west] = ['ou-sbx1-east0001', 'ou-sbx1-west0001'];
    const gone = 'ou-sbx1-gone0001';
    await seededStack(
      {},
      {
        units: [
          { id: east, name: 'east', accounts: MEMBERS.slice(0, 4) },
          { id: west, name: 'west', accounts: MEMBERS.slice(4, 8) },
        ],
      },
    );
    const policy = parsePolicy(
      `version: 1
settings:
  targets: { organization: { ous: [${east}, ${gone}, ${west}] }, regions: [${REGIONS.join(', ')}] }
rules:
  - name: prod-durability
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync }
`,
      'policy.yaml',
    );

    // Act
    const scan = await run(false, policy);

    // Assess
    const scanned = crossTargets(MEMBERS.slice(0, 8), REGIONS);
    expect(scan.summary).toMatchObject({ targets: 25, complete: 24, failed: 1 });
    expect(scan.summary.findings.error).toBe(1);
    expect([...scan.runs.keys()].sort()).toEqual(scanned.map(targetName).sort());
    expect(scan.summary.failures).toEqual([
      expect.stringContaining(
        `OU ${gone} of the policy (settings.targets.organization.ous) no longer exists; its accounts are not scanned`,
      ),
    ]);
    expect(scan.summary.failures[0]).toContain('ParentNotFoundException');
  }, 120_000);
});
