/**
 * The staged durability upgrade refuses an engine version it must not go to, through its real
 * ASL file against the sandbox: below the first durable Valkey at ValidateInput, below the
 * group's own version (a downgrade) at Lock, the first step that reads the group. Nothing is
 * changed, nothing is held.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ExecutionFailedError } from '../../../infra/local/step-functions.js';
import { runUpgradeLocally } from '../../../infra/local/upgrade-workflow.js';
import type { UpgradeDeps } from '../../../shared/jobs/upgrade/deps.js';
import { groupState, legacyGroupState, type Stack, startStack, upgradeDepsOf } from '../harness.js';

let stack: Stack;
let deps: UpgradeDeps;
const clock = () => ({ advance: (ms: number) => stack.emulator.clock.advance(ms) });
const CHANGES = new Set([
  'ModifyReplicationGroup',
  'IncreaseReplicaCount',
  'CreateSnapshot',
  'CreateCacheParameterGroup',
]);

/** Every change request that reached the emulator, refused ones too. */
const changes = () =>
  stack.emulator.faults.log.filter((request) => CHANGES.has(request.action)).map((request) => request.action);

async function failureOf(replicationGroupId: string, engineVersion: string, executionName: string) {
  const failure = await runUpgradeLocally(
    deps,
    { replicationGroupId, target: 'sync', engineVersion, allow: ['upgrade-engine'], enforce: true },
    { clock: clock(), executionName },
  ).catch((error: unknown) => error);
  return failure as ExecutionFailedError;
}

beforeAll(async () => {
  stack = await startStack();
  deps = upgradeDepsOf(stack);
});

afterAll(() => stack.close());

beforeEach(() => stack.emulator.faults.reset());

describe('Durability upgrade state machine: the engine version of its input', () => {
  it('refuses engineVersion 7.0 for a Valkey 8.1 group at ValidateInput, naming both versions, changing nothing', async () => {
    // Prepare
    stack.emulator.model.putGroup(legacyGroupState('eighty-one', { engineVersion: '8.1' }));

    // Act
    const failure = await failureOf('eighty-one', '7.0', 'up-seven');

    // Assess
    expect(failure.error).toBe('InputValidationError');
    expect(failure.causeText).toContain('engineVersion: valkey 7.0 is below 9.0, the first with durability');
    expect(changes()).toEqual([]);
    expect(await stack.store.readLease('migration#eighty-one')).toBeUndefined();
  });

  it('refuses a downgrade (engineVersion 9.0 for a Valkey 9.1 group) at Lock with EngineDowngrade, changing and holding nothing', async () => {
    // Prepare
    stack.emulator.model.putGroup(groupState('ninety-one', { engineVersion: '9.1', tls: false }));

    // Act
    const failure = await failureOf('ninety-one', '9.0', 'up-down');

    // Assess
    expect(failure.error).toBe('EngineDowngrade');
    expect(failure.causeText).toContain(
      'engineVersion 9.0 is below the valkey 9.1 ninety-one runs: an upgrade never downgrades',
    );
    expect(changes()).toEqual([]);
    expect(await stack.store.readLease('migration#ninety-one')).toBeUndefined();
  });

  it('takes an engine version at or above the group’s own: a Valkey 8.1 group goes to 9.1', async () => {
    // Prepare
    stack.emulator.model.putGroup(legacyGroupState('to-nine', { engineVersion: '8.1' }));

    // Act
    const run = await runUpgradeLocally(
      deps,
      { replicationGroupId: 'to-nine', target: 'sync', engineVersion: '9.1', dryRun: true },
      { clock: clock(), executionName: 'up-nine' },
    );

    // Assess
    expect((run.output as { plan: string[] }).plan[0]).toBe('upgrade valkey 8.1 to valkey 9.1');
    expect(changes()).toEqual([]);
  });
});
