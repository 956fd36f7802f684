/**
 * The durability a migration raises in place is soaked like every other change: once the
 * change took effect, the migration passes the group's lock to a soak-only execution of the
 * durability-upgrade workflow (`inPlaceChange`), which plans, finds nothing left and soaks.
 * The real upgrade ASL runs locally against the sandbox; requests are counted at the emulator.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runUpgradeLocally } from '../../../infra/local/upgrade-workflow.js';
import { parseMigrationInput } from '../../../shared/domain/migration/index.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import type { UpgradeStarter } from '../../../shared/domain/workflow/runner.js';
import { type DurabilityDeps, durabilitySteps } from '../../../shared/jobs/migration/durability.js';
import type { UpgradeDeps } from '../../../shared/jobs/upgrade/deps.js';
import { takeLock } from '../../../shared/jobs/workflow/lock.js';
import { groupState, requestsReached, type Stack, startStack, upgradeDepsOf } from '../harness.js';

let stack: Stack;
let deps: UpgradeDeps;

/** Durability `sync` in place on env=prod groups, with the rule's soak (`soak` given, or none). */
const policyWith = (soak: string) =>
  parsePolicy(
    `version: 1
rules:
  - name: prod-durability
    mode: enforce
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync, soak: ${soak} }
`,
    'migration-soak.yaml',
  );

/** An upgrade starter that runs each execution here, once per name, as Step Functions keeps a name. */
function localStarter(runs: { name: string; input: object; output: unknown }[]): UpgradeStarter {
  return {
    start: async (name, input) => {
      const clock = { advance: (ms: number) => stack.emulator.clock.advance(ms) };
      const run = await runUpgradeLocally(deps, input, { clock, executionName: name });
      runs.push({ name, input, output: run.output });
      return name;
    },
  };
}

/**
 * A migrated group (TLS on, durability off) at the migration's durability step, its lock taken;
 * the deployment in a dry run from look `dryRunFrom` on (never by default).
 */
async function migrated(
  group: string,
  execution: string,
  soak: string,
  upgrades: UpgradeStarter,
  dryRunFrom = Number.POSITIVE_INFINITY,
) {
  stack.emulator.model.putGroup(groupState(group, { shards: 1, tags: new Map([['env', 'prod']]) }));
  const input = parseMigrationInput({
    replicationGroupId: group,
    customerEndpoints: [{ address: '127.0.0.1', port: 1 }],
  });
  const { token } = await takeLock(stack.store, group, execution, deps.now(), {});
  const preflight = { at: deps.now().toISOString(), group: { id: group, status: 'available' }, notes: [] };
  let look = 0;
  const stepDeps: DurabilityDeps = {
    events: deps.events,
    now: deps.now,
    upgrades,
    durability: async (holder) => ({
      deps: stack.durabilityDeps(holder),
      settings: { policy: policyWith(soak), dryRun: look >= dryRunFrom },
    }),
  };
  let state: Record<string, unknown> = { input, preflight: { ...preflight, lockToken: token } };
  /** The durability step's looks, as the state machine polls them, until it is done. */
  return async () => {
    for (; look < 30; look += 1) {
      const outcome = (await durabilitySteps.raise({
        deps: stepDeps,
        execution,
        invocation: `l-${look}`,
        state,
      })) as {
        done?: boolean;
        reason: string;
      };
      state = { ...state, durability: outcome };
      if (outcome.done === true) return outcome;
      stack.emulator.clock.advance(60_000);
    }
    throw new Error('the durability step never finished');
  };
}

const durabilityModifies = (group: string) =>
  requestsReached(stack.emulator, 'ModifyReplicationGroup')
    .filter((request) => request.params.ReplicationGroupId === group)
    .map((request) => request.params.Durability);

beforeAll(async () => {
  stack = await startStack();
  deps = upgradeDepsOf(stack);
});

afterAll(() => stack.close());

beforeEach(() => {
  stack.emulator.faults.reset();
});

describe('Migration: the durability it raised in place is soaked', () => {
  it('passes the lock to one soak-only execution once the change took effect; the quiet soak succeeds, nothing more sent', async () => {
    // Prepare
    const runs: { name: string; input: object; output: unknown }[] = [];
    const raise = await migrated(
      'moved',
      'mig-moved',
      '{ window: 30m, onBreach: alert }',
      localStarter(runs),
    );

    // Act
    const outcome = await raise();

    // Assess
    expect(durabilityModifies('moved')).toEqual(['sync']);
    expect(runs.map((run) => run.name)).toEqual(['moved-soak-after-mig-moved']);
    expect(runs[0]?.input).toMatchObject({
      target: 'sync',
      lockHandedOverBy: 'mig-moved',
      inPlaceChange: { rule: 'prod-durability' },
      soak: { windowSeconds: 1800, onBreach: 'alert' },
    });
    expect(runs[0]?.output).toMatchObject({ status: 'succeeded', soak: { outcome: 'quiet' } });
    expect(outcome.reason).not.toContain('not soaked');
    expect(outcome.reason).toContain('soak moved-soak-after-mig-moved started');
    expect(await stack.store.readLease('migration#moved')).toBeUndefined();
  });

  it('starts none when the rule has no soak, and says so', async () => {
    // Prepare
    const runs: { name: string; input: object; output: unknown }[] = [];
    const raise = await migrated('unwatched', 'mig-unwatched', 'false', localStarter(runs));

    // Act
    const outcome = await raise();

    // Assess
    expect(durabilityModifies('unwatched')).toEqual(['sync']);
    expect(runs).toEqual([]);
    expect(outcome.reason).toContain('not soaked: rule prod-durability has no soak');
  });

  it('starts none in a dry run, though an earlier look raised it: the lock stays with the migration', async () => {
    // Prepare: the first look sends the change, then the deployment turns to a dry run.
    const runs: { name: string; input: object; output: unknown }[] = [];
    const raise = await migrated('dry', 'mig-dry', '{ window: 30m, onBreach: alert }', localStarter(runs), 1);

    // Act
    const outcome = await raise();

    // Assess
    expect(durabilityModifies('dry')).toEqual(['sync']);
    expect(outcome).toMatchObject({ action: 'verified' });
    expect(runs).toEqual([]);
    expect(await stack.store.readLease('migration#dry')).toMatchObject({ holder: 'mig-dry' });
  });
});
