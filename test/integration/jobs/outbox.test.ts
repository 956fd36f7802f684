/**
 * The outbox: events that belong to stored findings are never lost. A scan whose PutEvents is
 * throttled stores its findings with their events and goes on; a later run publishes them, each
 * event id once, counted at the sandbox's EventBridge sink.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STATE_TABLE } from '../../../infra/local/dynamo.js';
import { ALERT_CLAIM_MS, DEDUPE_WINDOW_MS, sentAlertLedger } from '../../../shared/aws/alert-ledger.js';
import { AlertPublisher, DETAIL_TYPES } from '../../../shared/aws/notify.js';
import { RECORD_KINDS } from '../../../shared/aws/state-keys.js';
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

describe('Outbox: events of a resource deleted before they went out', () => {
  it('delivers the pending violation of a group deleted after a throttled run, once, in the next runs', async () => {
    // Prepare: the violation is stored pending (PutEvents throttled), then the group is deleted.
    stack.emulator.model.putGroup(groupState('gone'));
    stack.emulator.model.putGroup(groupState('stays'));
    const settings = { policy: policy('report'), dryRun: false };
    throttlePutEvents(1);
    const throttled = await scanDurability(stack.durabilityDeps(), settings);
    throttlePutEvents(0);
    stack.emulator.model.groups.delete('gone');
    stack.emulator.model.changed('groups');

    // Act
    const next = await scanDurability(stack.durabilityDeps(), settings);
    const again = await scanDurability(stack.durabilityDeps(), settings);

    // Assess: the deleted group's events went out once; nothing is left pending.
    expect(throttled.outbox).toEqual({ published: 0, pending: 4 });
    expect(next.findings.map((finding) => finding.resourceId)).toEqual(['stays']);
    expect(next.outbox).toEqual({ published: 4, pending: 0 });
    expect(again.outbox).toEqual({ published: 0, pending: 0 });
    const violations = delivered().filter((event) => event.detailType === DETAIL_TYPES.policyViolation);
    expect(violations.map((event) => event.resourceId).sort()).toEqual(['gone', 'stays']);
    expect([...deliveriesById().values()]).toEqual([1, 1, 1, 1]);
  });
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
  /** The ledger's clock, moved by the tests (the sandbox's SNS keeps its own). */
  let clock = Date.parse('2026-11-25T10:00:00Z');
  const ledger = () => sentAlertLedger(stack.store, () => new Date(clock));
  const publisher = () =>
    new AlertPublisher(
      ALERT_TOPIC,
      { endpoint: stack.emulator.endpoint, region: REGION, maxAttempts: 1 },
      ledger(),
    );
  /** The ledger's item of `eventId` as DynamoDB holds it. */
  const ledgerItem = async (eventId: string) => {
    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: stack.dynamo.endpoint, region: REGION }),
    );
    const answer = await documents.send(
      new GetCommand({ TableName: STATE_TABLE, Key: { pk: RECORD_KINDS.sentAlert.name, sk: eventId } }),
    );
    return answer.Item;
  };

  it('sends one SNS message when the same event reaches the alert path twice, and again after a failed send', async () => {
    // Prepare: the first Publish of the second event fails.
    stack.emulator.faults.failNext({ action: 'Publish', code: 'Throttling', times: 1 });

    // Act: e2 fails once, then both events arrive twice more, two of them at once (the one that
    // finds the other's claim is refused as in flight, for its retry).
    await expect(publisher().publish(alert('e2'))).rejects.toThrow('SNS Publish failed');
    await Promise.allSettled([publisher().publish(alert('e1')), publisher().publish(alert('e1'))]);
    await publisher().publish(alert('e2'));
    await publisher().publish(alert('e1'));
    await publisher().publish(alert('e2'));

    // Assess: one message per event id reached the topic, the failed one included.
    expect(stack.emulator.sinks.messages).toHaveLength(2);
    expect(stack.emulator.faults.count('Publish', true)).toBe(2);
  });

  it('sends an alert whose sender died after its claim once the claim expired, exactly once', async () => {
    // Prepare: a sender claimed e3 and died before SNS Publish.
    expect((await ledger().claim('e3')).outcome).toBe('claimed');

    // Act: the event comes back while the claim holds, then after it expired, then again.
    const early = await publisher()
      .publish(alert('e3'))
      .catch((error: unknown) => error);
    clock += ALERT_CLAIM_MS + 1000;
    const late = await publisher().publish(alert('e3'));
    const again = await publisher().publish(alert('e3'));

    // Assess: refused for a retry while claimed, sent once after.
    expect(String(early)).toContain('AlertInFlightError');
    expect(late).toEqual(expect.any(String));
    expect(again).toBeUndefined();
    expect(stack.emulator.sinks.messages).toHaveLength(1);
  });

  it('keeps a sent id for the dedupe window: not resent within it, and its record carries expiresAt for TTL', async () => {
    // Prepare
    const sentAt = clock;
    await publisher().publish(alert('e4'));

    // Act: the same event six days later.
    clock += 6 * 86_400_000;
    const later = await publisher().publish(alert('e4'));
    const item = await ledgerItem('e4');

    // Assess
    expect(later).toBeUndefined();
    expect(stack.emulator.sinks.messages).toHaveLength(1);
    expect(item?.value).toMatchObject({ state: 'sent', sentAt: new Date(sentAt).toISOString() });
    expect(item?.expiresAt).toBe(Math.floor((sentAt + DEDUPE_WINDOW_MS) / 1000));
  });
});
