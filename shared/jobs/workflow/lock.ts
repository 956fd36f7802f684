/**
 * The lock that keeps one workflow execution per replication group, migration or upgrade: a
 * lease in the state table, held by the execution's name.
 */
import { migrationLockKey } from '../../aws/state-keys.js';
import type { StateStore } from '../../aws/state-store.js';

/** Outlives the longest execution (14 days). */
export const LOCK_MS = 15 * 86_400_000;
/** The group's lock, shared by both workflows (its key predates the upgrade). */
const lockKey = migrationLockKey;

type Leases = Pick<StateStore, 'acquireLease' | 'readLease'>;

/** Whether a lease is held by the one who asked, and who holds it when it is not. */
export interface LeaseTaken {
  held: boolean;
  /** The holder read back when the lease was not free (undefined when it had gone meanwhile). */
  holder?: string;
}

/**
 * Take a lease for `holder`, or find it already held by `holder` (a retried step whose first
 * answer was lost).
 */
export async function takeLease(
  store: Leases,
  lease: { key: string; holder: string; until: Date; now: Date; details: object },
): Promise<LeaseTaken> {
  const { key, holder, until, now, details } = lease;
  if (await store.acquireLease(key, holder, until, now, details)) return { held: true };
  const current = (await store.readLease(key))?.holder;
  return { held: current === holder, holder: current };
}

/**
 * Take the group's lock for this execution until LOCK_MS from `now`; not held when another
 * execution holds it.
 *
 * @example
 * const { held, holder } = await takeLock(deps.store, groupId, execution, deps.now(), {});
 */
export function takeLock(
  store: Leases,
  groupId: string,
  execution: string,
  now: Date,
  details: object,
): Promise<LeaseTaken> {
  const until = new Date(now.getTime() + LOCK_MS);
  return takeLease(store, { key: lockKey(groupId), holder: execution, until, now, details });
}

/** Give the group's lock back, if this execution holds it. */
export function releaseLock(store: Pick<StateStore, 'releaseLease'>, groupId: string, execution: string) {
  return store.releaseLease(lockKey(groupId), execution);
}
