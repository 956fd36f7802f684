/**
 * The lock that keeps one workflow execution per replication group, migration or upgrade: a
 * lease in the state table, held by the execution's name, with a token and a state. Every
 * mutating request of either workflow is sent through {@link fenced}: a conditional write on
 * the lock (holder, token and state `held` still there) records the request, and only then is
 * it sent. `upgrade abort` marks the lock `aborting` first, so a Lambda still running after
 * StopExecution sends nothing, and nobody takes the lock until the abort has released it.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { migrationLockKey } from '../../aws/state-keys.js';
import type { StateStore } from '../../aws/state-store.js';
import { WORKFLOW_ERRORS } from '../../domain/workflow/index.js';
import { WorkflowError } from './errors.js';

/** Outlives the longest execution (14 days). */
export const LOCK_MS = 15 * 86_400_000;
/** The group's lock, shared by both workflows (its key predates the upgrade). */
const lockKey = migrationLockKey;

/** `held` while its execution may send; `aborting` from `upgrade abort` until the execution has stopped. */
export const LOCK_STATES = { held: 'held', aborting: 'aborting' } as const;

/** Why an execution whose lock was taken by an earlier version sends nothing more, and what to do. */
export const LEGACY_LOCK =
  'its lock was taken before locks carried a token (an earlier version): nothing more is sent under it; abort the execution (it is stopped and the lock released) and start it again';

/**
 * How a lock reads to an operator: `held`, `aborting`, or `legacy` (taken before locks carried a
 * token: its execution's next change fails with LockLost, and its abort still stops and releases it).
 */
export function lockState(details: Record<string, unknown>): 'held' | 'aborting' | 'legacy' {
  if (details.state === LOCK_STATES.aborting) return 'aborting';
  return typeof details.token === 'string' ? 'held' : 'legacy';
}

/** The last request sent under the lock, recorded before it goes out: what a retried step reads. */
export interface LockRequest {
  /** The API call (`ModifyReplicationGroup`). */
  call: string;
  /** What it carries out (a plan step's summary), with the step's place in its execution. */
  step: string;
  at: string;
}

/** What the workflows' core reads of a lock's details (a workflow adds its own fields). */
const lockDetailsSchema = z.looseObject({
  execution: z.string().optional(),
  token: z.string().optional(),
  state: z.enum([LOCK_STATES.held, LOCK_STATES.aborting]).optional(),
  request: z.looseObject({ call: z.string(), step: z.string(), at: z.string() }).optional(),
  /** The execution that passed the lock on ({@link handOverLock}). */
  handedOverBy: z.string().optional(),
});

/** The lock as an execution knows it: the group, itself, and the token its Lock step was given. */
export interface LockRef {
  groupId: string;
  execution: string;
  token: string;
}

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
 * execution holds it, or when it is `aborting` (a retried Lock step of a stopped execution).
 * The token it returns is what {@link fenced} checks before every request.
 *
 * @example
 * const { held, holder, token } = await takeLock(deps.store, groupId, execution, deps.now(), {});
 */
export async function takeLock(
  store: Leases,
  groupId: string,
  execution: string,
  now: Date,
  details: object,
): Promise<LeaseTaken & { token?: string }> {
  const until = new Date(now.getTime() + LOCK_MS);
  const token = randomUUID();
  const mine = { ...details, execution, token, state: LOCK_STATES.held };
  if (await store.acquireLease(lockKey(groupId), execution, until, now, mine)) return { held: true, token };
  // A retried Lock step finds its own lock, with the token its first attempt wrote.
  return takeHandedLock(store, groupId, execution);
}

/**
 * The group's lock as {@link handOverLock} passed it to `execution` (or as an earlier attempt of
 * its Lock step took it), with its token; never a free lock: an execution the lock was handed to
 * finds none once an abort released it, and changes nothing.
 */
export async function takeHandedLock(
  store: Pick<StateStore, 'readLease'>,
  groupId: string,
  execution: string,
): Promise<LeaseTaken & { token?: string }> {
  const current = await store.readLease(lockKey(groupId), lockDetailsSchema);
  const held = current?.holder === execution && current.details.state === LOCK_STATES.held;
  return { held, holder: current?.holder, ...(held ? { token: current.details.token } : {}) };
}

/**
 * Pass the group's lock from `lock.execution` to the execution `to` before starting it, in one
 * conditional write while `lock` still holds it `held` (an abort that marked it first wins): the
 * lock keeps naming what it named (the snapshot cleanup must keep), gets `details`, a new token
 * and LOCK_MS from `now`, and `handedOverBy`; `to`'s Lock step takes it with
 * {@link takeHandedLock}. No moment passes with the lock free. True also when an earlier attempt
 * of this step passed it already (its answer lost).
 *
 * @example
 * if (!(await handOverLock(store, lock, 'orders-after-run-1', deps.now(), { kind: 'upgrade' }))) throw lost;
 */
export async function handOverLock(
  store: Pick<StateStore, 'updateLease' | 'readLease'>,
  lock: LockRef,
  to: string,
  now: Date,
  details: Record<string, unknown>,
): Promise<boolean> {
  const expected = { execution: lock.execution, token: lock.token, state: LOCK_STATES.held };
  const passed = { ...details, execution: to, token: randomUUID(), handedOverBy: lock.execution };
  const until = new Date(now.getTime() + LOCK_MS);
  const holders = { from: lock.execution, to };
  if (await store.updateLease(lockKey(lock.groupId), expected, passed, until, holders)) return true;
  const current = await store.readLease(lockKey(lock.groupId), lockDetailsSchema);
  return (
    current?.holder === to &&
    current.details.handedOverBy === lock.execution &&
    current.details.state === LOCK_STATES.held
  );
}

/**
 * Take back a lock {@link handOverLock} passed to `to`, whose execution could not be started:
 * only while `to` holds it `held` (an abort of `to` keeps it), with `lock`'s own token again.
 */
export function takeBackLock(
  store: Pick<StateStore, 'updateLease'>,
  lock: LockRef,
  to: string,
  details: Record<string, unknown>,
): Promise<boolean> {
  const expected = { execution: to, handedOverBy: lock.execution, state: LOCK_STATES.held };
  const mine = { ...details, execution: lock.execution, token: lock.token };
  return store.updateLease(lockKey(lock.groupId), expected, mine, undefined, {
    from: to,
    to: lock.execution,
  });
}

/** Give the group's lock back, if this execution holds it. */
export function releaseLock(store: Pick<StateStore, 'releaseLease'>, groupId: string, execution: string) {
  return store.releaseLease(lockKey(groupId), execution);
}

/** Why a request is not sent under `lock`, as the lock reads now. */
async function lockSays(store: Pick<StateStore, 'readLease'>, lock: LockRef): Promise<string> {
  const current = await store.readLease(lockKey(lock.groupId), lockDetailsSchema);
  if (current === undefined) return 'the lock was released (an abort?)';
  if (current.holder !== lock.execution) return `the lock is held by ${current.holder}`;
  if (current.details.state === LOCK_STATES.aborting) return 'the execution is being aborted';
  if (current.details.token === undefined) return LEGACY_LOCK;
  return 'the lock was taken again under another token';
}

/**
 * Send one mutating request under the group's lock: a conditional write on the lock (this
 * execution, its token, state `held`) records the request, then `send` runs (with its own
 * read-back of a lost answer). Refused with `LockLost`, nothing sent, once an abort marked the
 * lock, released it or another execution took it.
 *
 * @example
 * await fenced(deps.store, lockOf(context), { call: 'StartMigration', step: 'start', at: iso(deps) }, () => send());
 */
export async function fenced<Result>(
  store: Pick<StateStore, 'updateLease' | 'readLease'>,
  lock: LockRef,
  request: LockRequest,
  send: () => Promise<Result>,
): Promise<Result> {
  const expected = { execution: lock.execution, token: lock.token, state: LOCK_STATES.held };
  if (!(await store.updateLease(lockKey(lock.groupId), expected, { request })))
    throw new WorkflowError(
      WORKFLOW_ERRORS.lockLost,
      `${request.call} for ${lock.groupId} not sent: ${await lockSays(store, lock)}`,
    );
  return send();
}

/**
 * The last request this execution recorded under its lock (undefined when it holds no lock
 * or sent nothing): a retried step reads it to tell "sent, its answer lost" from "never sent".
 */
export async function lastRequest(
  store: Pick<StateStore, 'readLease'>,
  lock: LockRef,
): Promise<LockRequest | undefined> {
  const current = await store.readLease(lockKey(lock.groupId), lockDetailsSchema);
  if (current?.holder !== lock.execution || current.details.token !== lock.token) return undefined;
  return current.details.request;
}

/**
 * What an abort does once the execution has stopped, while its lock is still `aborting`: read
 * the last request that execution recorded ({@link fenced} records each before sending it).
 */
export async function abortingLock(
  store: Pick<StateStore, 'readLease'>,
  groupId: string,
  execution: string,
): Promise<{ request?: LockRequest } | undefined> {
  const current = await store.readLease(lockKey(groupId), lockDetailsSchema);
  if (current?.holder !== execution || current.details.state !== LOCK_STATES.aborting) return undefined;
  return { request: current.details.request };
}

/**
 * Send the request that undoes what a stopped execution left half done (its migration's
 * `CompleteMigration Force=true`), recorded on its lock while the abort holds it `aborting`;
 * refused with `LockLost`, nothing sent, once the lock is no longer so.
 */
export async function fencedWhileAborting<Result>(
  store: Pick<StateStore, 'updateLease'>,
  groupId: string,
  execution: string,
  request: LockRequest,
  send: () => Promise<Result>,
): Promise<Result> {
  const expected = { execution, state: LOCK_STATES.aborting };
  if (!(await store.updateLease(lockKey(groupId), expected, { request })))
    throw new WorkflowError(
      WORKFLOW_ERRORS.lockLost,
      `${request.call} for ${groupId} not sent: the abort of ${execution} no longer holds the lock`,
    );
  return send();
}

/**
 * Mark the lock `aborting` while `execution` holds it: from then on {@link fenced} sends
 * nothing for it and {@link takeLock} refuses it, until the abort releases it. False when
 * `execution` no longer holds the lock. Conditional on the lease's holder, not on its details:
 * a lock taken before locks carried a token and a state is marked the same way.
 */
export function markAborting(
  store: Pick<StateStore, 'updateLease'>,
  groupId: string,
  execution: string,
  at: string,
): Promise<boolean> {
  return store.updateLease(
    lockKey(groupId),
    {},
    { state: LOCK_STATES.aborting, abortRequestedAt: at },
    undefined,
    execution,
  );
}
