/**
 * The alert publisher's ledger of sent event ids, kept as records of the state table: an alert
 * goes out once per event id however often its event arrives.
 */
import type { SentAlertLedger } from './notify.js';
import { RECORD_KINDS } from './state-keys.js';
import type { StateStore } from './state-store.js';

/**
 * The alert publisher's ledger in the state table ({@link RECORD_KINDS}`.sentAlert`): claiming an
 * event id is a put that holds only while no record has it.
 */
export function sentAlertLedger(store: StateStore, now: () => Date = () => new Date()): SentAlertLedger {
  return {
    claim: (eventId) =>
      store.putRecordIf(RECORD_KINDS.sentAlert, eventId, { sentAt: now().toISOString() }, 0),
    release: async (eventId) => {
      await store.deleteRecord(RECORD_KINDS.sentAlert, eventId);
    },
  };
}
