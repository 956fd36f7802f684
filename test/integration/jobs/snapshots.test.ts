import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SnapshotState } from '../../../infra/local/emulator/model.js';
import { createFleetClients } from '../../../shared/aws/clients.js';
import { DETAIL_TYPES, EventPublisher } from '../../../shared/aws/notify.js';
import { cleanupSnapshots } from '../../../shared/jobs/snapshots.js';
import { REGION, type Stack, startStack } from '../harness.js';

const DAY = 86_400_000;
let stack: Stack;

function snapshot(
  name: string,
  groupId: string,
  ageDays: number,
  options: { ours?: boolean; status?: string } = {},
) {
  const state: SnapshotState = {
    name,
    groupId,
    status: options.status ?? 'available',
    source: 'manual',
    durability: 'disabled',
    engine: 'valkey',
    engineVersion: '9.0',
    nodeType: 'cache.r7g.large',
    shards: 1,
    replicas: 1,
    clusterMode: 'enabled',
    createdAt: stack.emulator.clock.now() - ageDays * DAY,
    sizeMb: 5,
    tags: new Map(options.ours === false ? [] : [['guardrails:managed', 'true']]),
  };
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
    expect(
      announced.every((detail) => detail.action === 'deleted' && detail.snapshot.durability === 'disabled'),
    ).toBe(true);
    expect([...stack.emulator.model.snapshots.keys()].sort()).toEqual([
      'ours-a-new',
      'ours-b-only',
      'ours-c-creating',
      'ours-c-newest',
      'theirs-a-old',
    ]);
    expect(report.kept).toContainEqual({ name: 'ours-b-only', reason: 'newest snapshot of its group' });
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
});
