/**
 * The organisation scan archives, once, the Security Hub findings of targets it no longer
 * lists: 4 member accounts x 2 regions in the sandbox, exported on every run, the policy changed
 * between runs; the state machine of infra/org-scan.asl.yaml run locally (runOrgScan).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CENTRAL_ACCOUNT, type EmulatorOptions } from '../../../infra/local/emulator/server.js';
import { runOrgScan } from '../../../infra/local/org-scan-workflow.js';
import { RECORD_KINDS, securityHubImportKind, TARGET_HISTORY_KEY } from '../../../shared/aws/state-keys.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { crossTargets, targetName } from '../../../shared/domain/targets.js';
import { MAX_ARCHIVE_ATTEMPTS } from '../../../shared/jobs/dropped-targets.js';
import { groupState, REGION, type Stack, startStack } from '../harness.js';

const REGIONS = ['us-east-1', 'eu-west-1'];
const MEMBERS = Array.from({ length: 4 }, (_, index) => String(100_000_000_001 + index));
const [DROPPED = '', KEPT = ''] = MEMBERS;
const EXTERNAL_ID = 'org-scan-external-id';
const [EAST, WEST] = ['ou-sbx1-east0001', 'ou-sbx1-west0001'];
const HOUR = 3_600_000;

/** A policy over the organisation (or its OUs), the central account and `exclude` left out. */
const policyOf = (exclude: readonly string[] = [], ous?: readonly string[]) =>
  parsePolicy(
    `version: 1
settings:
  targets:
    organization: {${ous === undefined ? '' : ` ous: [${ous.join(', ')}] `}}
    exclude: [${[CENTRAL_ACCOUNT, ...exclude].map((account) => `'${account}'`).join(', ')}]
    regions: [${REGIONS.join(', ')}]
rules:
  - name: prod-durability
    match: { resourceTypes: [replication-group] }
    durability: { minimum: sync }
`,
    'policy.yaml',
  );

let stack: Stack;
beforeEach(async () => {
  const organization: EmulatorOptions['organization'] = {
    units: [
      { id: EAST, name: 'east', accounts: MEMBERS.slice(0, 2) },
      { id: WEST, name: 'west', accounts: MEMBERS.slice(2) },
    ],
  };
  stack = await startStack({
    region: REGION,
    targets: { accounts: MEMBERS, regions: REGIONS },
    access: { externalId: EXTERNAL_ID },
    organization,
  });
  for (const [index, target] of crossTargets(MEMBERS, REGIONS).entries())
    for (let group = 0; group < 2; group += 1)
      stack.emulator.fleetOf(target.account, target.region).putGroup(groupState(`g${index}-${group}`));
});
afterEach(async () => {
  await stack.close();
});

/** One hourly run: the sandbox's clock moves on, so each run's imports are later than the last's. */
const scan = (policy = policyOf()) => {
  stack.emulator.clock.advance(HOUR);
  return runOrgScan({
    securityHub: true,
    endpoint: stack.emulator.endpoint,
    dynamo: stack.dynamo.endpoint,
    policy,
    home: { account: CENTRAL_ACCOUNT, region: REGION },
    access: { externalId: EXTERNAL_ID },
    now: () => new Date(stack.emulator.clock.now()),
  });
};

/** The findings of `account` sent as ARCHIVED by BatchImportFindings, every call counted. */
const archivedImports = (account: string) =>
  stack.emulator.securityHub.imports
    .filter((call) => call.account === account)
    .flatMap((call) => call.findings as Array<{ RecordState?: string }>)
    .filter((finding) => finding.RecordState === 'ARCHIVED').length;

/** What Security Hub holds of `account`, every region, by RecordState. */
const heldStates = (account: string) =>
  REGIONS.flatMap((region) => [...stack.emulator.securityHub.findings(account, region).values()]).map(
    (finding) => finding.RecordState,
  );

const storedImports = async (account: string) =>
  (
    await Promise.all(
      REGIONS.map((region) => stack.store.listRecords(securityHubImportKind({ account, region }))),
    )
  ).flat().length;

describe('Organisation scan: findings of targets no longer listed', () => {
  it("archives an excluded account's findings once, from its own account; a third run archives nothing", async () => {
    // Prepare: every target exported once.
    await scan();
    const exported = heldStates(DROPPED);
    expect(exported).toHaveLength(REGIONS.length * 2);
    expect(exported.every((state) => state === 'ACTIVE')).toBe(true);

    // Act: the account is excluded; two more runs.
    const second = await scan(policyOf([DROPPED]));
    const third = await scan(policyOf([DROPPED]));

    // Assess
    expect(heldStates(DROPPED)).toEqual(exported.map(() => 'ARCHIVED'));
    expect(archivedImports(DROPPED)).toBe(exported.length);
    expect(
      stack.emulator.securityHub.imports
        .filter((call) => call.account === DROPPED)
        .every((call) => call.failed.length === 0 && call.ignored.length === 0),
    ).toBe(true);
    expect(await storedImports(DROPPED)).toBe(0);
    expect(second.dropped?.archived).toEqual(
      REGIONS.map((region) => ({ target: `${DROPPED}/${region}`, findings: 2 })).sort((a, b) =>
        a.target.localeCompare(b.target),
      ),
    );
    expect(third.dropped).toEqual({ archived: [], kept: [], abandoned: [], unknown: [] });
    for (const account of MEMBERS.slice(1)) {
      expect(archivedImports(account), account).toBe(0);
      expect(
        heldStates(account).every((state) => state === 'ACTIVE'),
        account,
      ).toBe(true);
    }
    expect(stack.emulator.securityHub.findings(CENTRAL_ACCOUNT, REGION).size).toBe(0);
  }, 60_000);

  it("archives a region taken out of the policy's regions, and nothing of the regions still listed", async () => {
    // Prepare
    await scan();

    // Act: eu-west-1 leaves the policy.
    const narrowed = policyOf();
    if (narrowed.settings.targets !== undefined) narrowed.settings.targets.regions = ['us-east-1'];
    await scan(narrowed);

    // Assess
    for (const account of MEMBERS) {
      const states = (region: string) =>
        [...stack.emulator.securityHub.findings(account, region).values()].map(
          (finding) => finding.RecordState,
        );
      expect(states('eu-west-1'), account).toEqual(['ARCHIVED', 'ARCHIVED']);
      expect(states('us-east-1'), account).toEqual(['ACTIVE', 'ACTIVE']);
    }
  }, 60_000);

  it('archives nothing while an OU cannot be listed: its accounts are unknown, not gone', async () => {
    // Prepare: both OUs scanned and exported.
    await scan(policyOf([], [EAST, WEST]));

    // Act: listing the east OU (listed first) fails on each of the SDK's 3 attempts; then it lists again.
    stack.emulator.faults.failNext({
      action: 'ListAccountsForParent',
      code: 'ServiceException',
      status: 500,
      times: 3,
    });
    const unlisted = await scan(policyOf([], [EAST, WEST]));
    const listed = await scan(policyOf([], [EAST, WEST]));

    // Assess
    for (const account of MEMBERS) {
      expect(archivedImports(account), account).toBe(0);
      expect(await storedImports(account), account).toBe(REGIONS.length * 2);
    }
    expect(unlisted.summary.failures).toEqual([expect.stringContaining(`OU ${EAST} could not be listed`)]);
    expect(unlisted.summary.targets).toBe(MEMBERS.slice(2).length * REGIONS.length + 1);
    expect(unlisted.dropped?.unknown).toEqual(crossTargets(MEMBERS.slice(0, 2), REGIONS).map(targetName));
    expect(listed.dropped).toEqual({ archived: [], kept: [], abandoned: [], unknown: [] });
  }, 60_000);

  it('archives nothing of an all-enabled account whose regions its child could not read: it is still a target', async () => {
    // Prepare: every region each account enabled, exported.
    const everyRegion = policyOf();
    if (everyRegion.settings.targets !== undefined) everyRegion.settings.targets.regions = 'all-enabled';
    await scan(everyRegion);

    // Act: STS throttles every AssumeRole into one account, so its child cannot read its regions.
    stack.emulator.accounts.configure({ throttle: [DROPPED] });
    const unread = await scan(everyRegion);

    // Assess
    for (const account of MEMBERS) expect(archivedImports(account), account).toBe(0);
    expect(await storedImports(DROPPED)).toBe(REGIONS.length * 2);
    expect(unread.summary.failures).toEqual([
      expect.stringContaining(`${DROPPED}/*: STS throttled AssumeRole`),
    ]);
    // Listed as every region it enabled (the listing reads no region), not a dropped target.
    expect(unread.dropped).toEqual({ archived: [], kept: [], abandoned: [], unknown: [] });
    expect((await stack.store.readRecord(RECORD_KINDS.targetHistory, TARGET_HISTORY_KEY))?.targets).toEqual(
      MEMBERS.map((account) => `${account}/*`),
    );
  }, 60_000);

  it('archives an all-enabled account excluded since in every region it had findings', async () => {
    // Prepare: every region each account enabled, exported; the listing knew only `<account>/*`.
    const everyRegion = (exclude: string[] = []) => {
      const policy = policyOf(exclude);
      if (policy.settings.targets !== undefined) policy.settings.targets.regions = 'all-enabled';
      return policy;
    };
    await scan(everyRegion());
    const exported = heldStates(DROPPED);

    // Act
    const excluded = await scan(everyRegion([DROPPED]));

    // Assess
    expect(exported).toHaveLength(REGIONS.length * 2);
    expect(heldStates(DROPPED)).toEqual(exported.map(() => 'ARCHIVED'));
    expect(excluded.dropped?.archived).toEqual(
      REGIONS.map((region) => ({ target: `${DROPPED}/${region}`, findings: 2 })).sort((a, b) =>
        a.target.localeCompare(b.target),
      ),
    );
    expect(await storedImports(DROPPED)).toBe(0);
    for (const account of MEMBERS.slice(1)) expect(archivedImports(account), account).toBe(0);
  }, 60_000);

  it('keeps the records of a dropped account it cannot reach, says why, and archives them once it can', async () => {
    // Prepare: exported, then the account is dropped and its role denied (its member stack removed).
    await scan();
    stack.emulator.accounts.configure({ deny: [DROPPED] });

    // Act
    const denied = await scan(policyOf([DROPPED]));
    stack.emulator.accounts.configure({ deny: [] });
    const reached = await scan(policyOf([DROPPED]));

    // Assess
    expect(denied.dropped?.kept).toEqual(
      REGIONS.map((region) => ({
        target: `${DROPPED}/${region}`,
        attempts: 1,
        cause: expect.stringContaining(`the role arn:aws:iam::${DROPPED}:role/`),
      })).sort((a, b) => a.target.localeCompare(b.target)),
    );
    expect(JSON.stringify(denied.dropped)).not.toContain(EXTERNAL_ID);
    expect(reached.dropped?.archived.map(({ target }) => target).sort()).toEqual(
      REGIONS.map((region) => `${DROPPED}/${region}`).sort(),
    );
    expect(archivedImports(DROPPED)).toBe(REGIONS.length * 2);
    expect(await storedImports(DROPPED)).toBe(0);
    expect(archivedImports(KEPT)).toBe(0);
  }, 60_000);

  it(`gives up on an unreachable dropped account after ${MAX_ARCHIVE_ATTEMPTS} runs, keeping its records`, async () => {
    // Prepare: exported; the account excluded and its role denied for as many runs as are allowed, but one.
    await scan();
    const targets = crossTargets(MEMBERS, REGIONS).map(targetName);
    const dropped = targets.filter((name) => name.startsWith(DROPPED));
    await stack.store.putRecord(RECORD_KINDS.targetHistory, TARGET_HISTORY_KEY, {
      listedAt: new Date(stack.emulator.clock.now()).toISOString(),
      targets: targets.filter((name) => !dropped.includes(name)),
      dropped: dropped.map((target) => ({ target, attempts: MAX_ARCHIVE_ATTEMPTS - 1, cause: 'denied' })),
    });
    stack.emulator.accounts.configure({ deny: [DROPPED] });
    const assumed = () =>
      stack.emulator.faults.log.filter(
        (entry) => entry.action === 'AssumeRole' && JSON.stringify(entry.params).includes(DROPPED),
      ).length;

    // Act
    const last = await scan(policyOf([DROPPED]));
    const tried = assumed();
    const after = await scan(policyOf([DROPPED]));

    // Assess
    expect(last.dropped?.abandoned).toEqual(
      dropped.map((target) => ({ target, cause: expect.stringContaining('cannot be assumed') })),
    );
    expect(last.dropped?.kept).toEqual([]);
    expect(tried).toBeGreaterThan(0);
    // Given up: not tried again, its records kept, nothing archived.
    expect(after.dropped).toEqual({ archived: [], kept: [], abandoned: [], unknown: [] });
    expect(assumed()).toBe(tried);
    expect(await storedImports(DROPPED)).toBe(REGIONS.length * 2);
    expect(archivedImports(DROPPED)).toBe(0);
  }, 60_000);
});
