/** `migration-snapshot`: the pre-migration snapshot, taken and waited for before anything changes. */
import type { ElastiCacheClient } from '../../aws/clients.js';
import type { EventPublisher } from '../../aws/notify.js';
import { createSnapshot, describeSnapshot } from '../../aws/snapshots.js';
import { StateStore } from '../../aws/state-store.js';
import { migrationSnapshotName } from '../../domain/migration/index.js';
import { firstPoll, MIGRATION_ERRORS, nextPoll } from '../../domain/workflow/index.js';
import { elastiCacheOf, eventsOf, wallClock, workflowBase } from '../workflow/deps.js';
import { fenced } from '../workflow/lock.js';
import { notify } from '../workflow/notify.js';
import { iso, parsed, type Step } from '../workflow/task.js';
import { MigrationError, parseMigrationState } from './state.js';
import { type MigrationContext, migrationLock, stepEvent } from './step-context.js';

export interface SnapshotDeps {
  elasticache: ElastiCacheClient;
  /** The group's lock: the snapshot is requested under it. */
  store: StateStore;
  events: EventPublisher;
  now: () => Date;
}

/** migration-snapshot's deps: ElastiCache, the state table (the lock) and events. */
export function createMigrationSnapshotDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = workflowBase('migration-snapshot', {}, env);
  return {
    ...base,
    elasticache: elastiCacheOf(base),
    store: new StateStore(base.config.STATE_TABLE, base.aws),
    events: eventsOf(base),
    now: wallClock,
  } satisfies SnapshotDeps;
}

async function startSnapshot(context: MigrationContext<SnapshotDeps>) {
  const { deps, execution, state } = context;
  const { input } = state;
  const name = migrationSnapshotName(input, execution);
  const request = { call: 'CreateSnapshot', step: 'pre-migration snapshot', at: iso(deps) };
  // A retried invocation finds the snapshot its first attempt created (createSnapshot reads it first).
  const record = await fenced(deps.store, migrationLock(context), request, () =>
    createSnapshot(deps.elasticache, input.replicationGroupId, name, 'pre-migration'),
  );
  return { name, status: record.status, startedAt: iso(deps), ...firstPoll(input.polling.snapshot) };
}

async function checkSnapshot(context: MigrationContext<SnapshotDeps>) {
  const { deps, state } = context;
  const previous = state.snapshot;
  if (previous === undefined)
    throw new MigrationError(MIGRATION_ERRORS.stateMissing, 'no snapshot was started');
  const record = await describeSnapshot(deps.elasticache, previous.name);
  if (record === undefined)
    throw new MigrationError(MIGRATION_ERRORS.snapshotMissing, `snapshot ${previous.name} no longer exists`);
  if (record.status === 'failed')
    throw new MigrationError(MIGRATION_ERRORS.snapshotFailed, `snapshot ${previous.name} failed`);
  const done = record.status === 'available';
  if (done)
    await notify(deps.events, [
      stepEvent(context, 'snapshot-available', {
        snapshot: previous.name,
        durability: record.durability,
        size: record.size,
      }),
    ]);
  return {
    ...previous,
    ...nextPoll(previous, state.input.polling.snapshot, done),
    status: record.status,
    durability: record.durability,
    size: record.size,
    ...(done ? { availableAt: iso(deps) } : {}),
  };
}

export const snapshotSteps = {
  create: parsed(parseMigrationState, startSnapshot),
  status: parsed(parseMigrationState, checkSnapshot),
} satisfies Record<string, Step<SnapshotDeps>>;
