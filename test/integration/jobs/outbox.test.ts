/**
 * The outbox: events that belong to stored findings are never lost. A scan whose PutEvents is
 * throttled stores its findings with their events and goes on; a later run publishes them, each
 * event id once, counted at the sandbox's EventBridge sink.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sentAlertLedger } from '../../../shared/aws/alert-ledger.js';
import { AlertPublisher, DETAIL_TYPES } from '../../../shared/aws/notify.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { scanDurability } from '../../../shared/jobs/durability/pipeline.js';
import { ALERT_TOPIC, groupState, REGION, type Stack, startStack } from '../harness.js';

const policy = (mode: 'report' | 'enforce') =>
  parsePolicy(
    `version: 1
rules:
  - name: prod-durability
    mode: ${mode}
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync }
`,
    'test-policy.yaml',
  );

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(async () => {
  await stack.close();
});

/** The events at the sink: detail type, resource id and event id of each. */
const delivered = () =>
  stack.emulator.sinks.events.map((event) => {
    const detail = event.detail as { eventId?: string; finding?: { resourceId?: string } };
    return { detailType: event.detailType, resourceId: detail.finding?.resourceId, eventId: detail.eventId };
  });

/** How often each event id reached the sink. */
const deliveriesById = () => {
  const counts = new Map<string | undefined, number>();
  for (const { eventId } of delivered()) counts.set(eventId, (counts.get(eventId) ?? 0) + 1);
  return counts;
};

const throttlePutEvents = (rate: number, seed = 1) =>
  stack.emulator.faults.configure({ throttleRates: { PutEvents: rate }, seed });

describe('Outbox: events stored with their findings', () => {
  it('stores the findings of a run whose PutEvents is throttled throughout, and the next run delivers every violation once', async () => {
    // Prepare
    for (const id of ['a', 'b', 'c']) stack.emulator.model.putGroup(groupState(id));
    const settings = { policy: policy('report'), dryRun: false };
    throttlePutEvents(1);

    // Act
    const throttled = await scanDurability(stack.durabilityDeps(), settings);
    const atSinkWhileThrottled = delivered().length;
    throttlePutEvents(0);
    const healthy = await scanDurability(stack.durabilityDeps(), settings);
    const again = await scanDurability(stack.durabilityDeps(), settings);

    // Assess: nothing got through while throttled, the findings were stored, then each event went once.
    expect(atSinkWhileThrottled).toBe(0);
    expect(throttled.summary.byStatus.violation).toBe(3);
    // Each group: its violation, and that report mode skipped the change.
    expect(throttled.events).toBe(6);
    expect(throttled.outbox).toEqual({ published: 0, pending: 6 });
    expect(healthy.events).toBe(0);
    expect(healthy.outbox).toEqual({ published: 6, pending: 0 });
    expect(again.outbox).toEqual({ published: 0, pending: 0 });
    const violations = delivered().filter((event) => event.detailType === DETAIL_TYPES.policyViolation);
    expect(violations.map((event) => event.resourceId).sort()).toEqual(['a', 'b', 'c']);
    expect([...deliveriesById().values()]).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('delivers a remediation made while PutEvents was throttled: violation, start and success, once each', async () => {
    // Prepare
    stack.emulator.model.putGroup(groupState('fix-1'));
    const settings = { policy: policy('enforce'), dryRun: false };
    throttlePutEvents(1);

    // Act: the change is requested, then seen done, both while no event gets out.
    await scanDurability(stack.durabilityDeps(), settings);
    stack.emulator.clock.advance(5 * 60_000);
    const done = await scanDurability(stack.durabilityDeps(), settings);
    const atSinkWhileThrottled = delivered().length;
    throttlePutEvents(0);
    await scanDurability(stack.durabilityDeps(), settings);
    await scanDurability(stack.durabilityDeps(), settings);

    // Assess
    expect(atSinkWhileThrottled).toBe(0);
    expect(done.summary.byStatus.compliant).toBe(1);
    expect(delivered().map((event) => event.detailType)).toEqual([
      DETAIL_TYPES.policyViolation,
      DETAIL_TYPES.remediationStarted,
      DETAIL_TYPES.remediationSucceeded,
    ]);
    expect([...deliveriesById().values()]).toEqual([1, 1, 1]);
  });

  it('with 30% of PutEvents throttled over 200 groups, completes and delivers every event id exactly once within two more runs', async () => {
    // Prepare: 200 groups in violation, two events each (the violation, the change report mode skips).
    for (let index = 0; index < 200; index += 1)
      stack.emulator.model.putGroup(groupState(`g-${String(index).padStart(4, '0')}`));
    const settings = { policy: policy('report'), dryRun: false };
    throttlePutEvents(0.3, 7);
    const deps = () => stack.durabilityDeps('scale', 2, 'standard');

    // Act
    const reports = [await scanDurability(deps(), settings)];
    for (let run = 0; run < 2 && (reports.at(-1)?.outbox.pending ?? 0) > 0; run += 1)
      reports.push(await scanDurability(deps(), settings));

    // Assess: the first run completed and left some pending; the others delivered the rest once.
    expect(reports[0]?.summary.byStatus.violation).toBe(200);
    expect(reports[0]?.events).toBe(400);
    expect(reports[0]?.outbox.pending).toBeGreaterThan(0);
    expect(reports.at(-1)?.outbox.pending).toBe(0);
    const counts = deliveriesById();
    expect(counts.size).toBe(400);
    expect(counts.has(undefined)).toBe(false);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(new Set(delivered().map((event) => event.resourceId)).size).toBe(200);
  }, 300_000);
});

describe('Alert path: one message per event id', () => {
  const alert = (eventId: string) => ({
    eventId,
    subject: `[guardrails] durability violation: orders`,
    body: 'orders violates prod-durability',
    rule: 'prod-durability',
    severity: 'high' as const,
    resourceType: 'replication-group',
  });
  const publisher = () =>
    new AlertPublisher(
      ALERT_TOPIC,
      { endpoint: stack.emulator.endpoint, region: REGION, maxAttempts: 1 },
      sentAlertLedger(stack.store),
    );

  it('sends one SNS message when the same event reaches the alert path twice, and again after a failed send', async () => {
    // Prepare: the first Publish of the second event fails.
    stack.emulator.faults.failNext({ action: 'Publish', code: 'Throttling', times: 1 });

    // Act: e2 fails once, then both events arrive twice more, two of them at once.
    await expect(publisher().publish(alert('e2'))).rejects.toThrow('SNS Publish failed');
    await Promise.all([publisher().publish(alert('e1')), publisher().publish(alert('e1'))]);
    await publisher().publish(alert('e2'));
    await publisher().publish(alert('e1'));
    await publisher().publish(alert('e2'));

    // Assess: one message per event id reached the topic, the failed one included.
    expect(stack.emulator.sinks.messages).toHaveLength(2);
    expect(stack.emulator.faults.count('Publish', true)).toBe(2);
  });
});
