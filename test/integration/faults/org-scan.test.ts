/**
 * The fault scenarios of the organisation scan: the state machine run locally over 3 member
 * accounts x 2 regions, enforcing, with faults injected; follow-up scans until every target
 * settles, then the same end as the single-account scenarios (see settle.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CENTRAL_ACCOUNT } from '../../../infra/local/emulator/server.js';
import { type OrgScanRun, runOrgScan } from '../../../infra/local/org-scan-workflow.js';
import type { LocalTask } from '../../../infra/local/step-functions.js';
import { DEFAULT_MAX_ATTEMPTS } from '../../../shared/aws/clients.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { crossTargets, targetName } from '../../../shared/domain/targets.js';
import { groupState, REGION, type Stack, startStack } from '../harness.js';
import { BETWEEN_RUNS_MS, expectSettled, MAX_FOLLOW_UPS, pendingInTable } from './settle.js';

const REGIONS = ['us-east-1', 'eu-west-1'];
const MEMBERS = ['100000000001', '100000000002', '100000000003'];
const TARGETS = crossTargets(MEMBERS, REGIONS);
const EXTERNAL_ID = 'faults-external-id';
const POLICY = parsePolicy(
  `version: 1
settings:
  targets:
    organization: {}
    exclude: ['${CENTRAL_ACCOUNT}']
    regions: [${REGIONS.join(', ')}]
    concurrency: 3
rules:
  - name: prod-durability
    mode: enforce
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync }
`,
  'policy.yaml',
);

let stack: Stack;
/** Each target's groups, by id (ids are unique across targets). */
const homes = new Map<string, (typeof TARGETS)[number]>();
beforeEach(async () => {
  stack = await startStack({
    region: REGION,
    targets: { accounts: MEMBERS, regions: REGIONS },
    access: { externalId: EXTERNAL_ID },
    organization: {},
  });
  homes.clear();
  TARGETS.forEach((target, index) => {
    for (const id of [`o${index}-a`, `o${index}-b`]) {
      stack.emulator.fleetOf(target.account, target.region).putGroup(groupState(id));
      homes.set(id, target);
    }
  });
});
afterEach(async () => {
  await stack.close();
});

const scan = (options: { securityHub?: boolean; wrap?: (task: LocalTask) => LocalTask } = {}) =>
  runOrgScan({
    securityHub: options.securityHub,
    endpoint: stack.emulator.endpoint,
    dynamo: stack.dynamo.endpoint,
    policy: POLICY,
    home: { account: CENTRAL_ACCOUNT, region: REGION },
    access: { externalId: EXTERNAL_ID },
    now: () => new Date(stack.emulator.clock.now()),
    dryRun: false,
    maxAttempts: DEFAULT_MAX_ATTEMPTS,
    retryMode: 'standard',
    ...(options.wrap === undefined ? {} : { wrap: { 'target-scan': options.wrap } }),
  });

const findingsOf = (run: OrgScanRun) => [...run.runs.values()].flatMap((target) => target.findings);
const exported = (run: OrgScanRun) =>
  [...run.runs.values()].every((target) => !('code' in (target.result.securityHub ?? {})));
/** Every target complete and compliant, exported when asked, and no event left in the outbox. */
const settled = async (run: OrgScanRun, securityHub: boolean) =>
  run.summary.failed === 0 &&
  findingsOf(run).every((finding) => finding.status === 'compliant') &&
  (!securityHub || exported(run)) &&
  (await pendingInTable(stack)).length === 0;

/**
 * The first scan, then follow-ups until one finds every target settled and nothing pending (at
 * most MAX_FOLLOW_UPS): which requests the random faults hit depends on how the targets' calls
 * interleave, so a run may end compliant with an event its PutEvents lost, for the next to send.
 */
async function settleOrg(first: OrgScanRun, securityHub: boolean) {
  const runs = [first];
  while (runs.length <= MAX_FOLLOW_UPS && !(await settled(runs.at(-1) ?? first, securityHub))) {
    stack.emulator.clock.advance(BETWEEN_RUNS_MS);
    runs.push(await scan({ securityHub }));
  }
  const measured = await expectSettled(stack, {
    changed: [...homes.keys()],
    stored: new Set(),
    findings: runs.flatMap(findingsOf),
    groupOf: (id) => {
      const home = homes.get(id);
      return home === undefined
        ? undefined
        : stack.emulator.fleetOf(home.account, home.region).groups.get(id);
    },
  });
  if (process.env.FAULT_SCENARIO_REPORT !== undefined)
    process.stdout.write(`${JSON.stringify({ followUps: runs.length - 1, ...measured })}\n`);
  return runs;
}

describe('Fault scenarios: the organisation scan settles with every change made once', () => {
  it('30% throttling and 10% 5xx across an organisation scan (3 accounts x 2 regions, 12 changes)', async () => {
    // Prepare
    stack.emulator.faults.configure({ throttleRate: 0.3, serverErrorRate: 0.1, seed: 2 });

    // Act
    const runs = await settleOrg(await scan(), false);

    // Assess
    expect(runs.length - 1).toBeLessThanOrEqual(MAX_FOLLOW_UPS);
    expect(runs.at(-1)?.summary).toMatchObject({ targets: TARGETS.length, failed: 0 });
  }, 120_000);

  it('BatchImportFindings failing mid-run: the targets it failed are imported by a later run, every finding held', async () => {
    // Prepare: once the first two accounts are done, every attempt of the third's imports fails
    // (its two regions, 5 attempts each: 10 faults, none left over, as each region takes at most
    // 5); the accounts after it wait their turn, so no other import takes one of those faults.
    let scanned = 0;
    const firstTwo: Promise<unknown>[] = [];
    let queue: Promise<unknown> = Promise.resolve();
    const failMidRun =
      (task: LocalTask): LocalTask =>
      async (event) => {
        scanned += 1;
        const position = scanned;
        if (position <= 2) {
          const run = task(event);
          firstTwo.push(run.catch(() => undefined));
          return run;
        }
        const run = (position === 3 ? Promise.all(firstTwo) : queue).then(() => {
          if (position === 3)
            stack.emulator.faults.failNext({
              action: 'BatchImportFindings',
              code: 'InternalException',
              status: 500,
              times: 2 * DEFAULT_MAX_ATTEMPTS,
            });
          return task(event);
        });
        queue = run.catch(() => undefined);
        return run;
      };

    // Act
    const first = await scan({ securityHub: true, wrap: failMidRun });
    const runs = await settleOrg(first, true);

    // Assess
    expect(first.summary.exportFailures.length).toBeGreaterThan(0);
    for (const target of TARGETS) {
      const name = targetName(target);
      const held = stack.emulator.securityHub.findings(target.account, target.region);
      expect(held.size, name).toBe(runs.at(-1)?.runs.get(name)?.findings.length);
    }
  }, 120_000);
});
