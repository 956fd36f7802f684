/**
 * The steps of the online-migration state machine (infra/migration.asl.yaml). Each Task
 * state invokes one `migration-*` function with `{ action, execution, state }`; the step
 * reads the execution state it needs and returns what the ASL stores at its ResultPath.
 * Steps never sleep: every wait is an ASL Wait state, every loop a Choice on `done` and
 * `attempt`. Errors are named for the ASL: `TransientError` is retried, anything else is
 * caught (before StartMigration into the failure path, after it into the abort path).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import * as z from 'zod';
import {
  completeMigration,
  type MigrationEndpoint,
  readEngineVersions,
  readGroupEvents,
  readReplicationGroup,
  requestMigration,
} from '../aws/elasticache.js';
import { AwsCallError } from '../aws/errors.js';
import { AlertPublisher, DETAIL_TYPES, type EventPublisher, type OutgoingEvent } from '../aws/notify.js';
import { createSnapshot, describeSnapshot } from '../aws/snapshots.js';
import { migrationLockKey, RECORD_KINDS } from '../aws/state-keys.js';
import type { StateStore } from '../aws/state-store.js';
import { readInfo, withNode } from '../aws/valkey.js';
import {
  firstPoll,
  type MigrationInput,
  migrationSnapshotName,
  migrationTargetProblems,
  nextPoll,
  type PollState,
  parseMigrationInput,
} from '../domain/migration.js';
import type { Resource } from '../domain/resource.js';
import { GuardrailsError, isRetryable } from '../runtime/errors.js';
import { createHandler } from '../runtime/handler.js';
import { redactText } from '../runtime/redact.js';
import { createAppContext } from './context.js';
import {
  awaitingChange,
  checkGroup,
  type DurabilityJobDeps,
  type DurabilityJobSettings,
} from './durability.js';

export interface MigrationDeps {
  elasticache: ElastiCacheClient;
  store: StateStore;
  events: EventPublisher;
  /** Where approval requests and failures are announced to people; events always go out. */
  alerts?: AlertPublisher;
  logger: Logger;
  now: () => Date;
  /** `INFO replication` of a node; replaceable to simulate a long migration. */
  readReplication?: (node: MigrationEndpoint) => Promise<Record<string, string>>;
  /** The durability job, for raising durability after the migration. */
  durability: () => Promise<{ deps: DurabilityJobDeps; settings: DurabilityJobSettings }>;
}

/**
 * A failure the state machine routes on: `name` is the ASL Error, the message its Cause.
 * The message is redacted here: Step Functions keeps the Cause in the execution history.
 */
export class MigrationError extends GuardrailsError {
  constructor(code: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(redactText(message), options);
    this.name = code;
  }
}

/** The lock that keeps one execution per group; outlives the longest execution (14 days). */
const LOCK_MS = 15 * 86_400_000;
const lockKey = migrationLockKey;
/** Approval requests: the task token waits here for `guardrails migration approve|reject`. */
export const APPROVAL_KIND = RECORD_KINDS.migrationApproval;
/** `guardrails migration abort` leaves its request here; the sync check honours it. */
export const ABORT_KIND = RECORD_KINDS.migrationAbort;

/** An operator's request to abort a group's migration. */
export interface AbortRequest {
  by: string;
  reason: string;
  requestedAt: string;
  /** The execution it is meant for (the lock holder when it was asked); only that one honours it. */
  execution?: string;
}

interface StepTime {
  at: string;
}

/** What the execution carries from step to step (each part written at one ResultPath). */
export interface MigrationState {
  input: unknown;
  preflight?: StepTime & { group: GroupSummary; notes: string[] };
  snapshot?: PollState & {
    name: string;
    status: string;
    startedAt: string;
    availableAt?: string;
    durability?: string;
    size?: string;
  };
  test?: PollState & { requestedAt: string; passedAt?: string; message?: string };
  migration?: { started: true; startedAt: string; sync: PollState & SyncReading };
  approval?: { approved?: boolean; by?: string; at?: string };
  complete?: PollState & {
    requestedAt: string;
    confirmed?: boolean;
    completedAt?: string;
    group?: GroupSummary;
    targetRole?: string;
  };
  durability?: PollState & { action: string | null; actions: string[]; reason: string; status: string };
  durabilityError?: { Error: string; Cause: string };
  abort?: PollState & {
    requestedAt: string;
    alreadyStopped: boolean;
    /** False while the answer to Force=true was lost and the group not yet seen stopped. */
    confirmed: boolean;
    stoppedAt?: string;
  };
  abortError?: { Error: string; Cause: string };
  error?: { Error: string; Cause: string };
}

export interface GroupSummary {
  id: string;
  status: string;
  engine?: string;
  clusterMode?: string;
  durability?: string;
  effectiveDurability?: string;
  storageEncryptionType?: string;
}

interface SyncReading {
  checkedAt: string;
  linkStatus?: string;
  syncInProgress?: boolean;
  lagBytes?: number;
  problem?: string;
  syncedAt?: string;
}

interface StepContext {
  deps: MigrationDeps;
  execution: string;
  state: MigrationState;
  taskToken?: string;
}

function summary(group: Resource): GroupSummary {
  return {
    id: group.id,
    status: group.status,
    engine: group.engine,
    clusterMode: group.clusterMode,
    durability: group.durability,
    effectiveDurability: group.effectiveDurability,
    storageEncryptionType: group.storageEncryptionType,
  };
}

const iso = (deps: MigrationDeps) => deps.now().toISOString();

function inputOf(state: MigrationState): MigrationInput {
  return parseMigrationInput(state.input);
}

async function groupOrFail(deps: MigrationDeps, groupId: string): Promise<Resource> {
  const group = await readReplicationGroup(deps.elasticache, groupId);
  if (group === undefined)
    throw new MigrationError('GroupNotFound', `replication group ${groupId} does not exist`);
  return group;
}

function stepEvent(context: StepContext, step: string, detail: object = {}): OutgoingEvent {
  const input = inputOf(context.state);
  return {
    detailType: DETAIL_TYPES.migrationStep,
    detail: { replicationGroupId: input.replicationGroupId, execution: context.execution, step, ...detail },
  };
}

// --- validate and preflight ---------------------------------------------------------------------

/** The first state: the raw execution input, validated and completed with defaults. */
async function validate(context: StepContext) {
  return { input: parseMigrationInput(context.state), startedAt: iso(context.deps) };
}

/** What can be checked of a source node from outside: reachable, no AUTH, protected mode off. */
async function probeSource(endpoint: MigrationEndpoint): Promise<{ problem?: string; note?: string }> {
  const name = `${endpoint.address}:${endpoint.port}`;
  try {
    return await withNode(endpoint, async (client) => {
      await client.ping();
      const mode = await client.config('GET', 'protected-mode').catch(() => undefined);
      if (Array.isArray(mode) && mode[1] === 'yes')
        return { problem: `source ${name} has protected-mode yes` };
      if (!Array.isArray(mode) || mode.length < 2)
        return { note: `source ${name}: protected-mode could not be read (CONFIG unavailable)` };
      return {};
    });
  } catch (error) {
    const message = (error as Error).message;
    return /NOAUTH|AUTH/i.test(message)
      ? { problem: `source ${name} requires AUTH, which online migration does not support` }
      : { problem: `source ${name} is not reachable: ${message}` };
  }
}

/**
 * Take the group's migration lock and check everything AWS would refuse later: the group
 * is available, not migrating, has no pending changes, is not durable, and takes the given
 * number of endpoints; each source answers without AUTH and with protected mode off.
 */
async function preflight(context: StepContext) {
  const { deps, execution } = context;
  const input = inputOf(context.state);
  const key = lockKey(input.replicationGroupId);
  const now = deps.now();
  // The lock names the snapshot this execution will take: retention never deletes it meanwhile.
  const details = { snapshotName: migrationSnapshotName(input, execution) };
  if (!(await deps.store.acquireLease(key, execution, new Date(now.getTime() + LOCK_MS), now, details))) {
    const holder = (await deps.store.readLease(key))?.holder;
    if (holder !== execution)
      throw new MigrationError(
        'MigrationLocked',
        `replication group ${input.replicationGroupId} is being migrated by execution ${holder ?? '(unknown)'}`,
      );
  }
  // An abort asked for before this execution held the lock is not meant for it.
  await deps.store.deleteRecord(ABORT_KIND, input.replicationGroupId, {
    field: 'execution',
    isNot: execution,
  });
  const group = await groupOrFail(deps, input.replicationGroupId);
  const problems: string[] = [];
  const notes: string[] = [];
  if (group.status === 'migrating') problems.push('the group is already migrating');
  else if (group.status !== 'available') problems.push(`the group is ${group.status}, not available`);
  if (group.pendingModifications) problems.push('the group has pending modifications');
  if (group.effectiveDurability === undefined)
    notes.push('EffectiveDurability is not reported (an older engine or API): treated as disabled');
  if (group.engine === 'redis' && group.engineVersion === undefined)
    group.engineVersion = (await readEngineVersions(deps.elasticache, [group])).versions.get(group.id);
  problems.push(...migrationTargetProblems(group, input.customerEndpoints.length));
  const probes = await Promise.all(input.customerEndpoints.map(probeSource));
  for (const probe of probes) {
    if (probe.problem !== undefined) problems.push(probe.problem);
    if (probe.note !== undefined) notes.push(probe.note);
  }
  if (problems.length > 0) throw new MigrationError('PreflightFailed', problems.join('; '));
  return { at: iso(deps), group: summary(group), notes };
}

// --- the pre-migration snapshot -------------------------------------------------------------------

async function startSnapshot(context: StepContext) {
  const { deps } = context;
  const input = inputOf(context.state);
  const name = migrationSnapshotName(input, context.execution);
  let record: Awaited<ReturnType<typeof createSnapshot>> | undefined;
  try {
    record = await createSnapshot(deps.elasticache, input.replicationGroupId, name, 'pre-migration');
  } catch (error) {
    // A retried invocation finds the snapshot its first attempt created.
    if (!(error instanceof AwsCallError && error.fault === 'SnapshotAlreadyExistsFault')) throw error;
    record = await describeSnapshot(deps.elasticache, name);
    if (record?.replicationGroupId !== input.replicationGroupId) throw error;
  }
  return { name, status: record.status, startedAt: iso(deps), ...firstPoll(input.polling.snapshot) };
}

async function checkSnapshot(context: StepContext) {
  const { deps, state } = context;
  const input = inputOf(state);
  const previous = state.snapshot;
  if (previous === undefined) throw new MigrationError('StateMissing', 'no snapshot was started');
  const record = await describeSnapshot(deps.elasticache, previous.name);
  if (record === undefined)
    throw new MigrationError('SnapshotMissing', `snapshot ${previous.name} no longer exists`);
  if (record.status === 'failed')
    throw new MigrationError('SnapshotFailed', `snapshot ${previous.name} failed`);
  const done = record.status === 'available';
  const next = {
    ...previous,
    ...nextPoll(previous, input.polling.snapshot, done),
    status: record.status,
    durability: record.durability,
    size: record.size,
    ...(done ? { availableAt: iso(deps) } : {}),
  };
  if (done)
    await deps.events.publish([
      stepEvent(context, 'snapshot-available', {
        snapshot: previous.name,
        durability: record.durability,
        size: record.size,
      }),
    ]);
  return next;
}

// --- TestMigration, StartMigration, CompleteMigration, abort -------------------------------------

async function test(context: StepContext) {
  const { deps } = context;
  const input = inputOf(context.state);
  const requestedAt = iso(deps);
  await requestMigration(
    deps.elasticache,
    'TestMigration',
    input.replicationGroupId,
    input.customerEndpoints,
  );
  return { requestedAt, ...firstPoll(input.polling.test) };
}

/**
 * How the service's event messages are recognised. AWS does not document their exact words,
 * so the patterns take any phrasing of "Test Migration successful / failed" and
 * "Complete Migration failed"; an unrecognised outcome ends in the loop's timeout, never in
 * a migration started on a failed test.
 */
export const MIGRATION_EVENTS = {
  /** A TestMigration outcome, either way ("started" and the like are not outcomes). */
  test: /test[\s-]*migration.*\b(success|successful|succeeded|passed|completed|fail|failed|failure|error|unable)\b/i,
  failed: /\b(fail|failed|failure|error|unable|could not|cannot)\b/i,
  completeFailed: /complete[\s-]*migration.*\b(fail|failed|failure|error|unable)\b/i,
} as const;

/** The newest event since `since` whose message matches, if any. */
async function eventSince(deps: MigrationDeps, groupId: string, since: string, pattern: RegExp) {
  const events = await readGroupEvents(deps.elasticache, groupId, new Date(Date.parse(since) - 1000));
  return events.find((event) => pattern.test(event.message));
}

async function checkTest(context: StepContext) {
  const { deps, state } = context;
  const input = inputOf(state);
  const previous = state.test;
  if (previous === undefined) throw new MigrationError('StateMissing', 'TestMigration was not requested');
  const outcome = await eventSince(
    deps,
    input.replicationGroupId,
    previous.requestedAt,
    MIGRATION_EVENTS.test,
  );
  if (outcome !== undefined && MIGRATION_EVENTS.failed.test(outcome.message))
    throw new MigrationError('TestMigrationFailed', outcome.message);
  const done = outcome !== undefined;
  if (done) await deps.events.publish([stepEvent(context, 'test-passed', { message: outcome.message })]);
  return {
    ...previous,
    ...nextPoll(previous, input.polling.test, done),
    ...(done ? { passedAt: iso(deps), message: outcome.message } : {}),
  };
}

async function start(context: StepContext) {
  const { deps } = context;
  const input = inputOf(context.state);
  await requestMigration(
    deps.elasticache,
    'StartMigration',
    input.replicationGroupId,
    input.customerEndpoints,
  );
  const startedAt = iso(deps);
  await deps.events.publish([stepEvent(context, 'migration-started')]);
  return { started: true, startedAt, sync: { checkedAt: startedAt, ...firstPoll(input.polling.sync) } };
}

async function complete(context: StepContext) {
  const { deps } = context;
  const input = inputOf(context.state);
  const requestedAt = iso(deps);
  // A lost answer is not sent again: the polling sees whether the group leaves migrating,
  // and a group that never does ends in the abort path.
  const answer = await completeMigration(deps.elasticache, input.replicationGroupId, false);
  return { requestedAt, confirmed: answer !== 'unconfirmed', ...firstPoll(input.polling.complete) };
}

async function roleOf(deps: MigrationDeps, node: MigrationEndpoint): Promise<string | undefined> {
  try {
    return (await (deps.readReplication ?? readInfo)(node)).role;
  } catch {
    return undefined;
  }
}

/** Done when the group is available again; a failure event sends the execution to the abort path. */
async function checkComplete(context: StepContext) {
  const { deps, state } = context;
  const input = inputOf(state);
  const previous = state.complete;
  if (previous === undefined) throw new MigrationError('StateMissing', 'CompleteMigration was not requested');
  const failure = await eventSince(
    deps,
    input.replicationGroupId,
    previous.requestedAt,
    MIGRATION_EVENTS.completeFailed,
  );
  if (failure !== undefined) throw new MigrationError('CompleteMigrationFailed', failure.message);
  const group = await groupOrFail(deps, input.replicationGroupId);
  const done = group.status === 'available';
  if (!done) return { ...previous, ...nextPoll(previous, input.polling.complete, false) };
  // Post-verify: the group's primary now answers as a primary, not as a replica of the source.
  const primary = group.primaryEndpoint;
  const targetRole = primary === undefined ? undefined : await roleOf(deps, primary);
  if (targetRole === 'slave' || targetRole === 'replica')
    throw new MigrationError('PostVerifyFailed', `the group's primary still replicates (role ${targetRole})`);
  await deps.events.publish([stepEvent(context, 'migration-completed', { group: summary(group) })]);
  return {
    ...previous,
    ...nextPoll(previous, input.polling.complete, true),
    completedAt: iso(deps),
    group: summary(group),
    ...(targetRole === undefined ? {} : { targetRole }),
  };
}

/**
 * Stop the migration this execution started, without syncing (`Force=true`). A group no
 * longer under migration counts as stopped. Never called for a migration not started here:
 * the ASL routes only post-StartMigration failures to this step, and the step checks it too.
 */
async function abort(context: StepContext) {
  const { deps, state } = context;
  const input = inputOf(state);
  if (state.migration?.started !== true)
    throw new MigrationError('AbortRefused', 'this execution did not start a migration; nothing is aborted');
  const requestedAt = iso(deps);
  const answer = await forceStop(deps, input.replicationGroupId);
  const alreadyStopped = answer === 'not-migrating';
  return {
    requestedAt,
    alreadyStopped,
    confirmed: answer !== 'unconfirmed',
    ...firstPoll(input.polling.abort),
    done: alreadyStopped,
  };
}

/** `CompleteMigration Force=true`; a group no longer under migration counts as stopped. */
async function forceStop(deps: MigrationDeps, groupId: string) {
  try {
    return await completeMigration(deps.elasticache, groupId, true);
  } catch (error) {
    if (!(error instanceof AwsCallError && error.fault === 'ReplicationGroupNotUnderMigrationFault'))
      throw error;
    return 'not-migrating';
  }
}

async function checkAbort(context: StepContext) {
  const { deps, state } = context;
  const input = inputOf(state);
  const previous = state.abort;
  if (previous === undefined) throw new MigrationError('StateMissing', 'no abort was requested');
  const group = await groupOrFail(deps, input.replicationGroupId);
  const done = group.status !== 'migrating';
  // An abort whose answer was lost, still migrating a poll interval later: it did not land,
  // send it again (stopping a stopped migration is refused as not under migration).
  const confirmed =
    done || previous.confirmed
      ? previous.confirmed
      : (await forceStop(deps, input.replicationGroupId)) !== 'unconfirmed';
  return {
    ...previous,
    ...nextPoll(previous, input.polling.abort, done),
    confirmed,
    ...(done ? { stoppedAt: iso(deps) } : {}),
  };
}

// --- sync check ----------------------------------------------------------------------------------

/**
 * Read `INFO replication` on the group's primary and on the source: in sync when the link
 * is up, no full sync is running and the target trails the source by at most `maxLagBytes`.
 * A node that does not answer is a reading, not a failure: the loop looks again later.
 */
async function checkSync(context: StepContext) {
  const { deps, state } = context;
  const input = inputOf(state);
  const previous = state.migration;
  if (previous === undefined) throw new MigrationError('StateMissing', 'no migration was started');
  const abortRequest = await deps.store.readRecord<AbortRequest>(ABORT_KIND, input.replicationGroupId);
  if (abortRequest !== undefined && (abortRequest.execution ?? context.execution) === context.execution)
    throw new MigrationError('MigrationAborted', `aborted by ${abortRequest.by}: ${abortRequest.reason}`);
  const group = await groupOrFail(deps, input.replicationGroupId);
  if (group.status !== 'migrating')
    throw new MigrationError(
      'MigrationInterrupted',
      `the group left migrating (status ${group.status}) before it was in sync`,
    );
  const read = deps.readReplication ?? readInfo;
  const reading: SyncReading = { checkedAt: iso(deps) };
  const target = group.primaryEndpoint;
  const source = input.customerEndpoints[0];
  try {
    if (target === undefined || source === undefined)
      throw new Error('the group reports no primary endpoint yet');
    const [replica, primary] = await Promise.all([read(target), read(source)]);
    reading.linkStatus = replica.master_link_status;
    reading.syncInProgress = replica.master_sync_in_progress === '1';
    const sourceOffset = Number(primary.master_repl_offset);
    const targetOffset = Number(replica.slave_repl_offset ?? replica.master_repl_offset);
    if (Number.isFinite(sourceOffset) && Number.isFinite(targetOffset))
      reading.lagBytes = Math.max(0, sourceOffset - targetOffset);
  } catch (error) {
    reading.problem = redactText((error as Error).message);
  }
  const done =
    reading.linkStatus === 'up' &&
    reading.syncInProgress === false &&
    reading.lagBytes !== undefined &&
    reading.lagBytes <= input.maxLagBytes;
  if (done) await deps.events.publish([stepEvent(context, 'in-sync', { lagBytes: reading.lagBytes })]);
  return {
    ...previous.sync,
    ...nextPoll(previous.sync, input.polling.sync, done),
    ...reading,
    ...(done ? { syncedAt: reading.checkedAt } : {}),
  };
}

// --- approval ------------------------------------------------------------------------------------

/**
 * Park the task token where `guardrails migration approve|reject` finds it and tell people.
 * The token itself is never sent in a notification or written to a log.
 */
async function requestApproval(context: StepContext) {
  const { deps, execution, taskToken } = context;
  const input = inputOf(context.state);
  if (taskToken === undefined)
    throw new MigrationError('TaskTokenMissing', 'the approval step needs a task token');
  const requestedAt = iso(deps);
  await deps.store.putRecord(APPROVAL_KIND, input.replicationGroupId, {
    replicationGroupId: input.replicationGroupId,
    execution,
    taskToken,
    requestedAt,
  });
  const instructions = `guardrails migration approve ${input.replicationGroupId}   (or: guardrails migration reject ${input.replicationGroupId} --reason "...")`;
  const sync = context.state.migration?.sync;
  await deps.events.publish([
    {
      detailType: DETAIL_TYPES.migrationApproval,
      detail: {
        replicationGroupId: input.replicationGroupId,
        execution,
        requestedAt,
        lagBytes: sync?.lagBytes,
        instructions,
      },
    },
  ]);
  await deps.alerts?.publish({
    subject: `Approve the migration of ${input.replicationGroupId}`,
    body: `The online migration of ${input.replicationGroupId} (execution ${execution}) is in sync (lag ${sync?.lagBytes ?? '?'} bytes) and waits for approval before CompleteMigration.\n\nApprove:  ${instructions}\nWithout a decision within ${input.approvalTimeoutSeconds} s the migration is aborted (the source keeps serving).`,
    rule: 'migration',
    severity: 'medium',
    resourceType: 'replication-group',
  });
  return { requestedAt };
}

// --- durability after the migration --------------------------------------------------------------

/**
 * Bring the migrated group to the durability the policy requires, through the durability
 * job (guards, snapshot first, standalone ModifyReplicationGroup, lease). Each look
 * advances it one phase; done when nothing of ours is in flight.
 */
async function raiseDurability(context: StepContext) {
  const { deps, state } = context;
  const input = inputOf(state);
  const durability = await deps.durability();
  const result = await checkGroup(durability.deps, durability.settings, input.replicationGroupId);
  const finding = result.report?.findings.find((item) => item.check === 'durability');
  const done = !awaitingChange(result);
  const previous = state.durability ?? { attempt: -1, actions: [] };
  // A change of ours that reached its target ends with a compliant finding and no action.
  const action =
    finding?.action ?? (finding?.status === 'compliant' && previous.actions.length > 0 ? 'verified' : null);
  const outcome = {
    ...nextPoll(previous, input.polling.durability, done),
    status: result.status,
    action,
    // Each phase of the change, in order (snapshot-started, modify-requested, succeeded, ...).
    actions:
      action === null || previous.actions.at(-1) === action
        ? previous.actions
        : [...previous.actions, action],
    effectiveDurability: finding?.observed,
    reason: finding?.reason ?? 'no durability rule applies to this group',
  };
  if (done)
    await deps.events.publish([
      stepEvent(context, 'durability', { action: outcome.action, reason: outcome.reason }),
    ]);
  return outcome;
}

// --- the end ---------------------------------------------------------------------------------------

/** Seconds between two ISO times, when both are known. */
function seconds(from?: string, to?: string): number | undefined {
  return from === undefined || to === undefined ? undefined : (Date.parse(to) - Date.parse(from)) / 1000;
}

function timings(state: MigrationState & { startedAt?: string }) {
  const rows = [
    { step: 'snapshot', startedAt: state.snapshot?.startedAt, endedAt: state.snapshot?.availableAt },
    { step: 'test-migration', startedAt: state.test?.requestedAt, endedAt: state.test?.passedAt },
    { step: 'sync', startedAt: state.migration?.startedAt, endedAt: state.migration?.sync.syncedAt },
    {
      step: 'complete-migration',
      startedAt: state.complete?.requestedAt,
      endedAt: state.complete?.completedAt,
    },
    { step: 'abort', startedAt: state.abort?.requestedAt, endedAt: state.abort?.stoppedAt },
  ];
  return rows
    .filter((row) => row.startedAt !== undefined)
    .map((row) => ({ ...row, seconds: seconds(row.startedAt, row.endedAt) }));
}

/** The group id, even from an input that failed validation (for the lock and the event). */
function groupIdOf(state: MigrationState): string | undefined {
  const raw = (state.input ?? state) as { replicationGroupId?: unknown };
  return typeof raw.replicationGroupId === 'string' ? raw.replicationGroupId : undefined;
}

/**
 * The Error and Cause of a Catch; a Lambda error's Cause is JSON with `errorMessage`. The
 * cause is redacted: it goes into the outcome event, the alert and the execution output.
 */
function failureOf(state: MigrationState): { error: string; cause: string } {
  const caught = state.error ?? { Error: 'Unknown', Cause: 'the execution failed without an error' };
  let cause = caught.Cause;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') cause = parsed.errorMessage;
  } catch {
    // a plain-text Cause
  }
  return { error: redactText(caught.Error), cause: redactText(cause) };
}

/**
 * Give back what this execution holds: the group's lock, its approval request and an abort
 * meant for it. An execution that never held the lock (refused by it, or failed before it)
 * clears nothing: the records belong to the execution that does.
 */
async function release(context: StepContext, groupId: string | undefined): Promise<void> {
  if (groupId === undefined) return;
  const owner = { field: 'execution', is: context.execution };
  await context.deps.store.releaseLease(lockKey(groupId), context.execution);
  await context.deps.store.deleteRecord(APPROVAL_KIND, groupId, owner);
  await context.deps.store.deleteRecord(ABORT_KIND, groupId, owner);
}

async function succeeded(context: StepContext) {
  const { deps, state, execution } = context;
  const input = inputOf(state);
  await release(context, input.replicationGroupId);
  const group = await readReplicationGroup(deps.elasticache, input.replicationGroupId);
  const output = {
    status: input.dryRun ? 'dry-run' : 'succeeded',
    replicationGroupId: input.replicationGroupId,
    execution,
    ...(input.dryRun
      ? { message: 'preflight passed; a dry run changes nothing', notes: state.preflight?.notes ?? [] }
      : {}),
    snapshot:
      state.snapshot === undefined
        ? undefined
        : { name: state.snapshot.name, durability: state.snapshot.durability, size: state.snapshot.size },
    durability:
      state.durabilityError === undefined
        ? state.durability && { actions: state.durability.actions, reason: state.durability.reason }
        : {
            actions: ['failed'],
            reason: failureOf({ input: state.input, error: state.durabilityError }).cause,
          },
    group: group === undefined ? undefined : summary(group),
    timings: timings(state),
  };
  await deps.events.publish([
    {
      detailType: DETAIL_TYPES.migrationOutcome,
      detail: output,
      ...(group === undefined ? {} : { resources: [group.arn] }),
    },
  ]);
  return output;
}

/**
 * The one failure report of an execution: what failed, whether the migration was aborted
 * (data not synced) and which snapshot to restore from. Releases the lock if this execution
 * holds it.
 */
async function failed(context: StepContext) {
  const { deps, state, execution } = context;
  const groupId = groupIdOf(state);
  await release(context, groupId);
  const { error, cause } = failureOf(state);
  const started = state.migration?.started === true;
  const aborted = state.abort?.done === true;
  const snapshot = state.snapshot?.status === 'available' ? state.snapshot.name : undefined;
  const abortProblem =
    state.abortError === undefined
      ? undefined
      : failureOf({ input: state.input, error: state.abortError }).cause;
  const migration = !started
    ? 'not started: the group was not changed'
    : aborted
      ? 'aborted with CompleteMigration Force=true: data not synced, the source still serves'
      : `abort did not finish${abortProblem === undefined ? '' : ` (${abortProblem})`}: the group may still be migrating, act by hand`;
  const output = {
    status: 'failed',
    replicationGroupId: groupId,
    execution,
    error,
    cause,
    migration,
    dataSynced: false,
    ...(snapshot === undefined ? {} : { restoreFrom: snapshot }),
    timings: timings(state),
  };
  await deps.events.publish([{ detailType: DETAIL_TYPES.migrationOutcome, detail: output }]);
  await deps.alerts?.publish({
    subject: `Migration of ${groupId ?? '(invalid input)'} failed: ${error}`,
    body: `${cause}\n\nMigration: ${migration}.${snapshot === undefined ? '' : `\nRestore from snapshot: ${snapshot}.`}\nExecution: ${execution}.`,
    rule: 'migration',
    severity: 'high',
    resourceType: 'replication-group',
  });
  return output;
}

// --- dispatch ------------------------------------------------------------------------------------

type Step = (context: StepContext) => Promise<object>;

/** The actions of each `migration-*` function, as the ASL names them. */
export const MIGRATION_FUNCTIONS = {
  'migration-preflight': { validate, preflight },
  'migration-snapshot': { create: startSnapshot, status: checkSnapshot },
  'migration-control': {
    test,
    'test-status': checkTest,
    start,
    complete,
    'complete-status': checkComplete,
    abort,
    'abort-status': checkAbort,
  },
  'migration-sync': { check: checkSync },
  'migration-approval': { request: requestApproval },
  'migration-durability': { raise: raiseDurability },
  'migration-finish': { succeeded, failed },
} as const satisfies Record<string, Record<string, Step>>;
export type MigrationFunction = keyof typeof MIGRATION_FUNCTIONS;

export const migrationTaskSchema = z.looseObject({
  action: z.string().min(1),
  execution: z.string().min(1),
  state: z.looseObject({}),
  taskToken: z.string().min(1).optional(),
});
export type MigrationTask = z.infer<typeof migrationTaskSchema>;

/**
 * Run one action of one migration function. Retryable failures are renamed
 * `TransientError` (the ASL retries those); final AWS faults carry the fault's name.
 *
 * @example
 * await runMigrationTask('migration-snapshot', deps, { action: 'create', execution: 'run-1', state });
 */
export async function runMigrationTask(
  fn: MigrationFunction,
  deps: MigrationDeps,
  task: MigrationTask,
): Promise<object> {
  const actions: Record<string, Step> = MIGRATION_FUNCTIONS[fn];
  const step = actions[task.action];
  if (step === undefined)
    throw new MigrationError(
      'UnknownAction',
      `${fn} has no action "${task.action}" (known: ${Object.keys(actions).join(', ')})`,
    );
  try {
    return await step({
      deps,
      execution: task.execution,
      state: task.state as unknown as MigrationState,
      taskToken: task.taskToken,
    });
  } catch (error) {
    if (isRetryable(error))
      throw new MigrationError('TransientError', (error as Error).message, { retryable: true, cause: error });
    if (error instanceof AwsCallError) throw new MigrationError(error.fault, error.message, { cause: error });
    throw error;
  }
}

/**
 * The Lambda handler of one `migration-*` function: the app context from the environment,
 * the task event validated, errors left to the state machine's Retry and Catch.
 *
 * @example
 * export const handler = migrationHandler('migration-snapshot');
 */
export function migrationHandler(fn: MigrationFunction) {
  const app = createAppContext(fn, { ALERT_TOPIC_ARN: z.string().min(1).optional() });
  const topic = app.config.ALERT_TOPIC_ARN;
  const alerts =
    topic === undefined ? undefined : new AlertPublisher(topic, { maxAttempts: app.config.AWS_MAX_ATTEMPTS });
  return createHandler(
    { logger: app.logger, eventSchema: migrationTaskSchema, onFinalError: 'throw' },
    (task, context) =>
      runMigrationTask(
        fn,
        {
          elasticache: app.clients.elasticache,
          store: app.store,
          events: app.events,
          alerts,
          logger: app.logger,
          now: () => new Date(),
          durability: async () => ({
            deps: app.durabilityDeps(context.awsRequestId),
            settings: { policy: await app.policy(), dryRun: app.config.DRY_RUN },
          }),
        },
        task,
      ),
  );
}
