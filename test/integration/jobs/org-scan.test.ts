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

  it('completes past where the Map of target results used to pass 256 KiB, every state small: targets and results go through S3', async () => {
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
    // 80 accounts x 17 regions: 1 360 targets, past the 1 260 of one region at which the Map's
    // output of every result passed 256 KiB when results went through the execution state.
    const accounts = Array.from({ length: 80 }, (_, index) => String(200_000_000_000 + index));
    const regions = [
      ...['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-west-3'],
      ...['eu-central-1', 'eu-north-1', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2'],
      ...['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ca-central-1', 'sa-east-1'],
    ];
    const policy = parsePolicy(
      `version: 1
settings:
  targets: { accounts: [${accounts.map((account) => `'${account}'`).join(', ')}], regions: [${regions.join(', ')}], concurrency: 8 }
rules:
  - name: prod-durability
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync }
`,
      'policy.yaml',
    );
    const items: unknown[] = [];

    // Act: each child answers what the sandbox's real target run answered, for each of its regions.
    const run = await runOrgScan({
      endpoint: stack.emulator.endpoint,
      dynamo: stack.dynamo.endpoint,
      policy,
      home: HOME,
      wrap: {
        'target-scan': () => async (event) => {
          items.push(event);
          const { account, regions: itemRegions } = event as unknown as {
            account: string;
            regions: string[];
          };
          return {
            account,
            results: itemRegions.map((region) => ({ ...result, target: { account, region } })),
          } as never;
        },
      },
    });

    // Assess
    expect(result).toMatchObject({ status: 'complete' });
    expect(run.summary).toMatchObject({ targets: 80 * 17, complete: 80 * 17, failed: 0 });
    expect(items).toHaveLength(80);
    expect(items[0]).toEqual({ account: accounts[0], regions: [...regions].sort() });
    expect(run.execution.children.counts.STANDARD).toMatchObject({ executions: 80, failed: 0 });
    // The parent's largest state: keys and counts, nothing per target (the quota is 262 144 bytes).
    expect(run.execution.largestPayload).toBeLessThan(2048);
    console.info(`largest parent state over 80 x 17 targets: ${run.execution.largestPayload} bytes`);
  });
});
