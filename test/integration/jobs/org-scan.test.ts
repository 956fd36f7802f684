/**
 * The organisation scan's state machine (infra/org-scan.asl.yaml) run locally against the
 * sandbox: listing, one Map item per target, the summary as the execution's output.
 */
import validateAsl from 'asl-validator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ORG_SCAN_ASL, runOrgScan } from '../../../infra/local/org-scan-workflow.js';
import { loadDefinition } from '../../../infra/local/step-functions.js';
import { AlertPublisher, EventPublisher } from '../../../shared/aws/notify.js';
import { MemberCredentials } from '../../../shared/aws/targets.js';
import type { Finding } from '../../../shared/domain/finding.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { DEFAULT_MEMBER_ROLE, memberRoleArn, targetName } from '../../../shared/domain/targets.js';
import { scanTarget } from '../../../shared/jobs/target-scan.js';
import { createLogger } from '../../../shared/runtime/logger.js';
import { ALERT_TOPIC, groupState, REGION, requestsReached, type Stack, startStack } from '../harness.js';

const HOME = { account: '123456789012', region: REGION };
/** The 17 regions every account has enabled by default. */
const SEVENTEEN = [
  ...['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-west-3'],
  ...['eu-central-1', 'eu-north-1', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2'],
  ...['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ca-central-1', 'sa-east-1'],
] as const;
const logger = createLogger('test');
logger.setLogLevel('SILENT');
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

  it('scans 1 466 targets (90 accounts, every region each enabled) with every state small, one AssumeRole per account scanned, and sampled targets equal to a single-target scan', async () => {
    // Prepare: 90 member accounts. 4 of them, spread over the accounts and the regions, are scanned
    // by the real target-scan task: each has one region enabled, with a fleet of its own (the child
    // assumes the role, reads its enabled regions, scans), and is then scanned alone to compare.
    // Sampled, not every account: the real scan of 1 360 targets took 23 s of CPU here (5 x this
    // file's), and a single-target scan to compare costs about 80 ms more per target;
    // the 86 other accounts' children answer with a real child's result for each of the 17 regions
    // they have: 86 x 17 + 4 = 1 466 targets through the Map, past the 1 260 of one region at which
    // the Map's output of every result passed 256 KiB when results went through the execution state.
    const accounts = Array.from({ length: 90 }, (_, index) => String(200_000_000_000 + index));
    const sampled = accounts
      .filter((_, index) => index % 23 === 0)
      .map((account, index) => ({ account, region: SEVENTEEN[(index * 5) % SEVENTEEN.length] ?? REGION }));
    await start({
      region: REGION,
      targets: { accounts, regions: [...SEVENTEEN] },
      access: {
        disabledRegions: sampled.flatMap(({ account, region }) =>
          SEVENTEEN.filter((other) => other !== region).map((other) => ({ account, region: other })),
        ),
      },
    });
    sampled.forEach(({ account, region }, index) => {
      const fleet = stack.emulator.fleetOf(account, region);
      fleet.putGroup(groupState(`orders-${index}`));
      for (let group = 0; group < index % 3; group += 1)
        fleet.putGroup(
          groupState(`carts-${index}-${group}`, { durability: 'sync', effectiveDurability: 'sync' }),
        );
    });
    const policy = parsePolicy(
      `version: 1
settings:
  targets: { accounts: [${accounts.map((account) => `'${account}'`).join(', ')}], regions: all-enabled, concurrency: 8 }
rules:
  - name: prod-durability
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync }
`,
      'policy.yaml',
    );
    const isSampled = new Set(sampled.map(({ account }) => account));
    let firstResult: (result: unknown) => void = () => undefined;
    const template = new Promise<unknown>((resolve) => {
      firstResult = resolve;
    });

    // Act
    const run = await runOrgScan({
      endpoint: stack.emulator.endpoint,
      dynamo: stack.dynamo.endpoint,
      policy,
      home: HOME,
      now: () => new Date(stack.emulator.clock.now()),
      wrap: {
        'target-scan': (scan) => async (event) => {
          const { account } = event as unknown as { account: string };
          if (isSampled.has(account)) {
            const answer = (await scan(event)) as unknown as { results: unknown[] };
            firstResult(answer.results[0]);
            return answer as never;
          }
          const result = (await template) as object;
          return {
            account,
            results: SEVENTEEN.map((region) => ({ ...result, target: { account, region } })),
          } as never;
        },
      },
    });
    const assumed = requestsReached(stack.emulator, 'AssumeRole');

    // Assess: every target complete through the Map, every state far under the 262 144-byte quota.
    const { largestPayload } = run.execution;
    const largestChild = run.execution.children.largestPayload;
    console.info(
      `${run.summary.targets} targets: largest parent state ${largestPayload} bytes, largest child state ${largestChild} bytes, ${assumed.length} AssumeRole calls`,
    );
    expect(run.summary).toMatchObject({ targets: 86 * 17 + 4, complete: 86 * 17 + 4, failed: 0 });
    expect(run.summary.targets).toBeGreaterThanOrEqual(1200);
    expect(run.execution.children.counts.STANDARD).toMatchObject({ executions: 90, failed: 0 });
    expect(largestPayload).toBeLessThan(2048);
    expect(largestChild).toBeLessThan(262_144);
    // One AssumeRole per account whose child ran the real task, none for the listing.
    expect(assumed.length).toBeLessThanOrEqual(accounts.length + 1);
    expect(assumed.map(({ params }) => String(params.RoleArn)).sort()).toEqual(
      sampled.map(({ account }) => memberRoleArn(account, DEFAULT_MEMBER_ROLE)),
    );
    // Each sampled target's findings through the Map are those of a scan of that target alone.
    const AWS = { endpoint: stack.emulator.endpoint };
    const members = new MemberCredentials({ roleName: DEFAULT_MEMBER_ROLE }, { ...AWS, region: REGION });
    for (const target of sampled) {
      const single = await scanTarget(
        {
          home: HOME,
          members,
          aws: AWS,
          store: stack.store,
          events: new EventPublisher(undefined, { ...AWS, region: REGION }),
          alerts: new AlertPublisher(ALERT_TOPIC, { ...AWS, region: REGION }),
          logger,
          holder: 'single-target',
          now: () => new Date(stack.emulator.clock.now()),
        },
        { policy, dryRun: true },
        target,
      );
      const mapped = run.runs.get(targetName(target))?.findings ?? [];
      expect(mapped.length, targetName(target)).toBeGreaterThan(0);
      expect(findingSet(mapped), targetName(target)).toEqual(findingSet(single.findings));
    }
  }, 120_000);
});
