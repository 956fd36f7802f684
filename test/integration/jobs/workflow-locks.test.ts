/**
 * The group's lock as both workflows hold it, through the real upgrade ASL run locally against
 * the sandbox: the snapshot a running upgrade may restore from survives cleanup, a step still
 * running after an abort sends nothing and nobody takes the group before the abort released it,
 * and a retried step reports what its earlier attempt started. Requests are counted at the
 * emulator, refused ones too.
 */
import { describe, expect, it } from 'vitest';
import type { ExecutionFailedError, LocalTask } from '../../../infra/local/step-functions.js';
import { runUpgradeLocally } from '../../../infra/local/upgrade-workflow.js';
import { createFleetClients } from '../../../shared/aws/clients.js';
import { targetDurabilityLeases } from '../../../shared/aws/state-keys.js';
import { STAGED_ACTIONS } from '../../../shared/domain/durability/readiness.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { type DurabilityDeps, durabilitySteps } from '../../../shared/jobs/migration/durability.js';
import { preflightSteps } from '../../../shared/jobs/migration/preflight.js';
import { cleanupSnapshots } from '../../../shared/jobs/snapshots.js';
import type { UpgradeDeps } from '../../../shared/jobs/upgrade/deps.js';
import { stopUnderLock } from '../../../shared/jobs/workflow/abort.js';
import { takeLock } from '../../../shared/jobs/workflow/lock.js';
import {
  groupState,
  legacyGroupState,
  REGION,
  requestsReached,
  type Stack,
  stackPerFile,
  upgradeDepsOf,
} from '../harness.js';

let stack: Stack;
let deps: UpgradeDeps;
const clock = () => ({ advance: (ms: number) => stack.emulator.clock.advance(ms) });
const approveAll = async () => ({ approved: true, by: 'test' });
const unattended = (id: string) => ({
  replicationGroupId: id,
  target: 'sync',
  allow: [...STAGED_ACTIONS],
  enforce: true,
});
const actionOf = (event: unknown) => (event as { action?: string }).action;

/** The upgrade's Durability Upgrade events of one kind, their details. */
function upgradeEvents(detailType: string, step?: string): Record<string, unknown>[] {
  return stack.emulator.sinks.events
    .filter((event) => event.detailType === detailType)
    .map((event) => event.detail as Record<string, unknown>)
    .filter((detail) => step === undefined || detail.step === step);
}

/** The migration's preflight for `group` (its Lock step first); what it threw, if anything. */
async function migrationPreflight(group: string, execution: string): Promise<unknown> {
  const migration = { elasticache: deps.elasticache, store: deps.store, now: deps.now };
  const raw = { replicationGroupId: group, customerEndpoints: [{ address: '127.0.0.1', port: 1 }] };
  const state = await preflightSteps.validate({ deps: migration, execution, invocation: 'i', state: raw });
  return preflightSteps
    .preflight({ deps: migration, execution, invocation: 'i', state: state as Record<string, unknown> })
    .then(() => undefined)
    .catch((error: unknown) => error);
}

/** Durability `sync` on env=prod groups, changed at once (no snapshot first). */
const enforceSync = parsePolicy(
  `version: 1
rules:
  - name: prod-durability
    mode: enforce
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync }
`,
  'test-policy.yaml',
);

/**
 * A migration execution at its durability step for `group`: its lock taken as the preflight
 * takes it, and the step's state as the state machine hands it over.
 */
async function migratedExecution(group: string, execution: string) {
  const raw = { replicationGroupId: group, customerEndpoints: [{ address: '127.0.0.1', port: 1 }] };
  const migration = { elasticache: deps.elasticache, store: deps.store, now: deps.now };
  const validated = await preflightSteps.validate({
    deps: migration,
    execution,
    invocation: 'i',
    state: raw,
  });
  const { token } = await takeLock(stack.store, group, execution, deps.now(), {});
  const preflight = { at: deps.now().toISOString(), group: { id: group, status: 'available' }, notes: [] };
  const state = { ...validated, preflight: { ...preflight, lockToken: token } };
  const stepDeps: DurabilityDeps = {
    events: deps.events,
    now: deps.now,
    durability: async (holder) => ({
      deps: stack.durabilityDeps(holder),
      settings: { policy: enforceSync, dryRun: false },
    }),
  };
  const raise = () =>
    durabilitySteps
      .raise({ deps: stepDeps, execution, invocation: 'lambda-1', state })
      .catch((error: unknown) => error);
  return { raise };
}

stackPerFile((started) => {
  stack = started;
  deps = upgradeDepsOf(stack);
});

describe('Workflow locks: restore point, fencing, retried step', () => {
  it("keeps a running upgrade's pre-upgrade snapshot through cleanup (retention 0); the failed upgrade restores from a snapshot that exists", async () => {
    // Prepare: once the snapshot is available, an operator takes a newer one, cleanup runs with
    // retention 0, and the engine upgrade is then refused.
    stack.emulator.model.putGroup(legacyGroupState('restore'));
    const clients = createFleetClients({ endpoint: stack.emulator.endpoint, region: REGION });
    const cleanups: Awaited<ReturnType<typeof cleanupSnapshots>>[] = [];
    const cleanupFirst =
      (task: LocalTask): LocalTask =>
      async (event) => {
        if (actionOf(event) === 'apply' && cleanups.length === 0) {
          const [ours] = [...stack.emulator.model.snapshots.values()].filter((s) => s.groupId === 'restore');
          if (ours === undefined) throw new Error('no pre-upgrade snapshot was taken');
          stack.emulator.model.snapshots.set('restore-by-hand', {
            ...ours,
            name: 'restore-by-hand',
            createdAt: ours.createdAt + 60_000,
            tags: new Map(ours.tags),
          });
          const now = deps.now();
          cleanups.push(
            await cleanupSnapshots(clients, { retentionDays: 0, dryRun: false, now, store: stack.store }),
          );
          stack.emulator.faults.failNext({
            action: 'ModifyReplicationGroup',
            code: 'InvalidParameterCombination',
            times: 1,
          });
        }
        return task(event);
      };

    // Act
    const failure = await runUpgradeLocally(deps, unattended('restore'), {
      clock: clock(),
      executionName: 'up-restore',
      onTaskToken: approveAll,
      wrap: cleanupFirst,
    }).catch((error: unknown) => error);

    // Assess
    expect((failure as ExecutionFailedError).error).toContain('InvalidParameterCombination');
    const [outcome] = upgradeEvents('Durability Upgrade Outcome');
    expect(outcome).toMatchObject({ status: 'failed', restoreFrom: 'restore-preupgrade-up-restore' });
    expect(stack.emulator.model.snapshots.has(String(outcome?.restoreFrom))).toBe(true);
    expect(stack.emulator.model.snapshots.has('restore-by-hand')).toBe(true);
    expect(requestsReached(stack.emulator, 'DeleteSnapshot')).toEqual([]);
    expect(cleanups[0]?.kept.map((kept) => kept.reason).sort()).toEqual([
      'named by a change in flight (migration or durability change)',
      'newest available snapshot of its group',
    ]);
  });

  it('sends nothing from an apply step still running during an abort, and no migration takes the group until the abort released it', async () => {
    // Prepare: the operator aborts while the engine upgrade's Lambda runs; StopExecution ends
    // the execution, not that Lambda, which goes on with its step while the abort waits.
    stack.emulator.model.putGroup(legacyGroupState('fenced'));
    const seen: { migrationDuringAbort?: unknown; stepDuringAbort?: unknown } = {};
    let looks = 0;
    const abortDuringApply =
      (task: LocalTask): LocalTask =>
      async (event) => {
        if (actionOf(event) !== 'apply' || looks > 0) return task(event);
        const runner = {
          stop: async () => {},
          running: async () => {
            looks += 1;
            if (looks > 1) return false;
            seen.migrationDuringAbort = await migrationPreflight('fenced', 'mig-during-abort');
            seen.stepDuringAbort = await task(event).catch((error: unknown) => error);
            return true;
          },
        };
        const stop = { execution: 'up-fenced', error: 'UpgradeRejected', cause: 'aborted: test' };
        const pause = async () => {};
        await stopUnderLock(stack.store, runner, 'fenced', stop, deps.now().toISOString(), {
          looks: 5,
          pause,
        });
        if (seen.stepDuringAbort instanceof Error) throw seen.stepDuringAbort;
        return seen.stepDuringAbort as never;
      };

    // Act
    const failure = await runUpgradeLocally(deps, unattended('fenced'), {
      clock: clock(),
      executionName: 'up-fenced',
      onTaskToken: approveAll,
      wrap: abortDuringApply,
    }).catch((error: unknown) => error);
    const after = await takeLock(stack.store, 'fenced', 'mig-after-abort', deps.now(), {});

    // Assess
    expect(requestsReached(stack.emulator, 'ModifyReplicationGroup')).toEqual([]);
    expect((seen.stepDuringAbort as Error).name).toBe('LockLost');
    expect((seen.migrationDuringAbort as Error).name).toBe('MigrationLocked');
    expect((failure as ExecutionFailedError).error).toBe('LockLost');
    expect(after.held).toBe(true);
    expect(stack.emulator.model.groups.get('fenced')).toMatchObject({
      engineVersion: '7.2',
      status: 'available',
    });
  });

  it('sends no ModifyReplicationGroup from a migration-durability step still running during an abort', async () => {
    // Prepare: a migrated group the policy wants at sync; the operator aborts the migration
    // while its durability step's Lambda runs, which goes on with its step while the abort waits.
    stack.emulator.model.putGroup(groupState('raised', { tags: new Map([['env', 'prod']]) }));
    const { raise } = await migratedExecution('raised', 'mig-raised');
    let stepDuringAbort: unknown;
    let looks = 0;
    const runner = {
      stop: async () => {},
      running: async () => {
        looks += 1;
        if (looks === 1) stepDuringAbort = await raise();
        return looks === 1;
      },
    };
    const stop = { execution: 'mig-raised', error: 'MigrationAborted', cause: 'aborted: test' };

    // Act
    await stopUnderLock(stack.store, runner, 'raised', stop, deps.now().toISOString(), {
      looks: 5,
      pause: async () => {},
    });
    const after = await takeLock(stack.store, 'raised', 'up-after-abort', deps.now(), {});

    // Assess
    expect(requestsReached(stack.emulator, 'ModifyReplicationGroup')).toEqual([]);
    expect((stepDuringAbort as Error).name).toBe('LockLost');
    expect(after.held).toBe(true);
    const leases = await stack.store.listLeases(
      targetDurabilityLeases(stack.emulator.model.arn('replicationgroup', 'raised')),
      deps.now(),
    );
    expect(leases.filter((lease) => lease.key.endsWith(':raised'))).toEqual([]);
    expect(stack.emulator.model.groups.get('raised')?.durability).not.toBe('sync');
  });

  it('sends the Durability change once from a migration-durability step whose lock holds', async () => {
    // Prepare
    stack.emulator.model.putGroup(groupState('raised-held', { tags: new Map([['env', 'prod']]) }));
    const { raise } = await migratedExecution('raised-held', 'mig-raised-held');

    // Act
    const outcome = await raise();

    // Assess
    const sent = requestsReached(stack.emulator, 'ModifyReplicationGroup').filter(
      (request) => request.params.ReplicationGroupId === 'raised-held',
    );
    expect(sent.map((request) => request.params.Durability)).toEqual(['sync']);
    expect(outcome).toMatchObject({ action: 'modify-requested' });
  });

  it('continues truthfully when the answer of an apply step that sent the engine request is lost: one request, reported running', async () => {
    // Prepare: the first apply step sends its request, then its answer is lost, so it is retried.
    stack.emulator.model.putGroup(legacyGroupState('retried'));
    let lost = false;
    const loseFirstApplyAnswer =
      (task: LocalTask): LocalTask =>
      async (event) => {
        const output = await task(event);
        if (actionOf(event) !== 'apply' || lost) return output;
        lost = true;
        throw Object.assign(new Error('the answer of the apply step was lost'), { name: 'TransientError' });
      };

    // Act
    const run = await runUpgradeLocally(deps, unattended('retried'), {
      clock: clock(),
      executionName: 'up-retried',
      onTaskToken: approveAll,
      wrap: loseFirstApplyAnswer,
    });

    // Assess
    const engineRequests = requestsReached(stack.emulator, 'ModifyReplicationGroup').filter(
      (request) => request.params.EngineVersion !== undefined,
    );
    expect(engineRequests).toHaveLength(1);
    expect(run.output).toMatchObject({ status: 'succeeded', effectiveDurability: 'sync' });
    const [first, retried] = upgradeEvents('Durability Upgrade Step', 'step-requested');
    expect(first?.action).toBe('upgrade-engine');
    expect(retried?.action).toBe('upgrade-engine');
    expect(String(retried?.running)).toMatch(/requested by an earlier attempt of this step, running/);
    // The retried step's event has the first one's id: a consumer drops it.
    expect(retried?.eventId).toBe(first?.eventId);
  });

  it('completes an upgrade while every PutEvents is throttled: each change sent once, as many as without throttling', async () => {
    // Prepare: the same upgrade, once with events going out, to count the changes it makes.
    const changesOf = (id: string) =>
      requestsReached(stack.emulator, 'ModifyReplicationGroup')
        .filter((request) => request.params.ReplicationGroupId === id)
        .map((request) => JSON.stringify({ ...request.params, ReplicationGroupId: undefined }));
    stack.emulator.model.putGroup(legacyGroupState('loud'));
    const options = (name: string) => ({ clock: clock(), executionName: name, onTaskToken: approveAll });
    await runUpgradeLocally(deps, unattended('loud'), options('up-loud'));
    const eventsWhenHealthy = stack.emulator.sinks.events.length;
    stack.emulator.model.putGroup(legacyGroupState('quiet'));
    stack.emulator.faults.configure({ throttleRates: { PutEvents: 1 } });

    // Act
    const run = await runUpgradeLocally(deps, unattended('quiet'), options('up-quiet'));

    // Assess: the upgrade succeeded, each change reached the service once, no event got out.
    expect(run.output).toMatchObject({ status: 'succeeded', effectiveDurability: 'sync' });
    expect(changesOf('quiet')).toEqual(changesOf('loud'));
    expect(new Set(changesOf('quiet')).size).toBe(changesOf('quiet').length);
    const snapshots = requestsReached(stack.emulator, 'CreateSnapshot');
    expect(snapshots.filter((request) => request.params.ReplicationGroupId === 'quiet')).toHaveLength(1);
    expect(stack.emulator.faults.count('PutEvents', true)).toBeGreaterThan(0);
    expect(stack.emulator.sinks.events).toHaveLength(eventsWhenHealthy);
  });
});
