/**
 * The organisation scan's state machine (infra/org-scan.asl.yaml) run locally against the
 * sandbox: listing, one Map item per target, the summary as the execution's output.
 */
import validateAsl from 'asl-validator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ORG_SCAN_ASL, runOrgScan } from '../../../infra/local/org-scan-workflow.js';
import { type ExecutionFailedError, loadDefinition } from '../../../infra/local/step-functions.js';
import { EXECUTION_QUOTAS } from '../../../shared/domain/execution-history.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { groupState, REGION, type Stack, startStack } from '../harness.js';

const HOME = { account: '123456789012', region: REGION };
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
beforeEach(async () => {
  stack = await startStack();
});
afterEach(async () => {
  await stack.close();
});

describe('State machine: infra/org-scan.asl.yaml', () => {
  it('is valid ASL, with a Distributed Map bounded by the policy and tolerant of failed items', () => {
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
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
    });
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
      findings: { compliant: 1, violation: 1, exempt: 0, unknown: 0, error: 0 },
      failures: [],
      exportFailures: [],
      skipped: 0,
      skippedAccounts: [],
    });
    expect([...run.runs.keys()]).toEqual(['123456789012/us-east-1']);
    // Each target is a child execution of its own: its states are not in the parent's history.
    expect(run.execution.states).toEqual([
      'ClaimRun',
      'RunClaimed',
      'ListTargets',
      'ScanTargets',
      'Summarize',
      'ReleaseRun',
    ]);
    expect(run.execution.children.states).toEqual(['ScanTarget']);
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
    expect(run.execution.children.states).toContain('TargetFailed');
  });

  it('fails with States.DataLimitExceeded once the Map of target results passes 256 KiB (where the scan breaks today)', async () => {
    // Prepare: one real target result of the sandbox (a violation and a compliant group), as every target's.
    stack.emulator.model.putGroup(groupState('orders'));
    stack.emulator.model.putGroup(groupState('carts', { durability: 'sync', effectiveDurability: 'sync' }));
    const sample = await runOrgScan({
      endpoint: stack.emulator.endpoint,
      dynamo: stack.dynamo.endpoint,
      policy: POLICY,
      home: HOME,
    });
    const result = sample.runs.get('123456789012/us-east-1')?.result;
    const targetsOf = (count: number) =>
      Array.from({ length: count }, (_, index) => ({
        account: String(200_000_000_000 + index),
        region: REGION,
      }));
    // The Map's output: ListTargets' answer with every item's result at $.results (ResultPath).
    const mapOutputBytes = (count: number) => {
      const targets = targetsOf(count);
      const results = targets.map((target) => ({ ...result, target }));
      return Buffer.byteLength(
        JSON.stringify({ targets, failed: [], skipped: [], concurrency: 8, results }),
        'utf8',
      );
    };
    let breaking = 1;
    while (mapOutputBytes(breaking) <= EXECUTION_QUOTAS.payloadBytes) breaking += 1;
    const scanOf = (count: number) =>
      runOrgScan({
        endpoint: stack.emulator.endpoint,
        dynamo: stack.dynamo.endpoint,
        policy: parsePolicy(
          `version: 1
settings:
  targets: { accounts: [${targetsOf(count)
    .map((target) => `'${target.account}'`)
    .join(', ')}], regions: [${REGION}], concurrency: 8 }
rules:
  - name: prod-durability
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync }
`,
          'policy.yaml',
        ),
        home: HOME,
        // Each item answers what the sandbox's real target run answered, for its own target.
        wrap: { 'target-scan': () => async (event) => ({ ...result, ...(event as object) }) as never },
      });

    // Act
    const below = await scanOf(breaking - 1);
    const failure = await scanOf(breaking).then(
      () => undefined,
      (error: unknown) => error as ExecutionFailedError,
    );

    // Assess
    expect(result).toMatchObject({ status: 'complete' });
    expect(below.summary.targets).toBe(breaking - 1);
    expect(failure?.error).toBe('States.DataLimitExceeded');
    expect(failure?.causeText).toContain('the output of state ScanTargets');
    expect(failure?.states).not.toContain('Summarize');
    // Today's numbers (the next issue moves the results to S3): about 1 260 targets of one region.
    expect(breaking).toBeGreaterThan(900);
    expect(breaking).toBeLessThan(1500);
  });
});
