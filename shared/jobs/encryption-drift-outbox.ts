/**
 * The drift job's outbox: a baseline and the alerts of its transition are written together (one
 * compare-and-set of the baseline record), then delivered, then removed from the record. What SNS
 * or EventBridge does not take stays in the record for the next run, which sends it again under
 * the same event id: SNS once per id (the alert ledger), EventBridge at least once (consumers drop
 * repeats by `detail.eventId`). A run claims the alerts it sends in the same write (`claimedUntil`),
 * so of two runs that read one pending alert one sends it; a run that dies leaves a claim that expires.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type AlertPublisher, DETAIL_TYPES, type EventPublisher, type OutgoingEvent } from '../aws/notify.js';
import { baselineKindOf } from '../aws/state-keys.js';
import type { StateStore } from '../aws/state-store.js';
import type { EncryptionAlert, EncryptionBaseline, PendingAlert } from '../domain/drift.js';
import { mapConcurrent } from '../runtime/concurrency.js';

/** How long a run's claim on the alerts it sends holds: longer than it takes to send and mark. */
export const DRIFT_CLAIM_MS = 5 * 60_000;

const DETAIL_TYPE_OF = {
  drift: DETAIL_TYPES.encryptionDrift,
  violation: DETAIL_TYPES.encryptionViolation,
  resolved: DETAIL_TYPES.encryptionResolved,
  retired: DETAIL_TYPES.encryptionRetired,
} as const;

export const detailTypeOf = (alert: EncryptionAlert) => DETAIL_TYPE_OF[alert.kind];

export function toEvent(alert: EncryptionAlert, id?: string): OutgoingEvent {
  return { detailType: DETAIL_TYPE_OF[alert.kind], detail: alert, resources: [alert.arn], id };
}

/** A baseline record as this run holds it: the value to keep, its revision and its outbox. */
export interface HeldRecord {
  arn: string;
  value: object;
  revision: number;
  /** The alerts this run claimed (it sends them). */
  sending: PendingAlert[];
  /** Alerts another run still holds: kept as they are. */
  others: PendingAlert[];
}

/** The record's value without what the store keeps beside it. */
export function settledBaseline(baseline: (EncryptionBaseline & { claim?: string }) | undefined): object {
  if (baseline === undefined) return {};
  const { revision: _revision, pending: _pending, outbox: _outbox, claim: _claim, ...settled } = baseline;
  return settled;
}

/**
 * The alerts of `stored` a run may send now: unclaimed, or claimed by a run that died. Alerts
 * written by versions before the outbox (`pending`) join it with an id of their claim.
 */
export function pendingOf(
  stored: EncryptionBaseline | undefined,
  now: Date,
  idOf: (alert: EncryptionAlert, at: string) => string,
) {
  const legacy = (stored?.pending?.alerts ?? []).map((alert) => ({
    id: idOf(alert, stored?.pending?.claimedAt ?? ''),
    alert,
    createdAt: stored?.pending?.claimedAt ?? '',
  }));
  const all = [...legacy, ...(stored?.outbox ?? [])];
  const free = (entry: PendingAlert) =>
    entry.claimedUntil === undefined || Date.parse(entry.claimedUntil) < now.getTime();
  return { free: all.filter(free), others: all.filter((entry) => !free(entry)) };
}

/** Write `record` with its outbox at its revision: false when another run wrote it first. */
export function writeHeld(store: StateStore, record: HeldRecord): Promise<boolean> {
  const outbox = [...record.others, ...record.sending];
  return store.putRecordIf(
    baselineKindOf(record.arn),
    record.arn,
    { ...record.value, ...(outbox.length === 0 ? {} : { outbox }) },
    record.revision,
  );
}

export interface DriftDeliveryDeps {
  store: StateStore;
  events: Pick<EventPublisher, 'deliver'>;
  alerts: Pick<AlertPublisher, 'publish' | 'publishOnce'>;
  logger: Logger;
}

/**
 * Send the claimed alerts of `records` (one summary message when there are more than `maxAlerts`),
 * their events, then write each record with what is left (claims given back). Nothing is thrown
 * for a failed send: it is logged and stays pending.
 */
export async function deliverHeld(
  deps: DriftDeliveryDeps,
  records: readonly HeldRecord[],
  maxAlerts: number,
  summary: (alerts: EncryptionAlert[]) => Parameters<AlertPublisher['publish']>[0],
  single: (alert: EncryptionAlert) => Parameters<AlertPublisher['publish']>[0],
) {
  const entries = records.flatMap((record) => record.sending);
  const alerted = new Set<string>();
  const problems: string[] = [];
  if (entries.length > maxAlerts) {
    await deps.alerts
      .publishOnce(
        entries.map((entry) => entry.id),
        (fresh) => summary(entries.filter((entry) => fresh.has(entry.id)).map((entry) => entry.alert)),
      )
      .then(() => {
        for (const entry of entries) alerted.add(entry.id);
      })
      .catch((error: unknown) => problems.push(String(error)));
  } else
    await mapConcurrent(entries, 4, async (entry) => {
      // A retirement is an event only.
      if (entry.alert.kind === 'retired') return alerted.add(entry.id);
      await deps.alerts
        .publish({ ...single(entry.alert), eventId: entry.id })
        .then(() => alerted.add(entry.id))
        .catch((error: unknown) => problems.push(String(error)));
    });
  const { delivered, failed } = await deps.events.deliver(
    entries
      .filter((entry) => alerted.has(entry.id))
      .map((entry) => ({ ...toEvent(entry.alert), id: entry.id })),
  );
  const done = new Set(delivered.map((event) => event.id));
  const emptied = new Set<string>();
  const left = await mapConcurrent(records, 16, async (record) => {
    if (record.sending.length === 0) return 0;
    const rest = record.sending
      .filter((entry) => !done.has(entry.id))
      .map(({ claimedUntil: _claimedUntil, ...entry }) => entry);
    const written = await writeHeld(deps.store, { ...record, sending: rest }).catch((error: unknown) => {
      problems.push(String(error));
      return false;
    });
    if (written && rest.length === 0 && record.others.length === 0) emptied.add(record.arn);
    // Not written: the record keeps its claimed alerts until the claim expires; a run then sends them again.
    return written ? rest.length : record.sending.length;
  });
  const pending = left.reduce((sum, count) => sum + count, 0);
  if (failed.length > 0 || problems.length > 0)
    deps.logger.warn('drift alerts left pending: the next run sends them', {
      pending,
      reasons: [...new Set([...failed.map((entry) => entry.reason), ...problems])],
    });
  return {
    published: done.size,
    pending,
    sent: entries.filter((entry) => done.has(entry.id)).map((entry) => entry.alert),
    /** Records written back with an empty outbox (at their revision + 1). */
    emptied,
  };
}
