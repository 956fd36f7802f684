import { ElastiCacheClient, ModifyReplicationGroupCommand } from '@aws-sdk/client-elasticache';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GroupState } from '../../../infra/local/emulator/model.js';
import { type AlertPublisher, DETAIL_TYPES } from '../../../shared/aws/notify.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { scanEncryptionDrift } from '../../../shared/jobs/encryption-drift.js';
import { groupState, REGION, type Stack, serverlessState, startStack } from '../harness.js';

const KEY_A = 'arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-0000-4000-8000-000000000001';
const KEY_B = 'arn:aws:kms:us-east-1:123456789012:key/bbbbbbbb-0000-4000-8000-000000000002';
const STATES = ['none', 'sse-elasticache', 'kms-a', 'kms-b', 'missing'] as const;
type State = (typeof STATES)[number];

const policy = (allowed: string, extra = '') =>
  parsePolicy(
    `version: 1
settings: { maxAlertsPerRun: 20 }
rules:
  - name: at-rest
    match: { resourceTypes: [replication-group, serverless-cache] }
    storageEncryption: { allowed: [${allowed}] ${extra} }
`,
    'p.yaml',
  );
const permissive = policy('none, sse-elasticache, sse-kms');

/** The emulator fields that give each state. */
function encryption(state: State) {
  return {
    encrypted: state !== 'none',
    kmsKeyId: state === 'kms-a' ? KEY_A : state === 'kms-b' ? KEY_B : undefined,
    legacyApi: state === 'missing',
  };
}

const serverless = (name: string, state: State) => serverlessState(name, encryption(state));

function setGroup(stack: Stack, id: string, state: State, overrides: Partial<GroupState> = {}) {
  stack.emulator.model.putGroup(groupState(id, { ...encryption(state), ...overrides }));
}

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(async () => {
  await stack.close();
});

const snsFor = (id: string) =>
  stack.emulator.sinks.messages.filter(
    (message) => message.subject?.includes(` ${id} `) || message.subject?.endsWith(` ${id}`),
  );

describe('Function: scanEncryptionDrift', () => {
  it('alerts exactly once for every change between known states, for both resource types, and never for a missing field', async () => {
    // Prepare
    const pairs = STATES.flatMap((from) => STATES.map((to) => ({ from, to })));
    for (const { from, to } of pairs) {
      setGroup(stack, `rg-${from}-to-${to}`, from);
      stack.emulator.model.putServerless(serverless(`sc-${from}-to-${to}`, from));
    }
    await scanEncryptionDrift(stack.driftDeps(), permissive);
    const before = stack.emulator.sinks.messages.length;

    // Act
    for (const { from, to } of pairs) {
      setGroup(stack, `rg-${from}-to-${to}`, to);
      stack.emulator.model.putServerless(serverless(`sc-${from}-to-${to}`, to));
    }
    const report = await scanEncryptionDrift(stack.driftDeps(), {
      ...permissive,
      settings: { ...permissive.settings, maxAlertsPerRun: 100 },
    });
    const again = await scanEncryptionDrift(stack.driftDeps(), permissive);

    // Assess
    expect(before).toBe(0);
    for (const prefix of ['rg', 'sc']) {
      for (const { from, to } of pairs) {
        const id = `${prefix}-${from}-to-${to}`;
        const expected = from !== to && from !== 'missing' && to !== 'missing' ? 1 : 0;
        expect({ id, alerts: snsFor(id).length }).toEqual({ id, alerts: expected });
      }
    }
    const drifts = report.alerts.filter((alert) => alert.kind === 'drift');
    expect(drifts).toHaveLength(2 * 12);
    expect(drifts.find((alert) => alert.resourceId === 'rg-kms-a-to-kms-b')).toMatchObject({
      from: `sse-kms (${KEY_A})`,
      to: `sse-kms (${KEY_B})`,
      severity: 'medium',
    });
    expect(again.alerts).toEqual([]);
  });

  it('stays silent over 10 unchanged scans, then sends one drift for a change and one resolved for its revert', async () => {
    // Prepare
    setGroup(stack, 'orders', 'kms-a');
    const onlyKms = policy('sse-kms');
    const counts: number[] = [];

    // Act
    for (let scan = 0; scan < 10; scan += 1)
      counts.push((await scanEncryptionDrift(stack.driftDeps(), onlyKms)).alerts.length);
    setGroup(stack, 'orders', 'none');
    const changed = await scanEncryptionDrift(stack.driftDeps(), onlyKms);
    setGroup(stack, 'orders', 'kms-a');
    const reverted = await scanEncryptionDrift(stack.driftDeps(), onlyKms);

    // Assess
    expect(counts).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(changed.alerts.map((alert) => [alert.kind, alert.severity])).toEqual([['drift', 'high']]);
    expect(reverted.alerts.map((alert) => alert.kind)).toEqual(['resolved']);
    expect(stack.emulator.sinks.events.map((event) => event.detailType)).toEqual([
      DETAIL_TYPES.encryptionDrift,
      DETAIL_TYPES.encryptionResolved,
    ]);
    const message = stack.emulator.sinks.messages[0];
    expect(message?.attributes).toEqual({
      rule: 'at-rest',
      severity: 'high',
      resourceType: 'replication-group',
    });
    expect(message?.message).toContain(`State:     sse-kms (${KEY_A}) -> none`);
  });

  it('names a durability change as the cause of none -> sse-elasticache, in one low-severity alert', async () => {
    // Prepare
    setGroup(stack, 'orders', 'none', { atRestEncryptionEnabled: false });
    await scanEncryptionDrift(stack.driftDeps(), permissive);
    const client = new ElastiCacheClient({ endpoint: stack.emulator.endpoint, region: REGION });
    await client.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: 'orders',
        Durability: 'sync',
        ApplyImmediately: true,
      }),
    );
    stack.emulator.clock.advance(10 * 60_000);

    // Act
    const report = await scanEncryptionDrift(stack.driftDeps(), permissive);

    // Assess
    expect(report.alerts).toHaveLength(1);
    expect(report.alerts[0]).toMatchObject({
      kind: 'drift',
      severity: 'low',
      from: 'none',
      to: 'sse-elasticache',
    });
    expect(report.alerts[0]?.cause).toContain('durability change (EffectiveDurability disabled -> sync)');
    expect(report.findings[0]?.notes).toContainEqual(
      'AtRestEncryptionEnabled reads false, but StorageEncryptionType is sse-elasticache: data is encrypted at rest',
    );
  });

  it('calls the same change without a durability change an unexplained drift', async () => {
    // Prepare
    setGroup(stack, 'orders', 'none');
    await scanEncryptionDrift(stack.driftDeps(), permissive);
    setGroup(stack, 'orders', 'sse-elasticache');

    // Act
    const report = await scanEncryptionDrift(stack.driftDeps(), permissive);

    // Assess
    expect(report.alerts[0]).toMatchObject({ kind: 'drift', severity: 'medium', cause: undefined });
    expect(report.alerts[0]?.summary).toContain('with no known cause');
  });

  it('recognises a recreated group, and retires the baseline of a deleted one with one event', async () => {
    // Prepare
    setGroup(stack, 'orders', 'kms-a');
    setGroup(stack, 'old', 'sse-elasticache');
    await scanEncryptionDrift(stack.driftDeps(), permissive);
    setGroup(stack, 'orders', 'none', { createdAt: Date.parse('2026-11-20T00:00:00Z') });
    stack.emulator.model.groups.delete('old');

    // Act
    const report = await scanEncryptionDrift(stack.driftDeps(), permissive);
    const after = await scanEncryptionDrift(stack.driftDeps(), permissive);

    // Assess
    expect(report.alerts.map((alert) => [alert.kind, alert.resourceId])).toEqual([
      ['drift', 'orders'],
      ['retired', 'old'],
    ]);
    expect(report.alerts[0]?.cause).toContain('resource recreated');
    expect(
      stack.emulator.sinks.events.filter((event) => event.detailType === DETAIL_TYPES.encryptionRetired),
    ).toHaveLength(1);
    expect(snsFor('old')).toEqual([]);
    expect(after.alerts).toEqual([]);
  });

  it('sends one summary alert for 500 drifting resources and records every drift', async () => {
    // Prepare
    for (let index = 0; index < 500; index += 1) setGroup(stack, `g-${index}`, 'kms-a');
    await scanEncryptionDrift(stack.driftDeps(), permissive);
    for (let index = 0; index < 500; index += 1) setGroup(stack, `g-${index}`, 'kms-b');

    // Act
    const report = await scanEncryptionDrift(stack.driftDeps(), permissive);
    const after = await scanEncryptionDrift(stack.driftDeps(), permissive);

    // Assess
    expect(report.summarized).toBe(true);
    expect(stack.emulator.sinks.messages).toHaveLength(1);
    expect(stack.emulator.sinks.messages[0]?.subject).toBe(
      '[guardrails] 500 StorageEncryption alerts in one run',
    );
    expect(
      stack.emulator.sinks.messages[0]?.message.split('\n').filter((line) => line.startsWith('- ')),
    ).toHaveLength(500);
    expect(
      stack.emulator.sinks.events.filter((event) => event.detailType === DETAIL_TYPES.encryptionDrift),
    ).toHaveLength(500);
    expect(after.alerts).toEqual([]);
  }, 120_000);

  it('delivers exactly one alert when SNS fails twice, and keeps the baseline consistent', async () => {
    // Prepare
    setGroup(stack, 'orders', 'kms-a');
    await scanEncryptionDrift(stack.driftDeps(), permissive);
    setGroup(stack, 'orders', 'none');
    stack.emulator.faults.failNext({ action: 'Publish', code: 'InternalError', status: 500, times: 2 });

    // Act
    await scanEncryptionDrift(stack.driftDeps(3), permissive);
    const after = await scanEncryptionDrift(stack.driftDeps(3), permissive);

    // Assess
    expect(stack.emulator.sinks.messages).toHaveLength(1);
    expect(after.alerts).toEqual([]);
  });

  it('never loses a transition when SNS stays down for a run: the next run delivers it once', async () => {
    // Prepare
    setGroup(stack, 'orders', 'kms-a');
    await scanEncryptionDrift(stack.driftDeps(), permissive);
    setGroup(stack, 'orders', 'none');
    stack.emulator.faults.failNext({ action: 'Publish', code: 'InternalError', status: 500, times: 2 });

    // Act
    const failed = await scanEncryptionDrift(stack.driftDeps(2), permissive);
    const retried = await scanEncryptionDrift(stack.driftDeps(2), permissive);
    const after = await scanEncryptionDrift(stack.driftDeps(2), permissive);

    // Assess: the failed send did not fail the run; it stayed pending for the next.
    expect(failed.outbox).toEqual({ published: 0, pending: 1 });
    expect(retried.alerts.map((alert) => alert.kind)).toEqual(['drift']);
    expect(stack.emulator.sinks.messages).toHaveLength(1);
    expect(after.alerts).toEqual([]);
  });

  it('completes a run whose PutEvents is throttled throughout: one SNS message, and the next run delivers the event once', async () => {
    // Prepare
    setGroup(stack, 'orders', 'kms-a');
    await scanEncryptionDrift(stack.driftDeps(), permissive);
    setGroup(stack, 'orders', 'none');
    stack.emulator.faults.configure({ throttleRates: { PutEvents: 1 } });

    // Act
    const throttled = await scanEncryptionDrift(stack.driftDeps(2), permissive);
    const throttledAgain = await scanEncryptionDrift(stack.driftDeps(2), permissive);
    const eventsWhileThrottled = stack.emulator.sinks.events.length;
    stack.emulator.faults.configure({ throttleRates: { PutEvents: 0 } });
    const healthy = await scanEncryptionDrift(stack.driftDeps(2), permissive);
    const after = await scanEncryptionDrift(stack.driftDeps(2), permissive);

    // Assess: the drift was alerted by SNS once and sent to EventBridge once, with a stable id.
    expect(throttled.outbox).toEqual({ published: 0, pending: 1 });
    expect(throttledAgain.outbox).toEqual({ published: 0, pending: 1 });
    expect(eventsWhileThrottled).toBe(0);
    expect(healthy.outbox).toEqual({ published: 1, pending: 0 });
    expect(healthy.alerts.map((alert) => alert.kind)).toEqual(['drift']);
    expect(after.outbox).toEqual({ published: 0, pending: 0 });
    expect(snsFor('orders')).toHaveLength(1);
    const drifts = stack.emulator.sinks.events.filter(
      (event) => event.detailType === DETAIL_TYPES.encryptionDrift,
    );
    expect(drifts).toHaveLength(1);
    expect((drifts[0]?.detail as { eventId?: string } | undefined)?.eventId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('alerts a change once when three runs overlap', async () => {
    // Prepare
    setGroup(stack, 'orders', 'kms-a');
    await scanEncryptionDrift(stack.driftDeps(), permissive);
    setGroup(stack, 'orders', 'none');

    // Act
    const reports = await Promise.all(
      [1, 2, 3].map(() => scanEncryptionDrift(stack.driftDeps(), permissive)),
    );
    const after = await scanEncryptionDrift(stack.driftDeps(), permissive);

    // Assess
    expect(stack.emulator.sinks.messages).toHaveLength(1);
    expect(
      stack.emulator.sinks.events.filter((event) => event.detailType === DETAIL_TYPES.encryptionDrift),
    ).toHaveLength(1);
    expect(reports.map((report) => report.alerts.length).sort()).toEqual([0, 0, 1]);
    expect(after.alerts).toEqual([]);
  });

  it('alerts again a transition whose run died while sending, once its claim is stale', async () => {
    // Prepare: a run claimed the drift and died before sending (its claim stays in the store).
    setGroup(stack, 'orders', 'kms-a');
    await scanEncryptionDrift(stack.driftDeps(), permissive);
    setGroup(stack, 'orders', 'none');
    const signal: { reached?: () => void } = {};
    const claimed = new Promise<void>((resolve) => {
      signal.reached = resolve;
    });
    const hanging = {
      publish: () => {
        signal.reached?.();
        return new Promise<never>(() => undefined);
      },
    };
    void scanEncryptionDrift(
      { ...stack.driftDeps(), alerts: hanging as unknown as AlertPublisher },
      permissive,
    );
    await claimed;

    // Act
    const soon = await scanEncryptionDrift(stack.driftDeps(), permissive);
    stack.emulator.clock.advance(31 * 60_000);
    const later = await scanEncryptionDrift(stack.driftDeps(), permissive);
    const after = await scanEncryptionDrift(stack.driftDeps(), permissive);

    // Assess
    expect(soon.alerts).toEqual([]);
    expect(later.alerts.map((alert) => alert.kind)).toEqual(['drift']);
    expect(snsFor('orders')).toHaveLength(1);
    expect(after.alerts).toEqual([]);
  });

  it('reports no false drift under 30% throttling and 5% server errors', async () => {
    // Prepare
    for (let index = 0; index < 30; index += 1)
      setGroup(stack, `g-${index}`, index % 2 === 0 ? 'kms-a' : 'none');
    for (let index = 0; index < 10; index += 1)
      stack.emulator.model.putServerless(serverless(`s-${index}`, 'kms-b'));
    await scanEncryptionDrift(stack.driftDeps(), permissive);
    stack.emulator.faults.configure({ throttleRate: 0.3, serverErrorRate: 0.05, seed: 11 });

    // Act
    let completed = 0;
    for (let scan = 0; scan < 4; scan += 1) {
      const report = await scanEncryptionDrift(stack.driftDeps(6), permissive).catch(() => undefined);
      if (report !== undefined) completed += 1;
    }

    // Assess
    expect(completed).toBeGreaterThan(0);
    expect(stack.emulator.sinks.messages).toEqual([]);
    expect(stack.emulator.sinks.events).toEqual([]);
  }, 120_000);
});
