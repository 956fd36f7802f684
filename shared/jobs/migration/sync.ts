/** `migration-sync`: whether the target has caught up with the source. */
import type { ElastiCacheClient } from '../../aws/clients.js';
import type { MigrationEndpoint } from '../../aws/elasticache.js';
import type { EventPublisher } from '../../aws/notify.js';
import { readInfo } from '../../aws/valkey.js';
import { inSync, type SyncReading, syncReading } from '../../domain/migration/index.js';
import { MIGRATION_ERRORS, nextPoll } from '../../domain/workflow/index.js';
import { redactText } from '../../runtime/redact.js';
import { elastiCacheOf, eventsOf, wallClock, workflowBase } from '../workflow/deps.js';
import { notify } from '../workflow/notify.js';
import { iso, parsed, type Step } from '../workflow/task.js';
import { groupOrFail } from './group.js';
import { MigrationError, parseMigrationState, type SyncState } from './state.js';
import { type MigrationContext, stepEvent } from './step-context.js';

export interface SyncDeps {
  elasticache: ElastiCacheClient;
  events: EventPublisher;
  now: () => Date;
  /** `INFO replication` of a node; replaceable to simulate a long migration. */
  readReplication?: (node: MigrationEndpoint) => Promise<Record<string, string>>;
}

/** migration-sync's deps: ElastiCache and events. */
export function createMigrationSyncDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = workflowBase('migration-sync', {}, env);
  return {
    ...base,
    elasticache: elastiCacheOf(base),
    events: eventsOf(base),
    now: wallClock,
  } satisfies SyncDeps;
}

/** Read both ends; a node that does not answer is a reading with a problem, not a failure. */
async function readSync(
  deps: SyncDeps,
  target?: MigrationEndpoint,
  source?: MigrationEndpoint,
): Promise<SyncReading & { checkedAt: string; problem?: string }> {
  const read = deps.readReplication ?? readInfo;
  const checkedAt = iso(deps);
  try {
    if (target === undefined || source === undefined)
      throw new Error('the group reports no primary endpoint yet');
    const [replica, primary] = await Promise.all([read(target), read(source)]);
    return { checkedAt, ...syncReading(replica, primary) };
  } catch (error) {
    return { checkedAt, problem: redactText((error as Error).message) };
  }
}

/**
 * Read `INFO replication` on the group's primary and on the source: in sync when the link
 * is up, no full sync is running and the target trails the source by at most `maxLagBytes`.
 */
async function checkSync(context: MigrationContext<SyncDeps>): Promise<SyncState> {
  const { deps, state } = context;
  const { input } = state;
  const previous = state.migration;
  if (previous === undefined)
    throw new MigrationError(MIGRATION_ERRORS.stateMissing, 'no migration was started');
  const group = await groupOrFail(deps.elasticache, input.replicationGroupId);
  if (group.status !== 'migrating')
    throw new MigrationError(
      MIGRATION_ERRORS.interrupted,
      `the group left migrating (status ${group.status}) before it was in sync`,
    );
  const reading = await readSync(deps, group.primaryEndpoint, input.customerEndpoints[0]);
  const done = inSync(reading, input.maxLagBytes);
  if (done) await notify(deps.events, [stepEvent(context, 'in-sync', { lagBytes: reading.lagBytes })]);
  return {
    ...previous.sync,
    ...nextPoll(previous.sync, input.polling.sync, done),
    ...reading,
    ...(done ? { syncedAt: reading.checkedAt } : {}),
  };
}

export const syncSteps = {
  check: parsed(parseMigrationState, checkSync),
} satisfies Record<string, Step<SyncDeps>>;
