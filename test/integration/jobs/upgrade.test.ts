/**
 * The staged durability upgrade through its real ASL file, run locally against the sandbox:
 * every request goes through the SDK to the emulator, which refuses what AWS refuses.
 */
import { readdirSync } from 'node:fs';
import { CreateReplicationGroupCommand, ModifyReplicationGroupCommand } from '@aws-sdk/client-elasticache';
import validateAsl from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { ExecutionFailedError, type LocalTask, loadDefinition } from '../../../infra/local/step-functions.js';
import { runUpgradeLocally, UPGRADE_ASL } from '../../../infra/local/upgrade-workflow.js';
import { RECORD_KINDS } from '../../../shared/aws/state-keys.js';
import { nameTaken, StepFunctionsUpgradeStarter } from '../../../shared/aws/upgrade-starter.js';
import { type PlanStep, STAGED_ACTIONS } from '../../../shared/domain/durability/readiness.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { scanDurability } from '../../../shared/jobs/durability/pipeline.js';
import type { UpgradeDeps } from '../../../shared/jobs/upgrade/deps.js';
import { upgradeSteps } from '../../../shared/jobs/upgrade/steps.js';
import { expectEvery } from '../../expect-every.js';
import { legacyGroupState, REGION, type Stack, stackPerFile, upgradeDepsOf } from '../harness.js';
import { base, COMPATIBLE_STEPS, STARTS, TO_COMPATIBLE } from '../readiness-fleet.js';

let stack: Stack;
let deps: UpgradeDeps;
const clock = () => ({ advance: (ms: number) => stack.emulator.clock.advance(ms) });
const CHANGES = [
  'ModifyReplicationGroup',
  'IncreaseReplicaCount',
  'ModifyReplicationGroupShardConfiguration',
  'CreateSnapshot',
];

const legacy = (id: string) => legacyGroupState(id);

/** Every change request sent to the emulator, in order, refused ones too. */
function changes(): string[] {
  return stack.emulator.faults.log
    .filter((request) => CHANGES.includes(request.action))
    .map((request) => `${request.action}${request.fault === undefined ? '' : `!${request.fault}`}`);
}

function upgradeEvents(step?: string) {
  return stack.emulator.sinks.events
    .filter((event) => event.detailType.startsWith('Durability Upgrade'))
    .map((event) => ({ type: event.detailType, detail: event.detail as Record<string, unknown> }))
    .filter((event) => step === undefined || event.detail.step === step);
}

const approveAll = async () => ({ approved: true, by: 'test' });
/** Redis OSS 6.2 on m5 nodes, cluster mode disabled, one node, no TLS: every kind of step. */
const legacyRedis = STARTS.find(([name]) => name === 'legacy-redis')?.[1] ?? base('legacy-redis');

stackPerFile((started) => {
  stack = started;
  deps = upgradeDepsOf(stack);
});

describe('Durability upgrade state machine', () => {
  it('brings a Valkey 7.2 group without replica, TLS or cluster mode to sync, snapshot first, each request accepted', async () => {
    // Prepare
    stack.emulator.model.putGroup(legacy('legacy'));

    // Act
    const run = await runUpgradeLocally(
      deps,
      { replicationGroupId: 'legacy', target: 'sync', allow: [...STAGED_ACTIONS], enforce: true },
      { clock: clock(), executionName: 'up-1', onTaskToken: approveAll },
    );

    // Assess
    const group = await deps.elasticache.send(
      new (await import('@aws-sdk/client-elasticache')).DescribeReplicationGroupsCommand({
        ReplicationGroupId: 'legacy',
      }),
    );
    expect(group.ReplicationGroups?.[0]?.EffectiveDurability).toBe('sync');
    expect(changes()).toEqual([
      'CreateSnapshot',
      'ModifyReplicationGroup', // engine
      'IncreaseReplicaCount',
      'ModifyReplicationGroup', // Multi-AZ
      'ModifyReplicationGroup', // TLS preferred
      'ModifyReplicationGroup', // compatible
      'ModifyReplicationGroup', // enabled (approved: clients must switch)
      'ModifyReplicationGroup', // durability
    ]);
    expect(upgradeEvents('step-requested')).toHaveLength(7);
    expect(
      upgradeEvents().filter((event) => event.type === 'Durability Upgrade Approval Requested'),
    ).toHaveLength(1);
    expect(run.output).toMatchObject({ status: 'succeeded', effectiveDurability: 'sync' });
    expect((run.output as { steps: string[] }).steps).toHaveLength(7);
    expect(await stack.store.readLease('migration#legacy')).toBeUndefined();
    console.info(`upgrade: ${run.transitions} state transitions`);
  });

  it('adds the shards the workload fit asks for once cluster mode is enabled, then sets durability', async () => {
    // Prepare: cluster mode disabled (one shard); the fit asked for 3 shards
    stack.emulator.model.putGroup(legacy('resharded'));

    // Act
    const run = await runUpgradeLocally(
      deps,
      {
        replicationGroupId: 'resharded',
        target: 'sync',
        allow: [...STAGED_ACTIONS],
        enforce: true,
        shards: 3,
      },
      { clock: clock(), executionName: 'up-shards', onTaskToken: approveAll },
    );

    // Assess
    const { DescribeReplicationGroupsCommand } = await import('@aws-sdk/client-elasticache');
    const [group] =
      (await deps.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'resharded' })))
        .ReplicationGroups ?? [];
    expect(group?.NodeGroups).toHaveLength(3);
    expect(group?.EffectiveDurability).toBe('sync');
    const sent = changes();
    expect(sent.slice(-3)).toEqual([
      'ModifyReplicationGroup', // cluster mode enabled
      'ModifyReplicationGroupShardConfiguration',
      'ModifyReplicationGroup', // durability
    ]);
    expect(sent.filter((request) => request.includes('!'))).toEqual([]);
    expect(run.output).toMatchObject({ status: 'succeeded', effectiveDurability: 'sync' });
  });

  it.each(STARTS)(
    'brings %s to sync through the state machine: snapshot first, every request accepted',
    async (id, input, count) => {
      // Prepare
      await deps.elasticache.send(
        new CreateReplicationGroupCommand({ ...input, ReplicationGroupId: `sm-${id}` }),
      );
      stack.emulator.clock.advance(15 * 60_000);

      // Act
      const run = await runUpgradeLocally(
        deps,
        { replicationGroupId: `sm-${id}`, target: 'sync', allow: [...STAGED_ACTIONS], enforce: true },
        { clock: clock(), executionName: `sm-${id}`, onTaskToken: approveAll },
      );

      // Assess
      expect(run.output).toMatchObject({ status: 'succeeded', effectiveDurability: 'sync' });
      expect(changes()).toEqual(['CreateSnapshot', ...changes().slice(1)]);
      expect(changes().slice(1)).toHaveLength(count);
      expect(changes().filter((change) => change.includes('!'))).toEqual([]);
      expect(await stack.store.readLease(`migration#sm-${id}`)).toBeUndefined();
    },
  );

  it('brings a group in cluster mode compatible to sync, ClusterMode=enabled first, every request accepted', async () => {
    // Prepare: a compatible group that still needs an engine upgrade and TLS.
    const id = 'sm-compatible';
    await deps.elasticache.send(new CreateReplicationGroupCommand(TO_COMPATIBLE(id)));
    stack.emulator.clock.advance(15 * 60_000);
    await deps.elasticache.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: id,
        ClusterMode: 'compatible',
        ApplyImmediately: true,
      }),
    );
    stack.emulator.clock.advance(15 * 60_000);
    stack.emulator.faults.reset();

    // Act
    const run = await runUpgradeLocally(
      deps,
      { replicationGroupId: id, target: 'sync', allow: [...STAGED_ACTIONS], enforce: true },
      { clock: clock(), executionName: id, onTaskToken: approveAll },
    );

    // Assess
    expect(run.output).toMatchObject({ status: 'succeeded', effectiveDurability: 'sync' });
    expect(changes()).toEqual(['CreateSnapshot', ...Array(COMPATIBLE_STEPS).fill('ModifyReplicationGroup')]);
    expect(upgradeEvents('step-requested').map((event) => event.detail.action)).toEqual([
      'cluster-mode',
      'upgrade-engine',
      'enable-tls',
      'set-durability',
    ]);
    expect(stack.emulator.model.groups.get(id)).toMatchObject({
      clusterMode: 'enabled',
      tls: true,
      engineVersion: '9.0',
    });
  });

  it.each([...STAGED_ACTIONS, 'set-durability'])(
    'ends on a refusal of its %s step with the fault named, nothing sent twice, the lock released',
    async (action) => {
      // Prepare: Redis OSS 6.2 on m5 nodes needs every kind of step (2 shards: the fit's add-shards too).
      const id = `fault-${action}`;
      await deps.elasticache.send(
        new CreateReplicationGroupCommand({ ...legacyRedis, ReplicationGroupId: id }),
      );
      stack.emulator.clock.advance(15 * 60_000);
      const refuseThisStep =
        (task: LocalTask): LocalTask =>
        async (event) => {
          const step = (event as { action?: string; state?: { plan?: { step?: PlanStep } } }).state?.plan
            ?.step;
          if ((event as { action?: string }).action === 'apply' && step?.action === action)
            stack.emulator.faults.failNext({
              action: step.api,
              code: 'InvalidParameterCombination',
              times: 1,
            });
          return task(event);
        };

      // Act
      const failure = await runUpgradeLocally(
        deps,
        { replicationGroupId: id, target: 'sync', allow: [...STAGED_ACTIONS], enforce: true, shards: 2 },
        { clock: clock(), executionName: id, onTaskToken: approveAll, wrap: refuseThisStep },
      ).catch((error: unknown) => error);

      // Assess
      expect((failure as ExecutionFailedError).error).toContain('InvalidParameterCombination');
      const sent = changes();
      expect(sent.filter((change) => change.includes('!'))).toHaveLength(1);
      expect(
        new Set(sent.filter((change) => change.startsWith('IncreaseReplicaCount'))).size,
      ).toBeLessThanOrEqual(1);
      expect(await stack.store.readLease(`migration#${id}`)).toBeUndefined();
      const outcome = upgradeEvents().find((event) => event.type === 'Durability Upgrade Outcome');
      expect(outcome?.detail).toMatchObject({ status: 'failed' });
    },
  );

  it('stops at a rejected approval, the group left in its last safe state and the lock released', async () => {
    // Prepare
    stack.emulator.model.putGroup(legacy('rejected'));
    const reject = async () => {
      throw Object.assign(new Error('clients are not TLS-ready'), { name: 'UpgradeRejected' });
    };

    // Act
    const failure = await runUpgradeLocally(
      deps,
      {
        replicationGroupId: 'rejected',
        target: 'sync',
        allow: ['upgrade-engine', 'add-replicas', 'enable-multi-az'],
      },
      { clock: clock(), executionName: 'up-2', onTaskToken: reject },
    ).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(ExecutionFailedError);
    expect((failure as ExecutionFailedError).error).toBe('UpgradeRejected');
    const state = stack.emulator.model.groups.get('rejected');
    expect(state).toMatchObject({
      engineVersion: '9.0',
      replicas: 1,
      multiAZ: true,
      tls: false,
      effectiveDurability: 'disabled',
    });
    const outcome = upgradeEvents().find((event) => event.type === 'Durability Upgrade Outcome');
    expect(outcome?.detail).toMatchObject({ status: 'failed', error: 'UpgradeRejected' });
    expect(String(outcome?.detail.group)).toContain('left as the last completed step made it');
    expect(await stack.store.readLease('migration#rejected')).toBeUndefined();
  });

  it.each([
    ['IncreaseReplicaCount', 'InvalidParameterCombination'],
    ['ModifyReplicationGroup', 'InvalidReplicationGroupState'],
  ])('ends on a refused %s with the fault named, sent once, nothing after it', async (action, code) => {
    // Prepare
    stack.emulator.model.putGroup(legacy(`refused-${action}`));
    const engineDone = action === 'ModifyReplicationGroup' ? 0 : 1;
    stack.emulator.faults.failNext({ action, code, times: 1 });

    // Act
    const failure = await runUpgradeLocally(
      deps,
      { replicationGroupId: `refused-${action}`, target: 'sync', allow: [...STAGED_ACTIONS] },
      { clock: clock(), executionName: `up-${action}`, onTaskToken: approveAll },
    ).catch((error: unknown) => error);

    // Assess
    expect((failure as ExecutionFailedError).error).toContain(code);
    expect(changes().filter((name) => name.split('!')[0] === action)).toHaveLength(1);
    expect(changes()).toHaveLength(1 + engineDone + 1); // the snapshot, the engine upgrade before a replica, the refused one
    expect(await stack.store.readLease(`migration#refused-${action}`)).toBeUndefined();
  });

  it('settles a lost answer to a step by reading the group back: the step is sent once', async () => {
    // Prepare: the engine upgrade is applied, then its answer is lost (connection closed).
    stack.emulator.model.putGroup(legacy('lost'));
    stack.emulator.faults.failNext({
      action: 'ModifyReplicationGroup',
      code: 'InternalFailure',
      status: 0,
      applied: true,
      times: 1,
    });

    // Act
    const run = await runUpgradeLocally(
      deps,
      { replicationGroupId: 'lost', target: 'sync', allow: [...STAGED_ACTIONS], enforce: true },
      { clock: clock(), executionName: 'up-lost', onTaskToken: approveAll },
    );

    // Assess
    expect(run.output).toMatchObject({ status: 'succeeded', effectiveDurability: 'sync' });
    expect(changes().filter((name) => name.startsWith('ModifyReplicationGroup'))).toHaveLength(6);
  });

  it('keeps the durability scan off a group an upgrade holds: in-progress, no change of its own', async () => {
    // Prepare: an enforcing rule wants sync; the scan runs while the upgrade waits for approval.
    stack.emulator.model.putGroup(legacy('busy'));
    const policy = parsePolicy(
      `version: 1
rules:
  - name: durable
    mode: enforce
    match: { ids: [busy] }
    durability: { minimum: sync }
`,
      'p.yaml',
    );
    let scanned: Awaited<ReturnType<typeof scanDurability>> | undefined;
    const scanDuringApproval = async () => {
      const before = changes().length;
      scanned = await scanDurability(stack.durabilityDeps('scan'), { policy, dryRun: false });
      expect(changes()).toHaveLength(before);
      return { approved: true };
    };

    // Act
    await runUpgradeLocally(
      deps,
      { replicationGroupId: 'busy', target: 'sync', allow: ['upgrade-engine'] },
      { clock: clock(), executionName: 'up-busy', onTaskToken: scanDuringApproval, maxTransitions: 40 },
    ).catch(() => undefined);

    // Assess
    const finding = scanned?.findings.find(
      (item) => item.resourceId === 'busy' && item.check === 'durability',
    );
    expect(finding?.action).toBe('in-progress');
    expect(finding?.reason).toContain('staged durability upgrade');
  });

  it('is started by the durability scan for plans the policy allows, within the per-run cap, once per group', async () => {
    // Prepare: two staged groups, an enforce rule that allows the steps, one change per run.
    for (const id of ['auto-1', 'auto-2']) stack.emulator.model.putGroup(legacy(id));
    const policy = parsePolicy(
      `version: 1
settings: { maxActionsPerRun: 1 }
rules:
  - name: durable
    mode: enforce
    match: { ids: [auto-*] }
    durability: { minimum: sync, stagedChanges: { allow: [upgrade-engine, add-replicas, enable-multi-az, enable-tls, cluster-mode] } }
`,
      'p.yaml',
    );
    const started: string[] = [];
    const upgrades = {
      // The deployed port calls StartExecution; here the execution runs through before the scan goes on.
      start: async (name: string, input: object) => {
        started.push(name);
        await runUpgradeLocally(deps, input, {
          clock: clock(),
          executionName: name,
          onTaskToken: approveAll,
        });
        return name;
      },
    };
    const scan = () =>
      scanDurability({ ...stack.durabilityDeps('scan'), upgrades }, { policy, dryRun: false });

    // Act
    const first = await scan();
    const second = await scan();
    const third = await scan();

    // Assess
    expect(started).toHaveLength(2);
    expect(first.actions).toMatchObject({ 'upgrade-started': 1, deferred: 1 });
    expect(second.actions).toMatchObject({ 'upgrade-started': 1 });
    expect(third.summary.byStatus.violation ?? 0).toBe(0);
    for (const id of ['auto-1', 'auto-2'])
      expect(stack.emulator.model.groups.get(id)?.effectiveDurability).toBe('sync');
  });

  it('keeps a failed upgrade from starting again for a day: its lease stays, failed', async () => {
    // Prepare: a rejected upgrade (the operator said no).
    stack.emulator.model.putGroup(legacy('said-no'));
    const reject = async () => {
      throw Object.assign(new Error('not this week'), { name: 'UpgradeRejected' });
    };
    await runUpgradeLocally(
      deps,
      { replicationGroupId: 'said-no', target: 'sync', allow: ['upgrade-engine'] },
      { clock: clock(), executionName: 'up-said-no', onTaskToken: reject },
    ).catch(() => undefined);
    const arn = 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:said-no';
    const policy = parsePolicy(
      `version: 1
rules:
  - name: durable
    mode: enforce
    match: { ids: [said-no] }
    durability: { minimum: sync, stagedChanges: { allow: [upgrade-engine] } }
`,
      'p.yaml',
    );
    const started: string[] = [];
    const upgrades = { start: async (name: string) => (started.push(name), name) };

    // Act: the next scan, an hour later.
    stack.emulator.clock.advance(3_600_000);
    const report = await scanDurability(
      { ...stack.durabilityDeps('scan'), upgrades },
      { policy, dryRun: false },
    );

    // Assess
    const lease = await stack.store.readLease(`durability#${arn}`);
    expect(lease?.details).toMatchObject({ phase: 'failed', faultCode: 'UpgradeRejected' });
    expect(started).toEqual([]);
    expect(report.findings.find((finding) => finding.check === 'durability')?.action).toBe('failed');
  });

  it('takes its lock again when its Lock step is retried, and no other execution can', async () => {
    // Prepare
    stack.emulator.model.putGroup(legacy('retried'));
    const state = await upgradeSteps.validate({
      deps,
      execution: 'up-retried',
      invocation: 'i-1',
      state: { replicationGroupId: 'retried', target: 'sync' },
    });
    const lockAs = (execution: string) =>
      upgradeSteps.lock({ deps, execution, invocation: 'i-2', state: state as Record<string, unknown> });

    // Act
    await lockAs('up-retried');
    const again = await lockAs('up-retried');
    const other = await lockAs('up-other').catch((error: unknown) => error);

    // Assess
    expect(again).toMatchObject({ arn: expect.stringContaining(':replicationgroup:retried') });
    expect((other as Error).name).toBe('UpgradeLocked');
  });

  it('sends nothing when the group changed while its step waited for approval (PlanChanged)', async () => {
    // Prepare: the engine upgrade waits for approval; meanwhile someone upgrades the engine.
    stack.emulator.model.putGroup(legacy('moved-on'));
    const someoneElse = async () => {
      const group = stack.emulator.model.groups.get('moved-on');
      if (group !== undefined) group.engineVersion = '9.0';
      return { approved: true };
    };

    // Act
    const failure = await runUpgradeLocally(
      deps,
      { replicationGroupId: 'moved-on', target: 'sync' },
      { clock: clock(), executionName: 'up-moved-on', onTaskToken: someoneElse },
    ).catch((error: unknown) => error);

    // Assess
    expect((failure as ExecutionFailedError).error).toBe('PlanChanged');
    expect(changes()).toEqual(['CreateSnapshot']);
    expect(await stack.store.readLease('migration#moved-on')).toBeUndefined();
  });

  it('spends the approval record when the approved step is applied', async () => {
    stack.emulator.model.putGroup(legacy('spent'));
    const left: unknown[] = [];
    const watchApply =
      (task: LocalTask): LocalTask =>
      async (event) => {
        const result = await task(event);
        if ((event as { action?: string }).action === 'apply')
          left.push(await stack.store.readRecord(RECORD_KINDS.upgradeApproval, 'spent'));
        return result;
      };
    await runUpgradeLocally(
      deps,
      { replicationGroupId: 'spent', target: 'sync', allow: ['add-replicas'] },
      { clock: clock(), executionName: 'up-spent', onTaskToken: approveAll, wrap: watchApply },
    );
    expect(left.length).toBeGreaterThan(1);
    expectEvery(left, (record) => record === undefined, 'approval records after apply');
  });

  it('refuses to start while another execution holds the group, changing nothing', async () => {
    // Prepare
    stack.emulator.model.putGroup(legacy('held'));
    const now = new Date(stack.emulator.clock.now());
    await stack.store.acquireLease(
      'migration#held',
      'someone-else',
      new Date(now.getTime() + 3_600_000),
      now,
    );

    // Act
    const failure = await runUpgradeLocally(
      deps,
      { replicationGroupId: 'held', target: 'sync' },
      { clock: clock(), executionName: 'up-held' },
    ).catch((error: unknown) => error);

    // Assess
    expect((failure as ExecutionFailedError).error).toBe('UpgradeLocked');
    expect(changes()).toEqual([]);
    expect((await stack.store.readLease('migration#held'))?.holder).toBe('someone-else');
  });

  it('plans and stops on a dry run', async () => {
    stack.emulator.model.putGroup(legacy('dry'));
    const run = await runUpgradeLocally(
      deps,
      { replicationGroupId: 'dry', target: 'async', dryRun: true },
      { clock: clock(), executionName: 'up-dry' },
    );
    expect(run.output).toMatchObject({ status: 'dry-run' });
    expect((run.output as { plan: string[] }).plan).toHaveLength(7);
    expect(changes()).toEqual([]);
  });

  it('is started by name: a retried start finds the running execution, another input under that name is refused', async () => {
    // Prepare
    const arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:guardrails-durability-upgrade';
    const starter = new StepFunctionsUpgradeStarter(arn, {
      endpoint: stack.emulator.endpoint,
      region: REGION,
    });
    const input = { replicationGroupId: 'named', target: 'sync', allow: [], enforce: true };

    // Act
    const first = await starter.start('named-durability-2026112510', input);
    const again = await starter.start('named-durability-2026112510', input);
    const other = await starter
      .start('named-durability-2026112510', { ...input, target: 'async' })
      .catch((error: unknown) => error);

    // Assess
    expect(again).toBe(first);
    expect(nameTaken(other)).toBe(true);
    expect(
      [...stack.emulator.sinks.executions.keys()].filter((key) =>
        key.endsWith(':named-durability-2026112510'),
      ),
    ).toHaveLength(1);
  });

  it.each(['SUCCEEDED', 'FAILED'])(
    'refuses a start under the name of a closed execution (%s), whatever the input',
    async (status) => {
      // Prepare
      const arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:guardrails-durability-upgrade';
      const starter = new StepFunctionsUpgradeStarter(arn, {
        endpoint: stack.emulator.endpoint,
        region: REGION,
      });
      const input = { replicationGroupId: 'closed', target: 'sync', allow: [], enforce: true };
      const execution = await starter.start(`closed-${status}-2026112510`, input);
      await fetch(new URL('/_control/executions', stack.emulator.endpoint), {
        method: 'POST',
        body: JSON.stringify({ executionArn: execution, status }),
      });

      // Act
      const same = await starter.start(`closed-${status}-2026112510`, input).catch((error: unknown) => error);
      const other = await starter
        .start(`closed-${status}-2026112510`, { ...input, target: 'async' })
        .catch((error: unknown) => error);

      // Assess
      expect(String(same)).toContain('ExecutionAlreadyExists');
      expect(nameTaken(same)).toBe(true);
      expect(nameTaken(other)).toBe(true);
      expect(stack.emulator.sinks.executions.get(execution)?.status).toBe(status);
    },
  );

  it('is valid ASL', () => {
    const { isValid, errorsText } = validateAsl(loadDefinition(UPGRADE_ASL) as never, {
      checkArn: true,
      checkPaths: true,
    });
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  it('ships one function module for the whole workflow', () => {
    // One handler, and its manifest.
    expect(readdirSync(new URL('../../../functions/durability-upgrade/', import.meta.url)).sort()).toEqual([
      'function.ts',
      'handler.ts',
    ]);
  });
});
