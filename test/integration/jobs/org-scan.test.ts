/**
 * The organisation scan's state machine (infra/org-scan.asl.yaml) run locally against the
 * sandbox: listing, one Map item per account, the summary as the execution's output. At scale
 * (1 224 targets) every child is real and every target's findings are compared with a
 * single-target scan of it: the target's fleet read again by the app's reader with the target's
 * own credentials and evaluated by the planner with the same policy and clock (no state table).
 */
import validateAsl from 'asl-validator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ORG_SCAN_ASL, runOrgScan } from '../../../infra/local/org-scan-workflow.js';
import { loadDefinition } from '../../../infra/local/step-functions.js';
import { createFleetClients } from '../../../shared/aws/clients.js';
import { readFleet } from '../../../shared/aws/elasticache.js';
import { LEASE_PARTITION, LEGACY_BASELINE_PARTITION } from '../../../shared/aws/state-keys.js';
import { MemberCredentials } from '../../../shared/aws/targets.js';
import { evaluate } from '../../../shared/domain/evaluate.js';
import type { Finding } from '../../../shared/domain/finding.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { DEFAULT_MEMBER_ROLE, memberRoleArn, targetName } from '../../../shared/domain/targets.js';
import { mapConcurrent } from '../../../shared/runtime/concurrency.js';
import { groupState, REGION, requestsReached, type Stack, startStack } from '../harness.js';

const HOME = { account: '123456789012', region: REGION };
/** The 17 regions every account has enabled by default. */
const SEVENTEEN = [
  ...['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-west-3'],
  ...['eu-central-1', 'eu-north-1', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2'],
  ...['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ca-central-1', 'sa-east-1'],
] as const;
/** A target's findings as compared: resource, rule, check and status. */
const findingSet = (findings: readonly Finding[]) =>
  findings.map(({ arn, rule, check, status }) => `${arn} ${rule} ${check} ${status}`).sort();
const POLICY = parsePolicy(
  `version: 1
rules:
  - name: prod-durability
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync }
`,
  'policy.yaml',
);

let stack: Stack;
let started = false;
const start = async (options?: Parameters<typeof startStack>[0]) => {
  stack = await startStack(options);
  started = true;
};
afterEach(async () => {
  if (started) await stack.close();
  started = false;
});

describe('State machine: infra/org-scan.asl.yaml', () => {
  it('is valid ASL, with a Distributed Map over the listed object, bounded by the policy, tolerant of failed items, its results in S3', () => {
    // Act
    const definition = loadDefinition(ORG_SCAN_ASL) as unknown as {
      States: Record<string, Record<string, unknown>>;
    };
    const { isValid, errorsText } = validateAsl(definition, { checkArn: true, checkPaths: true });

    // Assess
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
    expect(definition.States.ScanTargets).toMatchObject({
      Type: 'Map',
      MaxConcurrencyPath: '$.concurrency',
      ToleratedFailurePercentage: 100,
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSONL' },
        Parameters: { 'Bucket.$': '$.bucket', 'Key.$': '$.key' },
      },
      ResultWriter: {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: { 'Bucket.$': '$.bucket', 'Prefix.$': '$.resultsPrefix' },
      },
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
    });
  });

  describe('one sandbox each', () => {
    beforeEach(async () => {
      await start();
    });

    it("scans the deployment's own account and region when the policy names no targets", async () => {
      // Prepare
      stack.emulator.model.putGroup(groupState('orders'));
      stack.emulator.model.putGroup(groupState('carts', { durability: 'sync', effectiveDurability: 'sync' }));

      // Act
      const run = await runOrgScan({
        endpoint: stack.emulator.endpoint,
        dynamo: stack.dynamo.endpoint,
        policy: POLICY,
        home: HOME,
        now: () => new Date(stack.emulator.clock.now()),
      });

      // Assess
      expect(run.summary).toEqual({
        targets: 1,
        complete: 1,
        failed: 0,
        findings: { compliant: 1, violation: 1, degraded: 0, exempt: 0, unknown: 0, error: 0 },
        failures: [],
        exportFailures: [],
        skipped: 0,
        skippedAccounts: [],
        notListed: { failures: 0, exportFailures: 0, skippedAccounts: 0 },
        fullSummary: expect.stringMatching(/^s3:\/\/[^/]+\/runs\/[^/]+\/summary\.json$/),
      });
      expect([...run.runs.keys()]).toEqual(['123456789012/us-east-1']);
      // Each account is a child execution of its own: its states are not in the parent's history.
      expect(run.execution.states).toEqual([
        'ClaimRun',
        'RunClaimed',
        'ListTargets',
        'ScanTargets',
        'Summarize',
        'ReleaseRun',
      ]);
      expect(run.execution.children.states).toEqual(['ScanAccount']);
      expect(run.execution.children.counts.STANDARD).toEqual({ executions: 1, failed: 0, transitions: 1 });
    });

    it('turns an item that fails into a failed result; the run goes on and counts it', async () => {
      // Act
      const run = await runOrgScan({
        endpoint: stack.emulator.endpoint,
        dynamo: stack.dynamo.endpoint,
        policy: POLICY,
        home: HOME,
        wrap: {
          'target-scan': () => async () => {
            throw Object.assign(new Error('{"errorMessage":"the state table refused the write"}'), {
              name: 'AwsCallError',
            });
          },
        },
      });

      // Assess
      expect(run.summary).toMatchObject({ targets: 1, complete: 0, failed: 1, findings: { error: 1 } });
      expect(run.summary.failures).toEqual([
        expect.stringMatching(/^123456789012\/us-east-1: .*the state table refused the write/),
      ]);
      expect(run.execution.children.states).toContain('AccountFailed');
    });
  });

  it('scans 1 224 targets (72 accounts, every region each enabled), every one real, with every state small, one AssumeRole per account, and every target equal to a single-target scan of it', async () => {
    // Prepare: 72 member accounts x the 17 regions each has enabled, every target a real one: its
    // child assumes the account's role, reads its enabled regions with it and scans each region's
    // own fleet of one group (a violation, or every third target a compliant sync group), past the
    // 1 260 targets of one region at which the Map's output of every result passed 256 KiB when
    // results went through the execution state. One group a target, not twenty: the run's CPU is
    // its requests (here about 5 to the emulator and 10 to the state table a target, 3 more to
    // compare), at about 3 ms of CPU each for the SDK, HTTP, the emulator and dynalite together.
    const accounts = Array.from({ length: 72 }, (_, index) => String(200_000_000_000 + index));
    const targets = accounts.flatMap((account) => SEVENTEEN.map((region) => ({ account, region })));
    await start({ region: REGION, targets: { accounts, regions: [...SEVENTEEN] } });
    targets.forEach(({ account, region }, index) => {
      const fleet = stack.emulator.fleetOf(account, region);
      fleet.putGroup(
        index % 3 === 0
          ? groupState(`carts-${index}`, { durability: 'sync', effectiveDurability: 'sync' })
          : groupState(`orders-${index}`),
      );
    });
    const policy = parsePolicy(
      `version: 1
settings:
  targets: { accounts: [${accounts.map((account) => `'${account}'`).join(', ')}], regions: all-enabled, concurrency: 4 }
rules:
  - name: prod-durability
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync }
`,
      'policy.yaml',
    );

    // Act
    const run = await runOrgScan({
      endpoint: stack.emulator.endpoint,
      dynamo: stack.dynamo.endpoint,
      policy,
      home: HOME,
      now: () => new Date(stack.emulator.clock.now()),
    });
    const assumed = requestsReached(stack.emulator, 'AssumeRole');
    const legacyReads = stack.dynamo.calls.filter(
      (call) =>
        call.operation === 'Query' &&
        (call.partitionKey === LEASE_PARTITION || call.partitionKey === LEGACY_BASELINE_PARTITION),
    );

    // Assess: every target complete through the Map, every state far under the 262 144-byte quota.
    const { largestPayload } = run.execution;
    const largestChild = run.execution.children.largestPayload;
    console.info(
      `${run.summary.targets} targets: largest parent state ${largestPayload} bytes, largest child state ${largestChild} bytes, ${assumed.length} AssumeRole calls, ${legacyReads.length} Queries of the previous version's shared partitions`,
    );
    expect(run.summary).toMatchObject({ targets: 1224, complete: 1224, failed: 0 });
    expect(run.execution.children.counts.STANDARD).toMatchObject({ executions: 72, failed: 0 });
    expect(largestPayload).toBeLessThan(2048);
    expect(largestChild).toBeLessThan(262_144);
    // One AssumeRole per account, by its child; none for the listing.
    expect(assumed.map(({ params }) => String(params.RoleArn)).sort()).toEqual(
      accounts.map((account) => memberRoleArn(account, DEFAULT_MEMBER_ROLE)),
    );
    // The previous version's shared partitions: asked once by the listing, never by a target.
    expect(legacyReads).toHaveLength(2);
    // Every target's findings through the Map are those of a scan of that target alone, computed
    // the cheapest honest way: the target's fleet read again with its own credentials by the
    // app's reader (readFleet) and put through the planner (evaluate) with the same policy and
    // clock, no state table (a second stateful scan of every target would double this test's CPU).
    const members = new MemberCredentials(
      { roleName: DEFAULT_MEMBER_ROLE },
      { endpoint: stack.emulator.endpoint, region: REGION },
    );
    const now = new Date(stack.emulator.clock.now());
    const mismatched: string[] = [];
    await mapConcurrent(targets, 8, async (target) => {
      const fleet = await readFleet(
        createFleetClients(members.clientOptions(target, { endpoint: stack.emulator.endpoint })),
      );
      const single = findingSet(evaluate(fleet, policy, now));
      const mapped = findingSet(run.runs.get(targetName(target))?.findings ?? []);
      if (single.length === 0 || JSON.stringify(mapped) !== JSON.stringify(single))
        mismatched.push(`${targetName(target)}: ${JSON.stringify(mapped)} against ${JSON.stringify(single)}`);
    });
    expect(mismatched).toEqual([]);
  }, 600_000);
});
