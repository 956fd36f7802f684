/**
 * The organisation scan's state machine (infra/org-scan.asl.yaml) run locally against the
 * sandbox: listing, one Map item per target, the summary as the execution's output.
 */
import validateAsl from 'asl-validator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ORG_SCAN_ASL, runOrgScan } from '../../../infra/local/org-scan-workflow.js';
import { loadDefinition } from '../../../infra/local/step-functions.js';
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
    expect(run.execution.states).toEqual(['ListTargets', 'ScanTargets', 'ScanTarget', 'Summarize']);
  });

  it('turns an item that fails into a failed result; the run goes on and counts it', async () => {
    // Act
    const run = await runOrgScan({
      endpoint: stack.emulator.endpoint,
      dynamo: stack.dynamo.endpoint,
      policy: POLICY,
      home: HOME,
      wrap: {
        'durability-scan': () => async () => {
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
    expect(run.execution.states).toContain('TargetFailed');
  });
});
