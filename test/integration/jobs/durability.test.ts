import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DETAIL_TYPES } from '../../../shared/aws/notify.js';
import type { Finding } from '../../../shared/domain/finding.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { scanDurability } from '../../../shared/jobs/durability/pipeline.js';
import { emittedEvents, groupState, modifyCalls, type Stack, startStack } from '../harness.js';

const policy = (mode: 'report' | 'enforce', extra = '') =>
  parsePolicy(
    `version: 1
settings: { maxActionsPerRun: 10 }
rules:
  - name: prod-durability
    mode: ${mode}
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync }
${extra}`,
    'test-policy.yaml',
  );

/**
 * 200 groups: 160 compliant, 30 violations (20 fixable, 2 migrating, 2 modifying, 2 with a
 * pending change, 4 that cannot be made durable in place), 5 exempt, 5 unknown.
 */
function seedFleet200(stack: Stack) {
  const model = stack.emulator.model;
  const put = (id: string, overrides: Parameters<typeof groupState>[1] = {}) =>
    model.putGroup(groupState(id, overrides));
  for (let index = 0; index < 160; index += 1) {
    put(`ok-${index}`, { durability: 'sync', effectiveDurability: 'sync' });
  }
  const fixable = Array.from({ length: 20 }, (_, index) => `fix-${index}`);
  for (const id of fixable) put(id);
  put('migrating-1', { status: 'migrating', migration: { endpoints: [], startedAt: 0 } });
  put('migrating-2', { status: 'migrating', migration: { endpoints: [], startedAt: 0 } });
  put('modifying-1', { status: 'modifying' });
  put('modifying-2', { status: 'modifying' });
  put('pending-1', { pending: { TransitEncryptionEnabled: true } });
  put('pending-2', { pending: { TransitEncryptionEnabled: true } });
  put('rebuild-cmd', { clusterMode: 'disabled', shards: 1 });
  put('rebuild-v8', { engineVersion: '8.1' });
  put('rebuild-notls', { tls: false });
  put('rebuild-norep', { replicas: 0, multiAZ: false });
  for (let index = 0; index < 5; index += 1) {
    put(`exempt-${index}`, {
      tags: new Map([
        ['env', 'prod'],
        ['guardrails:exempt-until', '2099-12-31'],
      ]),
    });
    put(`legacy-${index}`, { legacyApi: true });
  }
  return { fixable };
}

const ids = (findings: Finding[], status: Finding['status']) =>
  findings
    .filter((finding) => finding.status === status)
    .map((finding) => finding.resourceId)
    .sort();

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(async () => {
  await stack.close();
});

describe('Function: scanDurability', () => {
  it('in report mode changes nothing and reports exactly the violations, exempt and unknown groups', async () => {
    // Prepare
    seedFleet200(stack);

    // Act
    const first = await scanDurability(stack.durabilityDeps(), { policy: policy('report'), dryRun: false });
    const second = await scanDurability(stack.durabilityDeps(), { policy: policy('report'), dryRun: false });

    // Assess
    expect(modifyCalls(stack.emulator)).toEqual([]);
    expect(first.summary.byStatus).toMatchObject({
      compliant: 160,
      violation: 30,
      exempt: 5,
      unknown: 5,
      error: 0,
    });
    expect(ids(first.findings, 'unknown')).toEqual([
      'legacy-0',
      'legacy-1',
      'legacy-2',
      'legacy-3',
      'legacy-4',
    ]);
    expect(first.actions).toEqual({ 'would-modify': 20, blocked: 6, 'needs-staged-upgrade': 4 });
    const violationEvents = emittedEvents(stack.emulator).filter(
      (event) => event.detailType === DETAIL_TYPES.policyViolation,
    );
    expect(violationEvents.map((event) => event.resourceId).sort()).toEqual(ids(first.findings, 'violation'));
    expect(second.events).toBe(0);
  });

  it('in enforce mode fixes every eligible group within ceil(30/10) runs and never touches the others', async () => {
    // Prepare
    const { fixable } = seedFleet200(stack);
    const settings = { policy: policy('enforce'), dryRun: false };

    // Act
    const reports = [];
    for (let run = 0; run < 3; run += 1) {
      reports.push(await scanDurability(stack.durabilityDeps(), settings));
      stack.emulator.clock.advance(10 * 60_000);
    }
    const last = await scanDurability(stack.durabilityDeps(), settings);

    // Assess
    expect(modifyCalls(stack.emulator).sort()).toEqual([...fixable].sort());
    expect(reports.map((report) => report.actions['modify-requested'] ?? 0)).toEqual([10, 10, 0]);
    expect(reports[0]?.actions.deferred).toBe(10);
    for (const id of fixable) expect(stack.emulator.model.groups.get(id)?.effectiveDurability).toBe('sync');
    expect(ids(last.findings, 'violation')).toEqual([
      'migrating-1',
      'migrating-2',
      'modifying-1',
      'modifying-2',
      'pending-1',
      'pending-2',
      'rebuild-cmd',
      'rebuild-norep',
      'rebuild-notls',
      'rebuild-v8',
    ]);
    const succeeded = emittedEvents(stack.emulator).filter(
      (event) => event.detailType === DETAIL_TYPES.remediationSucceeded,
    );
    expect(succeeded.map((event) => event.resourceId).sort()).toEqual([...fixable].sort());
  });

  it('names the online steps of groups that need them first, and calls nothing for them', async () => {
    // Prepare
    seedFleet200(stack);

    // Act
    const report = await scanDurability(stack.durabilityDeps(), { policy: policy('enforce'), dryRun: false });

    // Assess
    const reason = (id: string) => report.findings.find((finding) => finding.resourceId === id);
    // No stagedChanges in this policy: the steps are named, none is taken.
    expect(reason('rebuild-cmd')).toMatchObject({ action: 'needs-staged-upgrade' });
    expect(reason('rebuild-cmd')?.reason).toContain('cluster mode disabled → compatible');
    expect(reason('rebuild-v8')?.reason).toContain('upgrade valkey 8.1 to valkey 9.0');
    expect(reason('rebuild-notls')?.reason).toContain('enable in-transit encryption in mode preferred');
    expect(reason('rebuild-norep')?.reason).toContain(
      'add 1 replica to every shard → enable automatic failover and Multi-AZ',
    );
    expect(reason('migrating-1')?.reason).toContain('an online migration is in progress');
    expect(reason('pending-1')?.reason).toContain('PendingModifiedValues holds a change');
    expect(modifyCalls(stack.emulator).filter((id) => !id.startsWith('fix-'))).toEqual([]);
  });

  it('changes nothing while the global dry-run switch is on, even for an enforce rule', async () => {
    // Prepare
    seedFleet200(stack);

    // Act
    const report = await scanDurability(stack.durabilityDeps(), { policy: policy('enforce'), dryRun: true });

    // Assess
    expect(modifyCalls(stack.emulator)).toEqual([]);
    expect(report.findings.find((finding) => finding.resourceId === 'fix-0')?.reason).toContain(
      'dry-run is on',
    );
  });

  it('reports a group deleted between describe and modify as an error naming the fault, and goes on', async () => {
    // Prepare
    for (const id of ['a-gone', 'b-ok', 'c-ok']) stack.emulator.model.putGroup(groupState(id));
    stack.emulator.faults.failNext({
      action: 'ModifyReplicationGroup',
      code: 'ReplicationGroupNotFoundFault',
      message: 'ReplicationGroup a-gone not found.',
      status: 404,
      times: 1,
    });

    // Act
    const report = await scanDurability(stack.durabilityDeps(), { policy: policy('enforce'), dryRun: false });

    // Assess
    const gone = report.findings.find((finding) => finding.resourceId === 'a-gone');
    expect(gone).toMatchObject({ status: 'error', action: null });
    expect(gone?.reason).toContain('ModifyReplicationGroup failed: ReplicationGroupNotFoundFault');
    expect(modifyCalls(stack.emulator).sort()).toEqual(['b-ok', 'c-ok']);
  });

  it('under the older rule reports disabled -> sync as needs-rebuild after the refusal, and still raises async -> sync', async () => {
    // Prepare
    stack.emulator.model.legacyDurabilityRule = true;
    stack.emulator.model.putGroup(groupState('off'));
    stack.emulator.model.putGroup(groupState('async', { durability: 'async', effectiveDurability: 'async' }));
    const settings = { policy: policy('enforce'), dryRun: false };

    // Act
    const first = await scanDurability(stack.durabilityDeps(), settings);
    stack.emulator.clock.advance(10 * 60_000);
    const second = await scanDurability(stack.durabilityDeps(), settings);

    // Assess
    const off = first.findings.find((finding) => finding.resourceId === 'off');
    expect(off?.action).toBe('needs-rebuild');
    expect(off?.reason).toContain('ModifyReplicationGroup refused');
    expect(second.findings.find((finding) => finding.resourceId === 'off')?.action).toBe('needs-rebuild');
    expect(stack.emulator.model.groups.get('async')?.effectiveDurability).toBe('sync');
    expect(
      stack.emulator.faults.log.filter((request) => request.action === 'ModifyReplicationGroup'),
    ).toHaveLength(2);
  });

  it('takes the snapshot first when the rule asks, then changes durability once it is available', async () => {
    // Prepare
    stack.emulator.model.putGroup(groupState('snap-me'));
    const settings = {
      policy: parsePolicy(
        `version: 1
rules:
  - name: prod-durability
    mode: enforce
    durability: { minimum: sync }
    snapshotBeforeChange: true
`,
        'p.yaml',
      ),
      dryRun: false,
    };

    // Act
    const first = await scanDurability(stack.durabilityDeps(), settings);
    const callsAfterFirst = modifyCalls(stack.emulator).length;
    stack.emulator.clock.advance(60_000);
    const second = await scanDurability(stack.durabilityDeps(), settings);
    stack.emulator.clock.advance(10 * 60_000);
    await scanDurability(stack.durabilityDeps(), settings);

    // Assess
    expect(first.findings[0]?.action).toBe('snapshot-started');
    expect(callsAfterFirst).toBe(0);
    expect(second.findings[0]?.action).toBe('modify-requested');
    const snapshot = [...stack.emulator.model.snapshots.values()][0];
    // A snapshot records the durability that ran (EffectiveDurability), not the setting.
    expect(snapshot).toMatchObject({ groupId: 'snap-me', status: 'available', durability: 'disabled' });
    expect(snapshot?.tags.get('guardrails:managed')).toBe('true');
    expect(stack.emulator.model.groups.get('snap-me')?.effectiveDurability).toBe('sync');
    const started = stack.emulator.sinks.events.find(
      (event) => event.detailType === DETAIL_TYPES.remediationStarted,
    );
    expect(started?.detail).toMatchObject({ snapshotName: snapshot?.name, target: 'sync' });
  });

  it('flags a durable group whose DurabilityLag is over the threshold on one of its nodes, in as few GetMetricData calls as allowed', async () => {
    // Prepare
    for (let index = 0; index < 300; index += 1) {
      stack.emulator.model.putGroup(
        groupState(`durable-${index}`, { durability: 'sync', effectiveDurability: 'sync' }),
      );
    }
    // CloudWatch holds ElastiCache metrics per node; cluster mode enabled names no primary, so
    // every member is read and the highest lag is the group's.
    const node = (cacheClusterId: string) => ({ cacheClusterId, cacheNodeId: '0001' });
    stack.emulator.sinks.setMetric(node('durable-7-0002-001'), 'DurabilityLag', 7200);
    stack.emulator.sinks.setMetric(node('durable-7-0001-001'), 'DurabilityLag', 300);
    stack.emulator.sinks.setMetric(node('durable-8-0001-002'), 'DurabilityLag', 1200);
    const nodes = [...stack.emulator.model.groups.values()].reduce(
      (sum, group) => sum + stack.emulator.model.memberIds(group).flat().length,
      0,
    );

    // Act
    const report = await scanDurability(stack.durabilityDeps(), { policy: policy('enforce'), dryRun: false });

    // Assess
    expect(report.findings.filter((finding) => finding.status === 'violation')).toEqual([
      expect.objectContaining({
        resourceId: 'durable-7',
        action: 'investigate',
        observed: 'sync, DurabilityLag 7200 ms',
      }),
    ]);
    // Four metrics per node (lag, buffer errors, throttling, write latency), at most 500 queries per call.
    expect(stack.emulator.faults.count('GetMetricData')).toBe(Math.ceil((nodes * 4) / 500));
    expect(modifyCalls(stack.emulator)).toEqual([]);
  });

  it('with 30% throttling and 5% server errors reports no false violation, makes no duplicate call, and fixes everything', async () => {
    // Prepare: fewer groups than above, since every injected fault costs an SDK backoff.
    const fixable = Array.from({ length: 15 }, (_, index) => `fix-${index}`);
    for (const id of fixable) stack.emulator.model.putGroup(groupState(id));
    for (let index = 0; index < 10; index += 1) {
      stack.emulator.model.putGroup(
        groupState(`ok-${index}`, { durability: 'sync', effectiveDurability: 'sync' }),
      );
    }
    stack.emulator.model.putGroup(groupState('rebuild-cmd', { clusterMode: 'disabled', shards: 1 }));
    stack.emulator.model.putGroup(groupState('pending-1', { pending: { TransitEncryptionEnabled: true } }));
    stack.emulator.faults.configure({ throttleRate: 0.3, serverErrorRate: 0.05, seed: 7 });
    const settings = { policy: policy('enforce'), dryRun: false };

    // Act
    const violations: string[][] = [];
    for (let run = 0; run < 10 && modifyCalls(stack.emulator).length < fixable.length; run += 1) {
      try {
        const report = await scanDurability(stack.durabilityDeps('test', 6), settings);
        violations.push(ids(report.findings, 'violation'));
      } catch (error) {
        // A run whose calls still fail after every retry reports nothing and changes nothing more.
        expect((error as Error).message).toMatch(
          /Throttling|ServiceUnavailable|InternalFailure|InternalError/,
        );
      }
      stack.emulator.clock.advance(10 * 60_000);
    }

    // Assess
    const calls = modifyCalls(stack.emulator);
    expect(calls.sort()).toEqual([...fixable].sort());
    expect(new Set(calls).size).toBe(calls.length);
    const expected = new Set([...fixable, 'rebuild-cmd', 'pending-1']);
    expect(violations.length).toBeGreaterThan(0);
    for (const run of violations) for (const id of run) expect(expected.has(id)).toBe(true);
  }, 120_000);
});
