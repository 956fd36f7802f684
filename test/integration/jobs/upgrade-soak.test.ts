/**
 * The soak after a staged upgrade's durability change, through the real ASL file run locally
 * against the sandbox: the group's metrics as the emulator serves them (set per node), every
 * ModifyReplicationGroup request counted, refused ones too.
 */
import { DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { ExecutionFailedError, type LocalTask } from '../../../infra/local/step-functions.js';
import { runUpgradeLocally } from '../../../infra/local/upgrade-workflow.js';
import { durabilityLeaseKey, RECORD_KINDS } from '../../../shared/aws/state-keys.js';
import type { SoakRecord } from '../../../shared/domain/durability/soak-series.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { scanDurability } from '../../../shared/jobs/durability/pipeline.js';
import type { UpgradeDeps } from '../../../shared/jobs/upgrade/deps.js';
import { releaseLock, takeLease, takeLock } from '../../../shared/jobs/workflow/lock.js';
import {
  ALERT_TOPIC,
  groupState,
  requestsReached,
  type Stack,
  stackPerFile,
  upgradeDepsOf,
} from '../harness.js';

let stack: Stack;
let deps: UpgradeDeps;
const clock = () => ({ advance: (ms: number) => stack.emulator.clock.advance(ms) });
const approveAll = async () => ({ approved: true, by: 'test' });

stackPerFile((started) => {
  stack = started;
  deps = upgradeDepsOf(stack, { alertTopic: ALERT_TOPIC });
});

/** Every ModifyReplicationGroup that reached the model, by the Durability it asked for (`!fault` when refused). */
function durabilityRequests(groupId: string): string[] {
  return requestsReached(stack.emulator, 'ModifyReplicationGroup')
    .filter((request) => request.params.ReplicationGroupId === groupId)
    .map(
      (request) =>
        `${String(request.params.Durability)}${request.fault === undefined ? '' : `!${request.fault}`}`,
    );
}

async function describeGroup(groupId: string) {
  const answer = await deps.elasticache.send(
    new DescribeReplicationGroupsCommand({ ReplicationGroupId: groupId }),
  );
  return answer.ReplicationGroups?.[0];
}

const effectiveDurability = async (groupId: string) => (await describeGroup(groupId))?.EffectiveDurability;

/** The outcome's soak record, and the group's last soak as the state table keeps it. */
async function soakRecords(groupId: string, output: unknown) {
  const arn = (await describeGroup(groupId))?.ARN ?? '';
  return {
    arn,
    outcome: (output as { soak: SoakRecord }).soak,
    kept: await stack.store.readRecord(RECORD_KINDS.lastSoak, arn),
  };
}

/** Each look's window starts where the one before ended. */
const contiguous = (series: SoakRecord['series']) =>
  series.slice(1).every((look, index) => look.from === series[index]?.to);

/** The group's first node, as CloudWatch names it (ElastiCache publishes per node only). */
function firstNode(groupId: string) {
  const group = stack.emulator.model.groups.get(groupId);
  const [cacheClusterId = ''] = group === undefined ? [] : stack.emulator.model.memberIds(group).flat();
  return { cacheClusterId, cacheNodeId: '0001' };
}

/** Runs `act` just before the soak's `look`-th look (1-based), then the task as deployed. */
function beforeLook(look: number, act: () => void | Promise<void>) {
  let looks = 0;
  return (task: LocalTask): LocalTask =>
    async (event) => {
      if ((event as { action?: string }).action === 'soak-check') {
        looks += 1;
        if (looks === look) await act();
      }
      return task(event);
    };
}

const soak = (onBreach: 'alert' | 'step-back', extra: object = {}) => ({
  windowSeconds: 1800,
  lookSeconds: 300,
  onBreach,
  ...extra,
});

const upgrade = (id: string, extra: object) => ({
  replicationGroupId: id,
  target: 'sync',
  enforce: true,
  ...extra,
});

const alertSubjects = () => stack.emulator.sinks.messages.map((message) => message.subject ?? '');

describe('Durability upgrade soak', () => {
  it('steps a group back to async once after a burst (approved), with the numbers alerted, even when the step back is retried', async () => {
    // Prepare
    const id = 'soak-burst';
    stack.emulator.model.putGroup(groupState(id));
    const burst = beforeLook(3, () => {
      stack.emulator.sinks.setMetric(firstNode(id), 'TrafficManagementActive', 1);
      stack.emulator.sinks.setMetric(firstNode(id), 'DurabilityBufferExceededErrorCount', 42);
    });
    // The step back runs twice, as a Lambda retried after its answer was lost would.
    const retried =
      (task: LocalTask): LocalTask =>
      async (event) => {
        if ((event as { action?: string }).action !== 'step-back') return task(event);
        await task(event);
        return task(event);
      };

    // Act
    const run = await runUpgradeLocally(deps, upgrade(id, { soak: soak('step-back') }), {
      clock: clock(),
      executionName: 'soak-burst-1',
      onTaskToken: approveAll,
      wrap: (task) => retried(burst(task)),
    });

    // Assess
    expect(durabilityRequests(id)).toEqual(['sync', 'async']);
    expect(await effectiveDurability(id)).toBe('async');
    expect(run.output).toMatchObject({
      status: 'stepped-back',
      soak: { outcome: 'stepped-back', looks: 3 },
    });
    expect(alertSubjects()).toEqual([
      `Durability soak of ${id} breached`,
      `Approve stepping ${id} back to async durability`,
      `${id} stepped back to async durability`,
    ]);
    const breached = stack.emulator.sinks.messages[0]?.message ?? '';
    // 42 a minute, summed over the minutes since the last look.
    expect(breached).toMatch(/DurabilityBufferExceededErrorCount [1-9]\d*: writes were rejected/);
    expect(breached).toContain('TrafficManagementActive 1');
    expect(await stack.store.readLease(`migration#${id}`)).toBeUndefined();
    // The series: three looks, the third the burst; kept as the group's last soak.
    const { arn, outcome, kept } = await soakRecords(id, run.output);
    expect(outcome.series.map((look) => look.trafficManagementActive)).toEqual([undefined, undefined, true]);
    expect(outcome.series[2]?.bufferExceeded).toBeGreaterThan(0);
    expect(contiguous(outcome.series)).toBe(true);
    expect(outcome.steppedBackAt).toBeDefined();
    // With the target and soak it ran under: the durability job holds a group it stepped back.
    expect(kept).toEqual({
      replicationGroupId: id,
      arn,
      execution: 'soak-burst-1',
      target: 'sync',
      soakInput: { windowSeconds: 1800, lookSeconds: 300, onBreach: 'step-back', unattended: false },
      soak: outcome,
    });
  });

  it('ends succeeded after a quiet soak: lag under 80 % of 10 s, no buffer error, no throttling', async () => {
    // Prepare
    const id = 'soak-quiet';
    stack.emulator.model.putGroup(groupState(id));
    const steady = beforeLook(1, () => {
      stack.emulator.sinks.setMetric(firstNode(id), 'DurabilityLag', 7000);
      stack.emulator.sinks.setMetric(firstNode(id), 'TrafficManagementActive', 0);
      stack.emulator.sinks.setMetric(firstNode(id), 'DurabilityBufferExceededErrorCount', 0);
    });

    // Act
    const run = await runUpgradeLocally(
      deps,
      upgrade(id, { soak: soak('step-back', { unattended: true }) }),
      {
        clock: clock(),
        executionName: 'soak-quiet-1',
        wrap: steady,
      },
    );

    // Assess
    expect(run.output).toMatchObject({ status: 'succeeded', soak: { outcome: 'quiet', looks: 6 } });
    const { outcome, kept } = await soakRecords(id, run.output);
    expect(outcome.series.map((look) => look.lagMs)).toEqual([7000, 7000, 7000, 7000, 7000, 7000]);
    expect(outcome.series[0]?.from).toBe(outcome.startedAt);
    expect(outcome.series.at(-1)?.to).toBe(outcome.lookedAt);
    expect(contiguous(outcome.series)).toBe(true);
    expect(kept?.soak).toEqual(outcome);
    expect(durabilityRequests(id)).toEqual(['sync']);
    expect(await effectiveDurability(id)).toBe('sync');
    expect(alertSubjects()).toEqual([]);
  });

  it('sends nothing when its lock was taken before the step back', async () => {
    // Prepare: after the breach, another execution holds the group (this one's lock was released by an abort).
    const id = 'soak-lock-taken';
    stack.emulator.model.putGroup(groupState(id));
    const burst = beforeLook(2, () =>
      stack.emulator.sinks.setMetric(firstNode(id), 'TrafficManagementActive', 1),
    );
    const taken =
      (task: LocalTask): LocalTask =>
      async (event) => {
        if ((event as { action?: string }).action === 'step-back') {
          await releaseLock(deps.store, id, 'soak-lock-1');
          await takeLock(deps.store, id, 'someone-else', deps.now(), { kind: 'upgrade' });
        }
        return task(event);
      };

    // Act
    const error = await runUpgradeLocally(
      deps,
      upgrade(id, { soak: soak('step-back', { unattended: true }) }),
      { clock: clock(), executionName: 'soak-lock-1', wrap: (task) => taken(burst(task)) },
    ).then(
      () => undefined,
      (caught: unknown) => caught,
    );

    // Assess
    expect(error).toBeInstanceOf(ExecutionFailedError);
    expect((error as ExecutionFailedError).error).toBe('LockLost');
    expect(durabilityRequests(id)).toEqual(['sync']);
    expect(await effectiveDurability(id)).toBe('sync');
    // The soak that breached is kept, with the failure that ended the execution after it.
    const { kept } = await soakRecords(id, { soak: undefined });
    expect(kept?.soak).toMatchObject({ outcome: 'stepping-back', failed: 'LockLost' });
    // With the target and soak it ran under, as a succeeded execution's record has them.
    expect(kept).toMatchObject({ target: 'sync', soakInput: { onBreach: 'step-back', unattended: true } });
    expect(kept?.soak.series.at(-1)?.trafficManagementActive).toBe(true);
  });

  it('in alert mode alerts with the numbers and sends no change', async () => {
    // Prepare
    const id = 'soak-alert';
    stack.emulator.model.putGroup(groupState(id));
    const climbing = beforeLook(2, () =>
      stack.emulator.sinks.setMetric(firstNode(id), 'DurabilityLag', 9100),
    );

    // Act
    const run = await runUpgradeLocally(deps, upgrade(id, { soak: soak('alert') }), {
      clock: clock(),
      executionName: 'soak-alert-1',
      wrap: climbing,
    });

    // Assess
    expect(run.output).toMatchObject({ status: 'soak-breached', soak: { outcome: 'alerted', looks: 2 } });
    expect(durabilityRequests(id)).toEqual(['sync']);
    expect(alertSubjects()).toEqual([`Durability soak of ${id} breached`]);
    expect(stack.emulator.sinks.messages[0]?.message).toContain('DurabilityLag 9100 ms');
  });
});

describe('Durability scan of strained groups', () => {
  it('reports a durable group whose writes are throttled as degraded while no workflow holds it (a soak not started yet included), and leaves one under an upgrade to its soak', async () => {
    // Prepare
    const durable = { durability: 'sync', effectiveDurability: 'sync' } as const;
    stack.emulator.model.putGroup(groupState('strained', durable));
    stack.emulator.model.putGroup(groupState('soaking', durable));
    stack.emulator.model.putGroup(groupState('unstarted', durable));
    for (const id of ['strained', 'soaking', 'unstarted'])
      stack.emulator.sinks.setMetric(firstNode(id), 'TrafficManagementActive', 1);
    const arnOf = async (id: string) =>
      (await deps.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id })))
        .ReplicationGroups?.[0]?.ARN ?? '';
    const arn = await arnOf('soaking');
    const now = deps.now();
    const details = {
      phase: 'upgrading',
      replicationGroupId: 'soaking',
      rule: 'upgrade soaking-1',
      from: 'disabled',
      target: 'sync',
      applyImmediately: true,
    };
    const until = new Date(now.getTime() + 3_600_000);
    await takeLease(deps.store, {
      key: durabilityLeaseKey(arn),
      holder: 'upgrade/soaking-1',
      until,
      now,
      details,
    });
    // A lease handed to a soak that has not started (soak-starting): nothing watches the group yet.
    await takeLease(deps.store, {
      key: durabilityLeaseKey(await arnOf('unstarted')),
      holder: 'upgrade/unstarted-soak-1',
      until,
      now,
      details: {
        ...details,
        replicationGroupId: 'unstarted',
        phase: 'soak-starting',
        soakExecution: 'unstarted-soak-1',
      },
    });
    const policy = parsePolicy(
      'version: 1\nrules:\n  - name: durable\n    match: { ids: [strained, soaking, unstarted] }\n    durability: { minimum: async }\n',
      'policy.yaml',
    );

    // Act
    const report = await scanDurability(stack.durabilityDeps(), { policy, dryRun: true });

    // Assess
    const of = (id: string) => report.findings.find((finding) => finding.resourceId === id);
    expect(of('strained')).toMatchObject({
      status: 'degraded',
      observed:
        'sync, TrafficManagementActive 1: writes above what the transactional log takes were throttled',
    });
    expect(of('soaking')?.status).toBe('compliant');
    expect(of('soaking')?.notes).toEqual([
      expect.stringContaining('upgrade soaking-1 holds the group and watches it'),
    ]);
    expect(of('unstarted')?.status).toBe('degraded');
    expect([...durabilityRequests('strained'), ...durabilityRequests('soaking')]).toEqual([]);
  });
});
