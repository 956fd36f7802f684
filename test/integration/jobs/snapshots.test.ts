import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFleetClients } from '../../../shared/aws/clients.js';
import { DETAIL_TYPES, EventPublisher } from '../../../shared/aws/notify.js';
import { cleanupSnapshots } from '../../../shared/jobs/snapshots.js';
import { expectEvery } from '../../expect-every.js';
import { REGION, type Stack, snapshotState, startStack } from '../harness.js';

const DAY = 86_400_000;
let stack: Stack;

function snapshot(
  name: string,
  groupId: string,
  ageDays: number,
  options: { ours?: boolean; status?: string } = {},
) {
  const state = snapshotState(name, groupId, stack.emulator.clock.now() - ageDays * DAY, {
    status: options.status ?? 'available',
    tags: new Map(options.ours === false ? [] : [['guardrails:managed', 'true']]),
  });
  stack.emulator.model.snapshots.set(name, state);
}

beforeEach(async () => {
  stack = await startStack();
});
afterEach(async () => {
  await stack.close();
});

describe('Function: cleanupSnapshots', () => {
  it('deletes only our snapshots older than the retention, never the newest of a group', async () => {
    // Prepare
    snapshot('ours-a-old', 'a', 30);
    snapshot('ours-a-older', 'a', 40);
    snapshot('ours-a-new', 'a', 2);
    snapshot('ours-b-only', 'b', 90);
    snapshot('ours-c-old', 'c', 30);
    snapshot('ours-c-creating', 'c', 20, { status: 'creating' });
    snapshot('ours-c-newest', 'c', 1);
    snapshot('theirs-a-old', 'a', 100, { ours: false });
    const clients = createFleetClients({ endpoint: stack.emulator.endpoint, region: REGION });

    // Act
    const report = await cleanupSnapshots(clients, {
      retentionDays: 14,
      dryRun: false,
      now: new Date(stack.emulator.clock.now()),
      events: new EventPublisher(undefined, { endpoint: stack.emulator.endpoint, region: REGION }),
    });

    // Assess
    expect(report.deleted.sort()).toEqual(['ours-a-old', 'ours-a-older', 'ours-c-old']);
    const announced = stack.emulator.sinks.events
      .filter((event) => event.detailType === DETAIL_TYPES.snapshot)
      .map((event) => event.detail as { action: string; snapshot: { name: string; durability: string } });
    expect(announced.map((detail) => detail.snapshot.name).sort()).toEqual([
      'ours-a-old',
      'ours-a-older',
      'ours-c-old',
    ]);
    expectEvery(
      announced,
      (detail) => detail.action === 'deleted' && detail.snapshot.durability === 'disabled',
      'snapshot events',
    );
    expect([...stack.emulator.model.snapshots.keys()].sort()).toEqual([
      'ours-a-new',
      'ours-b-only',
      'ours-c-creating',
      'ours-c-newest',
      'theirs-a-old',
    ]);
    expect(report.kept).toContainEqual({
      name: 'ours-b-only',
      reason: 'newest available snapshot of its group',
    });
  });

  it('deletes nothing in dry-run and says what it would delete', async () => {
    // Prepare
    snapshot('ours-a-old', 'a', 30);
    snapshot('ours-a-new', 'a', 1);
    const clients = createFleetClients({ endpoint: stack.emulator.endpoint, region: REGION });

    // Act
    const report = await cleanupSnapshots(clients, {
      retentionDays: 14,
      dryRun: true,
      now: new Date(stack.emulator.clock.now()),
      events: new EventPublisher(undefined, { endpoint: stack.emulator.endpoint, region: REGION }),
    });

    // Assess
    expect(report.wouldDelete).toEqual(['ours-a-old']);
    expect(stack.emulator.model.snapshots.has('ours-a-old')).toBe(true);
    expect(stack.emulator.sinks.events).toEqual([]);
  });

  it.each(['failed', 'creating'])(
    'keeps the newest available snapshot when a newer one is %s',
    async (status) => {
      // Prepare: the only usable way back is old; a newer attempt is not usable.
      snapshot('ours-d-usable', 'd', 30);
      snapshot('ours-d-newer', 'd', 1, { status });
      const clients = createFleetClients({ endpoint: stack.emulator.endpoint, region: REGION });

      // Act
      const report = await cleanupSnapshots(clients, {
        retentionDays: 14,
        dryRun: false,
        now: new Date(stack.emulator.clock.now()),
      });

      // Assess
      expect(report.deleted).toEqual([]);
      expect(stack.emulator.model.snapshots.has('ours-d-usable')).toBe(true);
      expect(report.kept).toContainEqual({
        name: 'ours-d-usable',
        reason: 'newest available snapshot of its group',
      });
    },
  );

  it('keeps a snapshot that a migration or a durability change in flight names, however old', async () => {
    // Prepare: both past retention, neither the newest of its group.
    snapshot('orders-premigration-run-7', 'orders', 30);
    snapshot('ours-orders-newest', 'orders', 1);
    snapshot('guardrails-cart-1', 'cart', 30);
    snapshot('ours-cart-newest', 'cart', 1);
    const now = new Date(stack.emulator.clock.now());
    const until = new Date(now.getTime() + DAY);
    await stack.store.acquireLease('migration#orders', 'run-7', until, now, {
      snapshotName: 'orders-premigration-run-7',
    });
    await stack.store.acquireLease(
      'durability#arn:aws:elasticache:us-east-1:123456789012:replicationgroup:cart',
      'scan',
      until,
      now,
      {
        snapshotName: 'guardrails-cart-1',
      },
    );
    const clients = createFleetClients({ endpoint: stack.emulator.endpoint, region: REGION });

    // Act
    const report = await cleanupSnapshots(clients, {
      retentionDays: 14,
      dryRun: false,
      now,
      store: stack.store,
    });

    // Assess
    expect(report.deleted).toEqual([]);
    expect(
      report.kept
        .filter((kept) => kept.reason.startsWith('named by a change in flight'))
        .map((kept) => kept.name)
        .sort(),
    ).toEqual(['guardrails-cart-1', 'orders-premigration-run-7']);
  });
});
