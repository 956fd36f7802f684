/**
 * The organisation scan and the previous version's shared partitions (`lease` and
 * `baseline#storage-encryption`): the run's listing looks at them once, and its children read them
 * only while something is left there to move. Every Query that reaches dynalite is counted.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STATE_TABLE } from '../../../infra/local/dynamo.js';
import { CENTRAL_ACCOUNT } from '../../../infra/local/emulator/server.js';
import { runOrgScan } from '../../../infra/local/org-scan-workflow.js';
import { LEASE_PARTITION, LEGACY_BASELINE_PARTITION } from '../../../shared/aws/state-keys.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { crossTargets, type Target, targetName } from '../../../shared/domain/targets.js';
import { groupState, REGION, type Stack, startStack } from '../harness.js';

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const MEMBERS = Array.from({ length: 4 }, (_, index) => String(100_000_000_001 + index));
const TARGETS = crossTargets(MEMBERS, REGIONS);
const EXTERNAL_ID = 'org-scan-external-id';
/** Every StorageEncryptionType allowed: the only encryption alerts are drift alerts. */
const POLICY = parsePolicy(
  `version: 1
settings:
  targets:
    organization: {}
    exclude: ['${CENTRAL_ACCOUNT}']
    regions: [${REGIONS.join(', ')}]
    concurrency: 4
rules:
  - name: prod-durability
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync }
  - name: at-rest
    match: { resourceTypes: [replication-group] }
    storageEncryption: { allowed: [none, sse-elasticache, sse-kms] }
`,
  'policy.yaml',
);
const LEGACY = new Set([LEASE_PARTITION, LEGACY_BASELINE_PARTITION]);

let stack: Stack;
let table: DynamoDBDocumentClient;
beforeEach(async () => {
  stack = await startStack({
    region: REGION,
    targets: { accounts: MEMBERS, regions: REGIONS },
    access: { externalId: EXTERNAL_ID },
  });
  for (const target of TARGETS)
    stack.emulator.fleetOf(target.account, target.region).putGroup(groupState('orders', { encrypted: true }));
  table = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: stack.dynamo.endpoint, region: REGION }),
  );
});
afterEach(async () => {
  table.destroy();
  await stack.close();
});

const run = (executionName: string) =>
  runOrgScan({
    endpoint: stack.emulator.endpoint,
    dynamo: stack.dynamo.endpoint,
    policy: POLICY,
    home: { account: CENTRAL_ACCOUNT, region: REGION },
    access: { externalId: EXTERNAL_ID },
    now: () => new Date(stack.emulator.clock.now()),
    executionName,
  });

/** Run the organisation scan; answer its Queries of the previous version's shared partitions. */
async function legacyReads(executionName: string) {
  stack.dynamo.calls.length = 0;
  const scan = await run(executionName);
  expect(scan.summary).toMatchObject({ targets: TARGETS.length, complete: TARGETS.length, failed: 0 });
  const reads = stack.dynamo.calls.filter(
    (call) => call.operation === 'Query' && LEGACY.has(call.partitionKey ?? ''),
  );
  return { scan, reads: reads.length };
}

const items = async () => (await table.send(new ScanCommand({ TableName: STATE_TABLE }))).Items ?? [];
const arnOf = (target: Target) =>
  `arn:aws:elasticache:${target.region}:${target.account}:replicationgroup:orders`;

/**
 * Put one target's state where the previous version kept it: its baselines under the partition of
 * every target's, and a durability change in flight under `lease`.
 */
async function toPreviousLayout(target: Target): Promise<void> {
  const own = `${LEGACY_BASELINE_PARTITION}#${target.account}#${target.region}`;
  for (const item of await items())
    if (item.pk === own) {
      await table.send(
        new PutCommand({ TableName: STATE_TABLE, Item: { ...item, pk: LEGACY_BASELINE_PARTITION } }),
      );
      await table.send(new DeleteCommand({ TableName: STATE_TABLE, Key: { pk: item.pk, sk: item.sk } }));
    }
  const now = stack.emulator.clock.now();
  await table.send(
    new PutCommand({
      TableName: STATE_TABLE,
      Item: {
        pk: LEASE_PARTITION,
        sk: `durability#${arnOf(target)}`,
        holder: 'previous-version',
        acquiredAt: new Date(now).toISOString(),
        expiresAt: Math.floor(now / 1000) + 3_600,
        details: {
          phase: 'modify-requested',
          replicationGroupId: 'orders',
          rule: 'prod-durability',
          from: 'disabled',
          target: 'sync',
          applyImmediately: true,
          requestedAt: new Date(now).toISOString(),
        },
      },
    }),
  );
}

describe('Organisation scan: the previous version shared partitions', () => {
  it('reads them at most twice per run when nothing is left there, whatever the number of targets', async () => {
    // Prepare: a first run writes every target's state in its own partitions.
    await legacyReads('first');

    // Act
    const { reads } = await legacyReads('second');

    // Assess: the listing's two one-item Queries, none per target (2 per target before).
    console.log(
      `Queries of the shared legacy partitions in an org run over ${TARGETS.length} targets: ${reads}`,
    );
    expect(reads).toBeLessThanOrEqual(2);
  }, 120_000);

  it('moves what is left and finds drift against a baseline kept there, then reads them only once per run', async () => {
    // Prepare: a first run, one target's state put back in the previous layout, then its group drifts.
    await legacyReads('first');
    const [moved] = TARGETS;
    if (moved === undefined) throw new Error('no target');
    await toPreviousLayout(moved);
    stack.emulator
      .fleetOf(moved.account, moved.region)
      .putGroup({ ...groupState('orders'), encrypted: false });

    // Act: a run with the old items present, then one more.
    const upgraded = await legacyReads('upgraded');
    const after = await legacyReads('after');

    // Assess: drift against the old baseline, alerted once; the lease still held (no change sent);
    // the shared partitions emptied of both; the next run reads them only from its listing.
    const alerts = (scan: typeof upgraded.scan) =>
      TARGETS.map((target) => scan.runs.get(targetName(target))?.result.alerts ?? 0);
    expect(alerts(upgraded.scan)).toEqual(TARGETS.map((target) => (target === moved ? 1 : 0)));
    expect(stack.emulator.sinks.messages.map((message) => message.subject)).toEqual([
      expect.stringMatching(/drift: orders sse-elasticache -> none/),
    ]);
    expect(alerts(after.scan)).toEqual(TARGETS.map(() => 0));
    const stored = await items();
    expect(
      stored.filter((item) => LEGACY.has(String(item.pk)) && String(item.sk).startsWith('arn:')),
    ).toEqual([]);
    expect(stored.filter((item) => item.sk === `durability#${arnOf(moved)}`).map((item) => item.pk)).toEqual([
      `lease#${moved.account}#${moved.region}`,
    ]);
    expect(upgraded.reads).toBeGreaterThan(2);
    expect(after.reads).toBeLessThanOrEqual(2);
  }, 120_000);
});

describe('Method: StateStore.legacyLayoutLeft', () => {
  const put = (item: Record<string, unknown>) =>
    table.send(new PutCommand({ TableName: STATE_TABLE, Item: item }));
  const nowSeconds = () => Math.floor(stack.emulator.clock.now() / 1000);
  const left = () => stack.store.legacyLayoutLeft(new Date(stack.emulator.clock.now()));
  const [target = { account: '', region: '' }] = TARGETS;

  it('says nothing is left beside the workflows locks and durability leases that expired', async () => {
    // Prepare: a migration lock (its place now too) and an expired lease of the previous version.
    await put({
      pk: LEASE_PARTITION,
      sk: 'migration#orders',
      holder: 'x',
      acquiredAt: '',
      expiresAt: nowSeconds() + 60,
    });
    await put({
      pk: LEASE_PARTITION,
      sk: `durability#${arnOf(target)}`,
      holder: 'previous-version',
      acquiredAt: '',
      expiresAt: nowSeconds() - 1,
    });

    // Act / Assess
    expect(await left()).toBe(false);
  });

  it.each([
    [
      'an unexpired durability lease',
      () => ({ pk: LEASE_PARTITION, sk: `durability#${arnOf(target)}`, expiresAt: nowSeconds() + 60 }),
    ],
    ['a baseline', () => ({ pk: LEGACY_BASELINE_PARTITION, sk: arnOf(target), value: {} })],
  ])('says something is left when the previous version kept %s there', async (_, item) => {
    // Prepare
    await put(item());

    // Act / Assess
    expect(await left()).toBe(true);
  });
});
