/**
 * The outbox's publishing half: events stored with their finding (`aws/finding-store.ts`) go to
 * EventBridge after the records are written, each once per run, and are then marked published.
 * What EventBridge does not take (throttled, refused entries) stays pending for the next run or
 * reaction that records the finding: the run goes on. Each event is claimed before it is sent, so
 * of the runs that read one pending event (concurrent reactions to one group) one sends it.
 * Delivery is at least once (a run that dies between sending and marking leaves a claim that
 * expires, and the event is sent again); consumers drop repeats by `detail.eventId`.
 * A finding left with pending events is listed as owed ({@link OUTBOX_OWED}): every later run
 * publishes the owed ones too, so the events of a resource deleted meanwhile (no longer
 * evaluated, so never recorded again) still go out, and the entry is cleared once they have.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { FindingOutbox } from '../aws/finding-store.js';
import type { EventPublisher, PendingEvent } from '../aws/notify.js';
import { OUTBOX_OWED, outboxOwedKey } from '../aws/state-keys.js';
import type { StateStore } from '../aws/state-store.js';
import { mapConcurrent } from '../runtime/concurrency.js';

export interface OutboxDeps {
  events: Pick<EventPublisher, 'deliver'>;
  store: Pick<StateStore, 'findings' | 'listRecords' | 'putRecord' | 'deleteRecord'>;
  logger: Logger;
}

/** How long a run's claim on a pending event holds: longer than it takes to send and mark. */
export const CLAIM_MS = 5 * 60_000;

export interface OutboxReport {
  /** Events EventBridge took in this run (and marked published). */
  published: number;
  /** Events left pending for a later run. */
  pending: number;
}

/**
 * Publish every pending event of `outboxes` that this run can claim, oldest first and each id
 * once, and mark those that went out. A failed PutEvents is logged, its claims given back and its
 * events stay pending; nothing is thrown for it.
 *
 * @example
 * const report = await publishOutbox(deps, await run.record(findings), run.now);
 */
export async function publishOutbox(
  deps: OutboxDeps,
  recorded: readonly FindingOutbox[],
  now: Date,
): Promise<OutboxReport> {
  const owed = await owedOutboxes(deps, recorded);
  const outboxes = [...recorded, ...owed.outboxes];
  const ownerOf = new Map<string, FindingOutbox>();
  const events: PendingEvent[] = [];
  for (const outbox of outboxes) {
    for (const event of outbox.pending) {
      if (ownerOf.has(event.id)) continue;
      ownerOf.set(event.id, outbox);
      events.push(event);
    }
  }
  events.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const until = new Date(now.getTime() + CLAIM_MS);
  const claimed = await mapConcurrent(events, 16, async (event) => {
    const owner = ownerOf.get(event.id) as FindingOutbox;
    return (await deps.store.findings.claim(owner.finding, event.id, now, until)) ? event : undefined;
  });
  const { delivered, failed } = await deps.events.deliver(
    claimed.filter((event): event is PendingEvent => event !== undefined),
  );
  await mapConcurrent(failed, 16, async ({ event }) => {
    const owner = ownerOf.get(event.id) as FindingOutbox;
    await deps.store.findings.unclaim(owner.finding, [event.id], until).catch((error: unknown) =>
      // The claim then expires on its own, and a later run sends the event.
      deps.logger.warn('claim not given back', { arn: owner.finding.arn, error: String(error) }),
    );
  });
  if (failed.length > 0)
    deps.logger.warn('events left pending: EventBridge did not take them; the next run sends them', {
      pending: failed.length,
      reasons: [...new Set(failed.map((entry) => entry.reason))],
    });
  const sent = new Map<FindingOutbox, string[]>();
  for (const event of delivered) {
    const owner = ownerOf.get(event.id);
    if (owner !== undefined) sent.set(owner, [...(sent.get(owner) ?? []), event.id]);
  }
  const unmarked = await mapConcurrent([...sent], 16, async ([owner, ids]) => {
    try {
      await deps.store.findings.markPublished(owner.finding, ids);
      return [];
    } catch (error) {
      // Still pending: sent again by the next run (at least once).
      deps.logger.warn('published events not marked', { arn: owner.finding.arn, error: String(error) });
      return ids;
    }
  });
  const stillPending = new Set(unmarked.flat());
  const done = new Set(delivered.map((event) => event.id).filter((id) => !stillPending.has(id)));
  await settleOwed(deps, outboxes, owed.tokens, done);
  return { published: delivered.length, pending: failed.length + stillPending.size };
}

/** The owed findings this run did not record, with their pending events, and the token of every owed entry read. */
async function owedOutboxes(deps: OutboxDeps, recorded: readonly FindingOutbox[]) {
  const entries = await deps.store.listRecords(OUTBOX_OWED);
  const tokens = new Map(entries.map((entry) => [outboxOwedKey(entry.finding), entry.token]));
  const known = new Set(recorded.map((outbox) => outboxOwedKey(outbox.finding)));
  const unrecorded = entries.filter((entry) => !known.has(outboxOwedKey(entry.finding)));
  const outboxes = await mapConcurrent(unrecorded, 16, async ({ finding }) => ({
    finding,
    pending: await deps.store.findings.pending(finding),
    added: [],
  }));
  return { outboxes, tokens };
}

/**
 * List as owed each finding with events still pending after this run (not taken, not marked, or
 * claimed by another run), and clear the entry read of each owed finding left with none: only
 * that entry, so one a concurrent run just wrote stays.
 */
async function settleOwed(
  deps: OutboxDeps,
  outboxes: readonly FindingOutbox[],
  tokens: ReadonlyMap<string, string>,
  done: ReadonlySet<string>,
): Promise<void> {
  await mapConcurrent(outboxes, 16, async ({ finding, pending }) => {
    const key = outboxOwedKey(finding);
    const left = pending.some((event) => !done.has(event.id));
    const token = tokens.get(key);
    if (left && token === undefined)
      await deps.store.putRecord(OUTBOX_OWED, key, {
        finding: { arn: finding.arn, rule: finding.rule, check: finding.check },
        token: randomUUID(),
      });
    else if (!left && token !== undefined)
      await deps.store.deleteRecord(OUTBOX_OWED, key, { field: 'token', is: token });
  });
}
