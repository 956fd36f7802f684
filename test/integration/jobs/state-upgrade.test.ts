/**
 * The upgrade from the previous version's table layout (every lease under `lease`, findings under
 * `resource#<arn>`, every encryption baseline under `baseline#storage-encryption`) to per-target
 * partitions: a change in flight stays held, its snapshot stays kept, a finding's history moves
 * with it (no second violation event), and a baseline still decides drift.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STATE_TABLE } from '../../../infra/local/dynamo.js';
import { createFleetClients } from '../../../shared/aws/clients.js';
import { DETAIL_TYPES } from '../../../shared/aws/notify.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { scanDurability } from '../../../shared/jobs/durability/pipeline.js';
import { scanEncryptionDrift } from '../../../shared/jobs/encryption-drift.js';
import { cleanupSnapshots } from '../../../shared/jobs/snapshots.js';
import {
  enforceSyncSettings,
  groupState,
  modifyCalls,
  REGION,
  requestsReached,
  type Stack,
  startStack,
} from '../harness.js';

const SETTINGS = enforceSyncSettings({ snapshotBeforeChange: true });

const HOME = { account: '123456789012', region: REGION };
/** Every StorageEncryptionType allowed: the only alerts are drift alerts. */
const PERMISSIVE = parsePolicy(
  `version: 1
rules:
  - name: at-rest
    match: { resourceTypes: [replication-group] }
    storageEncryption: { allowed: [none, sse-elasticache, sse-kms] }
`,
  'policy.yaml',
);

let stack: Stack;
let table: DynamoDBDocumentClient;
beforeEach(async () => {
  stack = await startStack();
  table = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: stack.dynamo.endpoint, region: REGION }),
  );
});
afterEach(async () => {
  table.destroy();
  await stack.close();
});

const items = async () => (await table.send(new ScanCommand({ TableName: STATE_TABLE }))).Items ?? [];

/** Rewrite the table as the previous version kept it: leases under `lease`, findings per resource. */
async function toPreviousLayout(): Promise<void> {
  for (const item of await items()) {
    const pk = String(item.pk);
    const sk = String(item.sk);
    let old: { pk: string; sk: string } | undefined;
    if (pk.startsWith('lease#')) old = { pk: 'lease', sk };
    if (pk.startsWith('target#')) {
      const [, arn = '', rule = '', check = ''] = sk.split('#');
      old = { pk: `resource#${arn}`, sk: `finding#${rule}#${check}` };
    }
    if (old === undefined) continue;
    await table.send(new PutCommand({ TableName: STATE_TABLE, Item: { ...item, ...old } }));
    await table.send(new DeleteCommand({ TableName: STATE_TABLE, Key: { pk, sk } }));
  }
}

const cleanup = () =>
  cleanupSnapshots(createFleetClients({ endpoint: stack.emulator.endpoint, region: REGION }), {
    retentionDays: 0,
    dryRun: false,
    now: new Date(stack.emulator.clock.now()),
    store: stack.store,
  });

describe('Upgrade to per-target partitions', () => {
  it('honours a live lease and keeps its snapshot, moving the lease and the findings once', async () => {
    // Prepare: a change in flight (its snapshot still creating), stored as the previous version did.
    stack.emulator.model.putGroup(groupState('in-flight'));
    await scanDurability(stack.durabilityDeps('before-upgrade'), SETTINGS);
    const [name, snapshot] = [...stack.emulator.model.snapshots.entries()][0] ?? [];
    if (name === undefined || snapshot === undefined) throw new Error('no snapshot was started');
    stack.emulator.model.snapshots.set(name, { ...snapshot, status: 'creating' });
    await toPreviousLayout();
    const events = stack.emulator.sinks.events.length;

    // Act: the cleanup and an hourly run of the new version, then the cleanup again.
    const beforeMove = await cleanup();
    stack.emulator.clock.advance(3_600_000);
    const run = await scanDurability(stack.durabilityDeps('after-upgrade'), SETTINGS);
    const afterMove = await cleanup();

    // Assess: the lease held (no second snapshot, no change sent), moved to the target's partition.
    expect(requestsReached(stack.emulator, 'CreateSnapshot')).toHaveLength(1);
    expect(modifyCalls(stack.emulator)).toEqual([]);
    expect(run.findings[0]?.action).toBe('waiting-for-snapshot');
    expect([beforeMove.deleted, afterMove.deleted]).toEqual([[], []]);
    const keys = (await items()).map((item) => String(item.pk).replace(/#.*/, '#'));
    expect(keys.sort()).toEqual(['lease#', 'target#']);
    expect(
      stack.emulator.sinks.events
        .slice(events)
        .filter((event) => event.detailType === DETAIL_TYPES.policyViolation),
    ).toEqual([]);
  });
});

describe('Upgrade: encryption baselines, from the partition of every target to their own', () => {
  it('detects drift against a baseline the previous version kept, and moves it into its target partition once', async () => {
    // Prepare: a first run's baselines, rewritten as the previous version kept them (one partition).
    stack.emulator.model.putGroup(groupState('orders', { encrypted: true }));
    const drift = stack.driftDeps();
    await scanEncryptionDrift(drift, PERMISSIVE, { target: HOME });
    const current = `baseline#storage-encryption#${HOME.account}#${HOME.region}`;
    for (const item of await items())
      if (String(item.pk) === current) {
        await table.send(
          new PutCommand({ TableName: STATE_TABLE, Item: { ...item, pk: 'baseline#storage-encryption' } }),
        );
        await table.send(new DeleteCommand({ TableName: STATE_TABLE, Key: { pk: item.pk, sk: item.sk } }));
      }
    const arn = stack.emulator.model.arn('replicationgroup', 'orders');
    expect((await items()).filter((item) => item.sk === arn).map((item) => item.pk)).toEqual([
      'baseline#storage-encryption',
    ]);

    // Act: the group loses its at-rest encryption; the upgraded run, then one more.
    stack.emulator.model.putGroup({ ...groupState('orders'), encrypted: false });
    const upgraded = await scanEncryptionDrift(drift, PERMISSIVE, { target: HOME });
    const next = await scanEncryptionDrift(drift, PERMISSIVE, { target: HOME });

    // Assess: the change is a drift from the old baseline, alerted once; the baseline now in its target's partition.
    expect(upgraded.alerts.map((alert) => `${alert.kind} ${alert.from} -> ${alert.to}`)).toEqual([
      expect.stringMatching(/^drift sse-elasticache -> none/),
    ]);
    expect(next.alerts).toEqual([]);
    expect((await items()).filter((item) => item.sk === arn).map((item) => item.pk)).toEqual([current]);
  });
});
