/**
 * The alert publisher's ledger of event ids, kept as records of the state table: an alert goes
 * out once per event id however often its event arrives.
 *
 * A sender claims an id for {@link ALERT_CLAIM_MS} before SNS Publish and marks it `sent` after;
 * a sender that dies in between leaves a claim that expires, and the next delivery of the event
 * claims it again (a conditional write on the old claim's revision) and sends it. A sent id is
 * kept for {@link DEDUPE_WINDOW_MS}; its `expiresAt` then lets DynamoDB's TTL remove it.
 */
import type { HeldClaim, LedgerClaim, SentAlertLedger } from './notify.js';
import { RECORD_KINDS } from './state-keys.js';
import type { StateStore } from './state-store.js';

/**
 * How long a claim holds: longer than a Publish with the SDK's retries and the mark after it
 * (seconds), and shorter than the 3 minutes in which Lambda retries a failed asynchronous
 * invocation twice (1, then 2 minutes), so the last retry finds a dead sender's claim expired.
 */
export const ALERT_CLAIM_MS = 2 * 60_000;

/**
 * How long a sent id is remembered: 7 days, longer than any way the same event comes back —
 * EventBridge retries a target for at most 24 hours, Lambda keeps an asynchronous event at most
 * 6 hours, and the outbox sends a pending event again at the next run that records its finding
 * (every `scanRate`, an hour by default; a claim of a run that died expires after 5 minutes).
 */
export const DEDUPE_WINDOW_MS = 7 * 86_400_000;

const KIND = RECORD_KINDS.sentAlert;

/**
 * The alert publisher's ledger in the state table ({@link RECORD_KINDS}`.sentAlert`).
 *
 * @example
 * const alerts = new AlertPublisher(topicArn, aws, sentAlertLedger(store));
 */
export function sentAlertLedger(store: StateStore, now: () => Date = () => new Date()): SentAlertLedger {
  const later = (at: Date, ms: number) => new Date(at.getTime() + ms);
  return {
    async claim(eventId): Promise<LedgerClaim> {
      const at = now();
      const claimedUntil = later(at, ALERT_CLAIM_MS).toISOString();
      const claim = (revision: number) =>
        store.putRecordIf(
          KIND,
          eventId,
          { state: 'claimed', claimedUntil },
          revision,
          later(at, DEDUPE_WINDOW_MS),
        );
      if (await claim(0)) return { eventId, outcome: 'claimed', revision: 1 };
      const held = await store.readRecord(KIND, eventId);
      // Given back between the two calls: its sender is about to try again.
      if (held === undefined) return { eventId, outcome: 'in-flight', until: claimedUntil };
      if (held.state !== 'claimed') return { eventId, outcome: 'sent' };
      const until = held.claimedUntil ?? '';
      if (Date.parse(until) > at.getTime()) return { eventId, outcome: 'in-flight', until };
      // The sender that claimed it died before it was sent: take its claim over, once.
      const revision = held.revision ?? 0;
      return (await claim(revision))
        ? { eventId, outcome: 'claimed', revision: revision + 1 }
        : { eventId, outcome: 'in-flight', until: claimedUntil };
    },
    async markSent(claim: HeldClaim) {
      const at = now();
      // False when this claim expired and another sender took it over: that one marks it.
      await store.putRecordIf(
        KIND,
        claim.eventId,
        { state: 'sent', sentAt: at.toISOString() },
        claim.revision,
        later(at, DEDUPE_WINDOW_MS),
      );
    },
    async release(claim: HeldClaim) {
      // Only this claim: one taken over since is another sender's.
      await store.deleteRecord(KIND, claim.eventId, { field: 'revision', is: claim.revision });
    },
  };
}
