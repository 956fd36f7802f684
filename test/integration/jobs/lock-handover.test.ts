/**
 * A migration hands the group's lock to the durability upgrade it starts: the lock is never
 * free between the migration's durability step and the upgrade's Lock step, so snapshot
 * cleanup keeps the pre-migration snapshot the lock names, and an abort of the upgrade in
 * that window still wins. The real upgrade ASL runs locally against the sandbox; requests are
 * counted at the emulator.
 */
import { describe, expect, it } from 'vitest';
import type { SnapshotState } from '../../../infra/local/emulator/state.js';
import type { ExecutionFailedError } from '../../../infra/local/step-functions.js';
import { runUpgradeLocally } from '../../../infra/local/upgrade-workflow.js';
import { createFleetClients } from '../../../shared/aws/clients.js';
import { SNAPSHOT_TAGS } from '../../../shared/aws/snapshots.js';
import { migrationSnapshotName, parseMigrationInput } from '../../../shared/domain/migration/index.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import type { UpgradeStarter } from '../../../shared/domain/workflow/runner.js';
import { type DurabilityDeps, durabilitySteps } from '../../../shared/jobs/migration/durability.js';
import { cleanupSnapshots } from '../../../shared/jobs/snapshots.js';
import type { UpgradeDeps } from '../../../shared/jobs/upgrade/deps.js';
import { stopUnderLock } from '../../../shared/jobs/workflow/abort.js';
import { takeLock } from '../../../shared/jobs/workflow/lock.js';
import {
  groupState,
  REGION,
  requestsReached,
  type Stack,
  snapshotState,
  stackPerFile,
  upgradeDepsOf,
} from '../harness.js';

let stack: Stack;
let deps: UpgradeDeps;
const clock = () => ({ advance: (ms: number) => stack.emulator.clock.advance(ms) });

/** Durability `sync` on env=prod groups, TLS `preferred` first without an approval. */
const allowing = parsePolicy(
  `version: 1
rules:
  - name: prod-durability
    mode: enforce
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync, stagedChanges: { allow: [enable-tls] } }
`,
  'allowing.yaml',
);

/** A snapshot of ours of `group`, available, taken `ageMs` before now. */
function ourSnapshot(name: string, group: string, ageMs: number, reason: string): SnapshotState {
  return snapshotState(name, group, stack.emulator.clock.now() - ageMs, {
    tags: new Map([
      [SNAPSHOT_TAGS.managed, 'true'],
      [SNAPSHOT_TAGS.reason, reason],
    ]),
  });
}

/**
 * A migration of `group` at its durability step: the group migrated (TLS off, as a migration
 * target has it), its pre-migration snapshot taken, then a newer snapshot of ours (so only the
 * lock keeps the pre-migration one from cleanup), the lock taken as the preflight takes it.
 */
async function migratedExecution(group: string, execution: string, upgrades: UpgradeStarter) {
  stack.emulator.model.putGroup(
    groupState(group, { shards: 1, tls: false, tags: new Map([['env', 'prod']]) }),
  );
  const input = parseMigrationInput({
    replicationGroupId: group,
    customerEndpoints: [{ address: '127.0.0.1', port: 1 }],
  });
  const preMigration = migrationSnapshotName(input, execution);
  stack.emulator.model.snapshots.set(
    preMigration,
    ourSnapshot(preMigration, group, 3_600_000, 'pre-migration'),
  );
  const newer = `${group}-by-hand`;
  stack.emulator.model.snapshots.set(newer, ourSnapshot(newer, group, 60_000, 'pre-change'));
  const { token } = await takeLock(stack.store, group, execution, deps.now(), { snapshotName: preMigration });
  const preflight = { at: deps.now().toISOString(), group: { id: group, status: 'available' }, notes: [] };
  const state = { input, preflight: { ...preflight, lockToken: token } };
  const stepDeps: DurabilityDeps = {
    events: deps.events,
    now: deps.now,
    upgrades,
    durability: async (holder) => ({
      deps: stack.durabilityDeps(holder),
      settings: { policy: allowing, dryRun: false },
    }),
  };
  const raise = () => durabilitySteps.raise({ deps: stepDeps, execution, invocation: 'lambda-1', state });
  return { raise, preMigration };
}

/** Snapshot cleanup with retention 0, as a scheduled run would do it. */
function cleanup() {
  const clients = createFleetClients({ endpoint: stack.emulator.endpoint, region: REGION });
  return cleanupSnapshots(clients, { retentionDays: 0, dryRun: false, now: deps.now(), store: stack.store });
}

/** An upgrade starter that runs the upgrade here, after `between` (what happens before its Lock step). */
function startingAfter(between: (name: string) => Promise<void>, runs: unknown[]): UpgradeStarter {
  return {
    start: async (name, input) => {
      await between(name);
      const options = { clock: clock(), executionName: name, onTaskToken: async () => ({ approved: true }) };
      runs.push(await runUpgradeLocally(deps, input, options).catch((error: unknown) => error));
      return name;
    },
  };
}

const deletes = (name: string) =>
  requestsReached(stack.emulator, 'DeleteSnapshot').filter((request) => request.params.SnapshotName === name);

stackPerFile((started) => {
  stack = started;
  deps = upgradeDepsOf(stack);
});

describe('Lock hand-over: migration to durability upgrade', () => {
  it('keeps the pre-migration snapshot through a cleanup between the hand-over and the upgrade Lock step; the upgrade then completes', async () => {
    // Prepare: cleanup runs after the migration's step passed the lock on, before the upgrade runs.
    const runs: unknown[] = [];
    const cleanups: Awaited<ReturnType<typeof cleanup>>[] = [];
    const upgrades = startingAfter(async () => {
      cleanups.push(await cleanup());
    }, runs);
    const { raise, preMigration } = await migratedExecution('handed', 'mig-handed', upgrades);

    // Act
    const outcome = await raise();

    // Assess
    expect(deletes(preMigration)).toEqual([]);
    expect(stack.emulator.model.snapshots.has(preMigration)).toBe(true);
    expect(cleanups[0]?.kept.map((kept) => kept.name)).toContain(preMigration);
    expect(outcome).toMatchObject({ action: 'upgrade-started' });
    expect(runs[0]).toMatchObject({ output: { status: 'succeeded', effectiveDurability: 'sync' } });
    expect(stack.emulator.model.groups.get('handed')).toMatchObject({
      tls: true,
      effectiveDurability: 'sync',
    });
    expect(await stack.store.readLease('migration#handed')).toBeUndefined();
  });

  it('lets an upgrade abort in the hand-over window win: the started upgrade takes no lock and changes nothing', async () => {
    // Prepare: the operator aborts the upgrade after the hand-over, before its execution starts.
    const runs: unknown[] = [];
    const notRunning = { stop: async () => {}, running: async () => false };
    const upgrades = startingAfter(async (name) => {
      const stop = { execution: name, error: 'UpgradeRejected', cause: 'aborted: test' };
      await stopUnderLock(stack.store, notRunning, 'abandoned', stop, deps.now().toISOString());
    }, runs);
    const { raise } = await migratedExecution('abandoned', 'mig-abandoned', upgrades);

    // Act
    await raise();

    // Assess
    expect((runs[0] as ExecutionFailedError).error).toBe('UpgradeLocked');
    const changes = requestsReached(stack.emulator, 'ModifyReplicationGroup').filter(
      (request) => request.params.ReplicationGroupId === 'abandoned',
    );
    expect(changes).toEqual([]);
    expect(stack.emulator.model.groups.get('abandoned')?.tls).toBe(false);
    expect(await stack.store.readLease('migration#abandoned')).toBeUndefined();
  });
});
