/**
 * `migration abort` of a running step, through the real migration ASL run locally against the
 * sandbox: the same mechanism as the upgrade's abort (the lock `aborting` until the execution has
 * stopped, nobody takes the group meanwhile), and CompleteMigration Force=true only for a
 * migration the stopped execution started. Requests are counted at the emulator, refused ones too.
 */
import type { Server } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { standInMigration, startStandIn } from '../../../infra/local/emulator/redis-migration.js';
import { runMigrationLocally } from '../../../infra/local/migration-workflow.js';
import type { LocalTask } from '../../../infra/local/step-functions.js';
import { readReplicationGroup } from '../../../shared/aws/elasticache.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { MIGRATION_ERRORS } from '../../../shared/domain/workflow/index.js';
import { stopMigration } from '../../../shared/jobs/migration/abort.js';
import type { MigrationDeps, MigrationFunction } from '../../../shared/jobs/migration/index.js';
import { preflightSteps } from '../../../shared/jobs/migration/preflight.js';
import { takeLock } from '../../../shared/jobs/workflow/lock.js';
import { groupState, migrationDepsOf, requestsReached, type Stack, startStack } from '../harness.js';

const policy = parsePolicy(
  `version: 1
rules:
  - name: prod-durability
    mode: report
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync }
`,
  'test-policy.yaml',
);
const backend = standInMigration();
let source: { server: Server; endpoint: { address: string; port: number } };
let stack: Stack;
let deps: MigrationDeps;

beforeAll(async () => {
  source = await startStandIn();
});
afterAll(() => {
  source.server.close();
  backend.close();
});
beforeEach(async () => {
  stack = await startStack({ migrationBackend: backend });
  deps = migrationDepsOf(stack, { policy, dryRun: false });
  stack.emulator.model.putGroup(groupState('orders', { shards: 1, tls: false }));
});
afterEach(() => stack.close());

/** Requests of `action` that reached the emulator, refused ones too. */
const calls = (action: string, forced?: boolean) =>
  requestsReached(stack.emulator, action).filter(
    (request) => forced === undefined || (request.params.Force === 'true') === forced,
  ).length;

/** The migration's preflight for another execution (its Lock step first); what it threw. */
async function otherPreflight(execution: string): Promise<unknown> {
  const raw = { replicationGroupId: 'orders', customerEndpoints: [source.endpoint] };
  const state = await preflightSteps.validate({ deps, execution, invocation: 'i', state: raw });
  return preflightSteps
    .preflight({ deps, execution, invocation: 'i', state: state as Record<string, unknown> })
    .then(() => undefined)
    .catch((error: unknown) => error);
}

/**
 * Run a migration and abort it the first time `fn`'s `action` runs: StopExecution ends the
 * execution, not that Lambda, whose step goes on while the abort waits; a second execution tries
 * to take the group meanwhile. The execution then ends (its state machine is stopped).
 */
async function abortDuring(fn: MigrationFunction, action: string) {
  const seen: { left?: string; stepDuringAbort?: unknown; otherDuringAbort?: unknown } = {};
  const wrap =
    (task: LocalTask): LocalTask =>
    async (event) => {
      if ((event as { action?: string }).action !== action || seen.left !== undefined) return task(event);
      let looks = 0;
      const runner = {
        stop: async () => {},
        running: async () => {
          looks += 1;
          if (looks > 1) return false;
          seen.otherDuringAbort = await otherPreflight('mig-during-abort');
          seen.stepDuringAbort = await task(event).catch((error: unknown) => error);
          return true;
        },
      };
      const stop = { execution: 'mig-1', error: MIGRATION_ERRORS.aborted, cause: 'aborted by test' };
      seen.left = await stopMigration(
        { store: stack.store, elasticache: deps.elasticache, runner },
        'orders',
        stop,
        deps.now().toISOString(),
        { looks: 5, pause: async () => {} },
      );
      throw Object.assign(new Error('execution stopped'), { name: 'States.Aborted' });
    };
  await runMigrationLocally(
    deps,
    { replicationGroupId: 'orders', customerEndpoints: [source.endpoint] },
    { clock: stack.emulator.clock, executionName: 'mig-1', wrap: { [fn]: wrap } },
  ).catch(() => undefined);
  const after = await takeLock(stack.store, 'orders', 'mig-after-abort', deps.now(), {});
  return { ...seen, after };
}

describe('Migration abort: stopped under its lock', () => {
  it('stops a migration it started with one CompleteMigration Force=true, sends nothing else, and nobody takes the group until the lock is released', async () => {
    // Act: abort while the sync check of the started migration runs.
    const seen = await abortDuring('migration-sync', 'check');

    // Assess
    expect(seen.left).toBe('forced');
    expect(calls('StartMigration')).toBe(1);
    expect(calls('CompleteMigration', true)).toBe(1);
    expect(calls('CompleteMigration', false)).toBe(0);
    expect((seen.otherDuringAbort as Error).name).toBe(MIGRATION_ERRORS.locked);
    expect(seen.after.held).toBe(true);
    // The forced stop lands on the service's time: the group then serves on its own.
    stack.emulator.clock.advance(600_000);
    expect((await readReplicationGroup(deps.elasticache, 'orders'))?.status).toBe('available');
  });

  it('sends no StartMigration and no Force=true when aborted before the migration started', async () => {
    // Act: abort while the pre-migration snapshot is awaited.
    const seen = await abortDuring('migration-snapshot', 'status');

    // Assess
    expect(seen.left).toBe('not-started');
    expect(calls('TestMigration')).toBe(0);
    expect(calls('StartMigration')).toBe(0);
    expect(calls('CompleteMigration')).toBe(0);
    expect((seen.otherDuringAbort as Error).name).toBe(MIGRATION_ERRORS.locked);
    expect(seen.after.held).toBe(true);
  });

  it('stops and releases a lock taken before locks carried a token (its next change was refused)', async () => {
    // Prepare: the lock as the earlier version wrote it: holder and snapshot name only.
    const now = deps.now();
    const until = new Date(now.getTime() + 86_400_000);
    await stack.store.acquireLease('migration#orders', 'mig-old', until, now, { snapshotName: 'orders-old' });
    const runner = { stop: async () => {}, running: async () => false };
    const stop = { execution: 'mig-old', error: MIGRATION_ERRORS.aborted, cause: 'aborted by test' };

    // Act
    const left = await stopMigration(
      { store: stack.store, elasticache: deps.elasticache, runner },
      'orders',
      stop,
      now.toISOString(),
    );
    const after = await takeLock(stack.store, 'orders', 'mig-new', deps.now(), {});

    // Assess
    expect(left).toBe('unknown');
    expect(after.held).toBe(true);
    expect(calls('CompleteMigration')).toBe(0);
  });
});
