/**
 * `migration-preflight`: validate the execution input, then take the group's migration lock
 * and check everything AWS would refuse later, before anything is created or changed.
 */
import type { ElastiCacheClient } from '../../aws/clients.js';
import type { MigrationEndpoint } from '../../aws/elasticache.js';
import { readEngineVersionsInto } from '../../aws/engine-versions.js';
import { StateStore } from '../../aws/state-store.js';
import { withNode } from '../../aws/valkey.js';
import {
  migrationSnapshotName,
  parseMigrationInput,
  preflightFindings,
  type SourceProbe,
} from '../../domain/migration/index.js';
import { MIGRATION_ERRORS } from '../../domain/workflow/index.js';
import { elastiCacheOf, wallClock, workflowBase } from '../workflow/deps.js';
import { takeLock } from '../workflow/lock.js';
import { iso, parsed, type Step } from '../workflow/task.js';
import { groupOrFail } from './group.js';
import { MigrationError, parseMigrationState, summary } from './state.js';
import type { MigrationContext } from './step-context.js';

export interface PreflightDeps {
  elasticache: ElastiCacheClient;
  store: StateStore;
  now: () => Date;
}

/** migration-preflight's deps: ElastiCache and the state table (the lock); no events, no alerts. */
export function createMigrationPreflightDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = workflowBase('migration-preflight', {}, env);
  return {
    ...base,
    elasticache: elastiCacheOf(base),
    store: new StateStore(base.config.STATE_TABLE, base.aws),
    now: wallClock,
  } satisfies PreflightDeps;
}

/** What can be read of a source node from outside: whether it answers, and its protected mode. */
async function probeSource(endpoint: MigrationEndpoint): Promise<SourceProbe> {
  const name = `${endpoint.address}:${endpoint.port}`;
  try {
    return await withNode(endpoint, async (client) => {
      await client.ping();
      const mode = await client.config('GET', 'protected-mode').catch(() => undefined);
      return Array.isArray(mode) && mode.length >= 2 ? { name, protectedMode: String(mode[1]) } : { name };
    });
  } catch (error) {
    return { name, error: (error as Error).message };
  }
}

/** Take the group's lock, or fail when another execution holds it; its token. */
async function lock(context: MigrationContext<PreflightDeps>): Promise<string> {
  const { deps, execution, state } = context;
  // The lock names the snapshot this execution will take: retention never deletes it meanwhile.
  const details = { snapshotName: migrationSnapshotName(state.input, execution) };
  const { held, holder, token } = await takeLock(
    deps.store,
    state.input.replicationGroupId,
    execution,
    deps.now(),
    details,
  );
  if (!held || token === undefined)
    throw new MigrationError(
      MIGRATION_ERRORS.locked,
      `replication group ${state.input.replicationGroupId} is being migrated by execution ${holder ?? '(unknown)'}`,
    );
  return token;
}

/**
 * Take the group's migration lock and check everything AWS would refuse later (see
 * `preflightFindings`); the group's Redis OSS version is read only when it matters.
 */
async function preflight(context: MigrationContext<PreflightDeps>) {
  const { deps, state } = context;
  const groupId = state.input.replicationGroupId;
  const lockToken = await lock(context);
  const group = await groupOrFail(deps.elasticache, groupId);
  // Unread, the version stays unknown and the preflight says so.
  if (group.engine === 'redis') await readEngineVersionsInto(deps.elasticache, [group]);
  const probes = await Promise.all(state.input.customerEndpoints.map(probeSource));
  const { problems, notes } = preflightFindings(group, state.input.customerEndpoints.length, probes);
  if (problems.length > 0) throw new MigrationError(MIGRATION_ERRORS.preflightFailed, problems.join('; '));
  return { at: iso(deps), group: summary(group), notes, lockToken };
}

export const preflightSteps = {
  /** The first state: the raw execution input, validated and completed with defaults. */
  validate: async ({ deps, state }) => ({ input: parseMigrationInput(state), startedAt: iso(deps) }),
  preflight: parsed(parseMigrationState, preflight),
} satisfies Record<string, Step<PreflightDeps>>;
