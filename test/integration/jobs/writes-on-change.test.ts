/**
 * What a target's scheduled run writes to the state table: an unchanged fleet is read once per
 * partition and writes (almost) nothing; a change writes only what changed. Every write request
 * that reaches dynalite is counted, refused conditional writes too.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DynamoCall } from '../../../infra/local/dynamo.js';
import { seedFleet } from '../../../infra/local/emulator/fleet.js';
import { AlertPublisher, EventPublisher } from '../../../shared/aws/notify.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import type { Target } from '../../../shared/domain/targets.js';
import { scanTarget, type TargetScanDeps } from '../../../shared/jobs/target-scan.js';
import { createLogger } from '../../../shared/runtime/logger.js';
import { ALERT_TOPIC, REGION, type Stack, startStack } from '../harness.js';

const HOME: Target = { account: '123456789012', region: REGION };
const POLICY = parsePolicy(readFileSync('infra/policy.default.yaml', 'utf8'), 'policy.yaml');
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

let stack: Stack;
const logger = createLogger('test');
logger.setLogLevel('SILENT');

function deps(): TargetScanDeps {
  const central = { endpoint: stack.emulator.endpoint, region: REGION, maxAttempts: 2 };
  return {
    home: HOME,
    aws: { endpoint: stack.emulator.endpoint, maxAttempts: 2 },
    store: stack.store,
    events: new EventPublisher(undefined, central),
    alerts: new AlertPublisher(ALERT_TOPIC, central),
    logger,
    holder: 'test',
    now: () => new Date(stack.emulator.clock.now()),
  };
}

/** Run the target's scan; answer the write requests it sent. */
async function scan(): Promise<DynamoCall[]> {
  stack.dynamo.calls.length = 0;
  await scanTarget(deps(), { policy: POLICY, dryRun: true }, HOME);
  return stack.dynamo.calls.filter((call) => WRITES.has(call.operation));
}

beforeEach(async () => {
  stack = await startStack();
  seedFleet(stack.emulator.model, stack.emulator.clock, { groups: 100, serverless: 10, seed: 42 });
});
afterEach(async () => {
  await stack.close();
});

describe('Function: scanTarget (state table writes)', () => {
  it('writes at most one record when a 100-group target is scanned again unchanged', async () => {
    // Prepare
    const first = await scan();

    // Act
    const second = await scan();

    // Assess
    console.log(
      `state table writes of a 100-group target: first run ${first.length}, unchanged second run ${second.length}`,
    );
    expect(first.length).toBeGreaterThan(100);
    expect(second.length).toBeLessThanOrEqual(1);
    // The baselines: written the first time into the target's own partition, not once more.
    const baselines = (calls: DynamoCall[]) =>
      calls.filter((call) => call.partitionKey?.startsWith('baseline#'));
    expect(new Set(baselines(first).map((call) => call.partitionKey))).toEqual(
      new Set([`baseline#storage-encryption#${HOME.account}#${HOME.region}`]),
    );
    expect(baselines(second)).toEqual([]);
  }, 60_000);

  it('writes only the findings and baseline of the one group that changed', async () => {
    // Prepare: a first run, then one encrypted group loses its encryption.
    await scan();
    const [changed] = [...stack.emulator.model.groups.values()].filter((group) => group.encrypted);
    if (changed === undefined) throw new Error('the seeded fleet has no encrypted group');
    stack.emulator.model.putGroup({ ...changed, encrypted: false });
    const arn = stack.emulator.model.arn('replicationgroup', changed.id);

    // Act
    const second = await scan();

    // Assess: its finding and its baseline; nothing of the 109 other resources.
    const findings = second.filter((call) => call.partitionKey?.startsWith('target#'));
    const baselines = second.filter((call) => call.partitionKey?.startsWith('baseline#'));
    expect(findings.length).toBeGreaterThan(0);
    expect(baselines.length).toBeGreaterThan(0);
    expect([...findings, ...baselines].filter((call) => !call.sortKey?.includes(arn))).toEqual([]);
    expect(second.length).toBeLessThanOrEqual(findings.length + baselines.length + 1);
  }, 60_000);
});
