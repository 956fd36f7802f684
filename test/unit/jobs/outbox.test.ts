import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { FindingOutbox, FindingRef } from '../../../shared/aws/finding-store.js';
import { DETAIL_TYPES, EventPublisher, type PendingEvent } from '../../../shared/aws/notify.js';
import { publishOutbox } from '../../../shared/jobs/outbox.js';
import { createLogger } from '../../../shared/runtime/logger.js';

const eventBridge = mockClient(EventBridgeClient);
const logger = createLogger('test');
logger.setLogLevel('SILENT');
const ref = (id: string): FindingRef => ({
  arn: `arn:aws:elasticache:us-east-1:1:replicationgroup:${id}`,
  rule: 'prod',
  check: 'durability',
});
const event = (id: string, createdAt = '2026-11-25T10:00:00.000Z'): PendingEvent => ({
  id,
  detailType: DETAIL_TYPES.policyViolation,
  detail: { finding: { resourceId: id } },
  createdAt,
});

const NOW = new Date('2026-11-25T11:00:00.000Z');

/**
 * A finding store that remembers what was marked published and which claims were taken and
 * given back; `heldElsewhere` are events another run has claimed.
 */
function markingStore(heldElsewhere: readonly string[] = []) {
  const marked: string[] = [];
  const claims = new Set<string>();
  const owed = new Map<string, object>();
  return {
    marked,
    claims,
    owed,
    store: {
      listRecords: async () => [...owed.values()],
      putRecord: async (_kind: unknown, key: string, value: object) => {
        owed.set(key, value);
      },
      deleteRecord: async (_kind: unknown, key: string) => owed.delete(key),
      findings: {
        markPublished: async (_finding: FindingRef, ids: readonly string[]) => {
          marked.push(...ids);
        },
        claim: async (_finding: FindingRef, id: string) => {
          if (heldElsewhere.includes(id) || claims.has(id)) return false;
          claims.add(id);
          return true;
        },
        unclaim: async (_finding: FindingRef, ids: readonly string[]) => {
          for (const id of ids) claims.delete(id);
        },
      },
    } as never,
  };
}

describe('Function: publishOutbox', () => {
  beforeEach(() => eventBridge.reset());

  it('keeps the entries PutEvents refuses pending, marks the others, and does not throw', async () => {
    // Prepare: the second of two entries is throttled every time.
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => {
      const entries = input.Entries.map((_, index) =>
        index === 1 || input.Entries.length === 1 ? { ErrorCode: 'ThrottlingException' } : { EventId: 'e' },
      );
      return { FailedEntryCount: entries.filter((entry) => 'ErrorCode' in entry).length, Entries: entries };
    });
    const { marked, claims, owed, store } = markingStore();
    const outboxes: FindingOutbox[] = [
      { finding: ref('a'), pending: [event('a1')], added: [] },
      { finding: ref('b'), pending: [event('b1')], added: [] },
    ];

    // Act
    const report = await publishOutbox(
      { events: new EventPublisher(undefined, { region: 'us-east-1', maxAttempts: 1 }), store, logger },
      outboxes,
      NOW,
    );

    // Assess: the refused one's claim is given back, so the next run may send it at once.
    expect(report).toEqual({ published: 1, pending: 1 });
    expect(marked).toEqual(['a1']);
    expect([...claims]).toEqual(['a1']);
    // The finding left with a pending event is owed: later runs publish it even unevaluated.
    expect([...owed.keys()]).toEqual([`${ref('b').arn}#prod#durability`]);
  });

  it('sends an event pending on two findings once, oldest first', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map(() => ({ EventId: 'e' })),
    }));
    const { store } = markingStore();
    const older = event('old', '2026-11-25T09:00:00.000Z');
    const outboxes: FindingOutbox[] = [
      { finding: ref('a'), pending: [event('new')], added: [] },
      { finding: ref('a'), pending: [older, event('new')], added: [] },
    ];

    // Act
    await publishOutbox(
      { events: new EventPublisher(undefined, { region: 'us-east-1', maxAttempts: 1 }), store, logger },
      outboxes,
      NOW,
    );

    // Assess
    const sent = eventBridge
      .commandCalls(PutEventsCommand)
      .flatMap((call) => call.args[0].input.Entries ?? [])
      .map((entry) => (JSON.parse(entry.Detail ?? '{}') as { eventId: string }).eventId);
    expect(sent).toEqual(['old', 'new']);
  });

  it('leaves an event another run has claimed to that run', async () => {
    // Prepare: of two pending events, another reaction to the same group claimed one.
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map(() => ({ EventId: 'e' })),
    }));
    const { marked, store } = markingStore(['theirs']);
    const outboxes: FindingOutbox[] = [
      { finding: ref('a'), pending: [event('theirs'), event('ours')], added: [event('ours')] },
    ];

    // Act
    const report = await publishOutbox(
      { events: new EventPublisher(undefined, { region: 'us-east-1', maxAttempts: 1 }), store, logger },
      outboxes,
      NOW,
    );

    // Assess
    const sent = eventBridge
      .commandCalls(PutEventsCommand)
      .flatMap((call) => call.args[0].input.Entries ?? [])
      .map((entry) => (JSON.parse(entry.Detail ?? '{}') as { eventId: string }).eventId);
    expect(sent).toEqual(['ours']);
    expect(marked).toEqual(['ours']);
    expect(report.published).toBe(1);
  });
});
