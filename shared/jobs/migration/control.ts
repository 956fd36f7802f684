/**
 * `migration-control`: the service's migration calls and the loops that wait on them —
 * TestMigration, StartMigration, CompleteMigration, and the abort (`Force=true`) of a
 * migration this execution started.
 */
import type { ElastiCacheClient } from '../../aws/clients.js';
import {
  completeMigration,
  type MigrationEndpoint,
  readGroupEvents,
  requestMigration,
} from '../../aws/elasticache.js';
import { AwsCallError } from '../../aws/errors.js';
import type { EventPublisher } from '../../aws/notify.js';
import { StateStore } from '../../aws/state-store.js';
import { readInfo } from '../../aws/valkey.js';
import { MIGRATION_EVENTS } from '../../domain/migration/index.js';
import { firstPoll, MIGRATION_ERRORS, nextPoll } from '../../domain/workflow/index.js';
import { elastiCacheOf, eventsOf, wallClock, workflowBase } from '../workflow/deps.js';
import { fenced } from '../workflow/lock.js';
import { notify } from '../workflow/notify.js';
import { iso, parsed, type Step } from '../workflow/task.js';
import { groupOrFail } from './group.js';
import { MigrationError, parseMigrationState, summary } from './state.js';
import { type MigrationContext, migrationLock, stepEvent } from './step-context.js';

export interface ControlDeps {
  elasticache: ElastiCacheClient;
  /** The group's lock: StartMigration and CompleteMigration are sent under it. */
  store: StateStore;
  events: EventPublisher;
  now: () => Date;
  /** `INFO replication` of a node; replaceable to simulate a long migration. */
  readReplication?: (node: MigrationEndpoint) => Promise<Record<string, string>>;
}

/** migration-control's deps: ElastiCache, the state table (the lock) and events (node reads go through iovalkey, no client). */
export function createMigrationControlDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = workflowBase('migration-control', {}, env);
  return {
    ...base,
    elasticache: elastiCacheOf(base),
    store: new StateStore(base.config.STATE_TABLE, base.aws),
    events: eventsOf(base),
    now: wallClock,
  } satisfies ControlDeps;
}

type Context = MigrationContext<ControlDeps>;

async function test({ deps, state }: Context) {
  const { input } = state;
  const requestedAt = iso(deps);
  await requestMigration(
    deps.elasticache,
    'TestMigration',
    input.replicationGroupId,
    input.customerEndpoints,
  );
  return { requestedAt, ...firstPoll(input.polling.test) };
}

/** The newest event since `since` whose message matches, if any. */
async function eventSince(deps: ControlDeps, groupId: string, since: string, pattern: RegExp) {
  const events = await readGroupEvents(deps.elasticache, groupId, new Date(Date.parse(since) - 1000));
  return events.find((event) => pattern.test(event.message));
}

async function checkTest(context: Context) {
  const { deps, state } = context;
  const previous = state.test;
  if (previous === undefined)
    throw new MigrationError(MIGRATION_ERRORS.stateMissing, 'TestMigration was not requested');
  const groupId = state.input.replicationGroupId;
  const outcome = await eventSince(deps, groupId, previous.requestedAt, MIGRATION_EVENTS.test);
  if (outcome !== undefined && MIGRATION_EVENTS.failed.test(outcome.message))
    throw new MigrationError(MIGRATION_ERRORS.testFailed, outcome.message);
  const done = outcome !== undefined;
  if (done) await notify(deps.events, [stepEvent(context, 'test-passed', { message: outcome.message })]);
  return {
    ...previous,
    ...nextPoll(previous, state.input.polling.test, done),
    ...(done ? { passedAt: iso(deps), message: outcome.message } : {}),
  };
}

/** Send `call` for this migration under the group's lock. */
function underLock<Result>(context: Context, call: string, send: () => Promise<Result>): Promise<Result> {
  return fenced(
    context.deps.store,
    migrationLock(context),
    { call, step: call, at: iso(context.deps) },
    send,
  );
}

async function start(context: Context) {
  const { deps, state } = context;
  const { input } = state;
  await underLock(context, 'StartMigration', () =>
    requestMigration(deps.elasticache, 'StartMigration', input.replicationGroupId, input.customerEndpoints),
  );
  const startedAt = iso(deps);
  await notify(deps.events, [stepEvent(context, 'migration-started')]);
  return { started: true, startedAt, sync: { checkedAt: startedAt, ...firstPoll(input.polling.sync) } };
}

async function complete(context: Context) {
  const { deps, state } = context;
  const requestedAt = iso(deps);
  // A lost answer is not sent again: the polling sees whether the group leaves migrating,
  // and a group that never does ends in the abort path.
  const answer = await underLock(context, 'CompleteMigration', () =>
    completeMigration(deps.elasticache, state.input.replicationGroupId, false),
  );
  return { requestedAt, confirmed: answer !== 'unconfirmed', ...firstPoll(state.input.polling.complete) };
}

async function roleOf(deps: ControlDeps, node: MigrationEndpoint): Promise<string | undefined> {
  try {
    return (await (deps.readReplication ?? readInfo)(node)).role;
  } catch {
    return undefined;
  }
}

/** Done when the group is available again; a failure event sends the execution to the abort path. */
async function checkComplete(context: Context) {
  const { deps, state } = context;
  const previous = state.complete;
  if (previous === undefined)
    throw new MigrationError(MIGRATION_ERRORS.stateMissing, 'CompleteMigration was not requested');
  const { replicationGroupId: groupId, polling } = state.input;
  const failure = await eventSince(deps, groupId, previous.requestedAt, MIGRATION_EVENTS.completeFailed);
  if (failure !== undefined) throw new MigrationError(MIGRATION_ERRORS.completeFailed, failure.message);
  const group = await groupOrFail(deps.elasticache, groupId);
  if (group.status !== 'available') return { ...previous, ...nextPoll(previous, polling.complete, false) };
  // Post-verify: the group's primary now answers as a primary, not as a replica of the source.
  const primary = group.primaryEndpoint;
  const targetRole = primary === undefined ? undefined : await roleOf(deps, primary);
  if (targetRole === 'slave' || targetRole === 'replica')
    throw new MigrationError(
      MIGRATION_ERRORS.postVerifyFailed,
      `the group's primary still replicates (role ${targetRole})`,
    );
  await notify(deps.events, [stepEvent(context, 'migration-completed', { group: summary(group) })]);
  return {
    ...previous,
    ...nextPoll(previous, polling.complete, true),
    completedAt: iso(deps),
    group: summary(group),
    ...(targetRole === undefined ? {} : { targetRole }),
  };
}

/** `CompleteMigration Force=true` under the lock; a group no longer under migration counts as stopped. */
function forceStop(context: Context) {
  return underLock(context, 'CompleteMigration Force=true', async () => {
    try {
      return await completeMigration(context.deps.elasticache, context.state.input.replicationGroupId, true);
    } catch (error) {
      if (!(error instanceof AwsCallError && error.fault === 'ReplicationGroupNotUnderMigrationFault'))
        throw error;
      return 'not-migrating';
    }
  });
}

/**
 * Stop the migration this execution started, without syncing (`Force=true`). A group no
 * longer under migration counts as stopped. Never called for a migration not started here:
 * the ASL routes only post-StartMigration failures to this step, and the step checks it too.
 */
async function abort(context: Context) {
  const { deps, state } = context;
  if (state.migration?.started !== true)
    throw new MigrationError(
      MIGRATION_ERRORS.abortRefused,
      'this execution did not start a migration; nothing is aborted',
    );
  const requestedAt = iso(deps);
  const answer = await forceStop(context);
  const alreadyStopped = answer === 'not-migrating';
  return {
    requestedAt,
    alreadyStopped,
    confirmed: answer !== 'unconfirmed',
    ...firstPoll(state.input.polling.abort),
    done: alreadyStopped,
  };
}

async function checkAbort(context: Context) {
  const { deps, state } = context;
  const previous = state.abort;
  if (previous === undefined)
    throw new MigrationError(MIGRATION_ERRORS.stateMissing, 'no abort was requested');
  const groupId = state.input.replicationGroupId;
  const group = await groupOrFail(deps.elasticache, groupId);
  const done = group.status !== 'migrating';
  // An abort whose answer was lost, still migrating a poll interval later: it did not land,
  // send it again (stopping a stopped migration is refused as not under migration).
  const confirmed =
    done || previous.confirmed ? previous.confirmed : (await forceStop(context)) !== 'unconfirmed';
  return {
    ...previous,
    ...nextPoll(previous, state.input.polling.abort, done),
    confirmed,
    ...(done ? { stoppedAt: iso(deps) } : {}),
  };
}

export const controlSteps = {
  test: parsed(parseMigrationState, test),
  'test-status': parsed(parseMigrationState, checkTest),
  start: parsed(parseMigrationState, start),
  complete: parsed(parseMigrationState, complete),
  'complete-status': parsed(parseMigrationState, checkComplete),
  abort: parsed(parseMigrationState, abort),
  'abort-status': parsed(parseMigrationState, checkAbort),
} satisfies Record<string, Step<ControlDeps>>;
