/**
 * One organisation scan at a time: infra/org-scan.asl.yaml run locally against the sandbox, a
 * first run held in its Map while a second starts. The second ends AlreadyRunning, scanning
 * nothing and counted; a run after the first finished proceeds; every failure path gives the
 * run back.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { alreadyRunning, type OrgScanOptions, runOrgScan } from '../../../infra/local/org-scan-workflow.js';
import type { ExecutionFailedError } from '../../../infra/local/step-functions.js';
import { runLockKey } from '../../../shared/aws/state-keys.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { METRICS_NAMESPACE } from '../../../shared/jobs/function-base.js';
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
/** Every EMF record printed (Powertools writes them with console.log). */
let printed: Record<string, unknown>[];

beforeEach(async () => {
  stack = await startStack();
  stack.emulator.model.putGroup(groupState('orders'));
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  printed = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
    if (typeof line === 'string' && line.includes('"_aws"')) printed.push(JSON.parse(line));
  });
});
afterEach(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await stack.close();
});

const run = (executionName: string, extra: Partial<OrgScanOptions> = {}) =>
  runOrgScan({
    endpoint: stack.emulator.endpoint,
    dynamo: stack.dynamo.endpoint,
    policy: POLICY,
    home: HOME,
    executionName,
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'elasticache-guardrails' }),
    ...extra,
  });

/** A first run held inside its Map item until `release()`: `inMap` resolves once it is there. */
function heldRun(executionName: string) {
  let release = () => {};
  let entered = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const inMap = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const finished = run(executionName, {
    wrap: {
      'target-scan': (task) => async (event) => {
        entered();
        await held;
        return task(event);
      },
    },
  });
  return { inMap, release, finished };
}

/** The OverlappingRuns values emitted, in order, with their dimension. */
const overlaps = () =>
  printed
    .filter((record) => 'OverlappingRuns' in record)
    .map((record) => [record.run, record.OverlappingRuns]);

describe('State machine: infra/org-scan.asl.yaml, one run at a time', () => {
  it('ends a run started while another is in its Map AlreadyRunning: no target scanned, no AWS request, counted', async () => {
    // Prepare
    const first = heldRun('scan-1');
    await first.inMap;
    const requestsBefore = stack.emulator.faults.log.length;

    // Act
    const second = await run('scan-2');
    // The local run makes the scan bucket first (the deployment has it): the sandbox's set-up, not the run's.
    const requestsOfSecond = stack.emulator.faults.log
      .slice(requestsBefore)
      .filter((entry) => entry.action !== 'CreateBucket').length;
    first.release();
    const firstDone = await first.finished;

    // Assess
    expect(alreadyRunning(second)).toMatchObject({ claimed: false, execution: 'scan-2', running: 'scan-1' });
    expect(second.execution.states).toEqual(['ClaimRun', 'RunClaimed', 'AlreadyRunning']);
    expect(second.runs.size).toBe(0);
    expect(requestsOfSecond).toBe(0);
    expect(firstDone.summary).toMatchObject({ targets: 1, complete: 1 });
    expect(overlaps()).toEqual([
      ['org-scan', 0],
      ['org-scan', 1],
    ]);
  });

  it('counts two overlapping runs in a row, each naming the run still going', async () => {
    // Prepare
    const first = heldRun('scan-1');
    await first.inMap;

    // Act
    const second = await run('scan-2');
    const third = await run('scan-3');
    first.release();
    await first.finished;

    // Assess
    expect([second, third].map((overlapping) => alreadyRunning(overlapping)?.running)).toEqual([
      'scan-1',
      'scan-1',
    ]);
    expect(overlaps().map(([, value]) => value)).toEqual([0, 1, 1]);
  });

  it('lets a run started after the first finished proceed, and leaves no lease behind', async () => {
    // Prepare
    await run('scan-1');

    // Act
    const next = await run('scan-2');

    // Assess
    expect(alreadyRunning(next)).toBeUndefined();
    expect(next.summary).toMatchObject({ targets: 1, complete: 1 });
    expect(next.execution.states).toEqual([
      'ClaimRun',
      'RunClaimed',
      'ListTargets',
      'ScanTargets',
      'Summarize',
      'ReleaseRun',
    ]);
    expect(next.execution.children.states).toEqual(['ScanAccount']);
    expect(await stack.store.readLease(runLockKey('org-scan'))).toBeUndefined();
    expect(overlaps().map(([, value]) => value)).toEqual([0, 0]);
  });

  it.each([
    ['the listing', 'list', 'ReleaseRunNotListed', 'TargetsNotListed'],
    ['the summary', 'summarize', 'ReleaseRunFailed', 'ScanFailed'],
  ])('gives the run back when %s fails, so the next run proceeds', async (_, action, release, fail) => {
    // Prepare: the org-scan task fails that action for good.
    const failing = await run('scan-1', {
      wrap: {
        'org-scan': (task) => async (event) => {
          if ((event as { action?: string }).action === action)
            throw Object.assign(new Error('Organizations refused the call'), { name: 'AwsCallError' });
          return task(event);
        },
      },
    }).then(
      () => undefined,
      (error: unknown) => error as ExecutionFailedError,
    );

    // Act
    const next = await run('scan-2');

    // Assess
    expect(failing?.states.slice(-2)).toEqual([release, fail]);
    expect(alreadyRunning(next)).toBeUndefined();
    expect(next.summary).toMatchObject({ targets: 1, complete: 1 });
  });
});
