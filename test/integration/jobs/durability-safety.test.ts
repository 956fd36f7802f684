/**
 * The durability job's guards under races, lost answers and slow snapshots, counted from the
 * emulator's request log (every mutating request that reached it, refused ones too).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STATE_TABLE } from '../../../infra/local/dynamo.js';
import { DETAIL_TYPES } from '../../../shared/aws/notify.js';
import { StateStore } from '../../../shared/aws/state-store.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { checkGroup, scanDurability } from '../../../shared/jobs/durability/pipeline.js';
import type { DurabilityJobDeps } from '../../../shared/jobs/durability/ports.js';
import { groupState, modifyCalls, REGION, requestsReached, type Stack, startStack } from '../harness.js';

const enforce = (extra = '') =>
  parsePolicy(
    `version: 1
rules:
  - name: prod-durability
    mode: enforce
    match: { tags: { env: prod } }
    durability: { minimum: sync }
${extra}`,
    'policy.yaml',
  );

/** A state store whose leases always say yes: the exactly-once guard switched off. */
class NoLeaseStore extends StateStore {
  override async acquireLease(): Promise<boolean> {
    return true;
  }
}

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(async () => {
  await stack.close();
});

const detailTypes = () => stack.emulator.sinks.events.map((event) => event.detailType);

describe('Durability enforcement: exactly once', () => {
  /** Five runs racing for the same violation, as duplicate events and a scan do. */
  async function race(deps: () => DurabilityJobDeps) {
    stack.emulator.model.putGroup(groupState('race-1'));
    const settings = { policy: enforce(), dryRun: false };
    await Promise.all(Array.from({ length: 5 }, () => scanDurability(deps(), settings)));
    return modifyCalls(stack.emulator).filter((id) => id === 'race-1').length;
  }

  it('makes one ModifyReplicationGroup for five racing runs', async () => {
    expect(await race(() => stack.durabilityDeps('racer'))).toBe(1);
  });

  it('would make more than one with the lease switched off: the count above can fail', async () => {
    // Prepare: the same race, every run believing it holds the lease.
    const store = new NoLeaseStore(STATE_TABLE, { endpoint: stack.dynamo.endpoint, region: REGION });

    // Act
    const requests = await race(() => ({ ...stack.durabilityDeps('racer'), store }));

    // Assess: the duplicates reached the emulator (and were refused there); they are counted.
    expect(requests).toBeGreaterThan(1);
    expect(
      requestsReached(stack.emulator, 'ModifyReplicationGroup').filter(
        (request) => request.fault !== undefined,
      ).length,
    ).toBeGreaterThan(0);
  });

  it('makes one change per group when two enforce rules match it: the strictest target wins', async () => {
    // Prepare
    stack.emulator.model.putGroup(groupState('two-rules'));
    const policy = enforce(`  - name: baseline-async
    mode: enforce
    match: { tags: { env: prod } }
    durability: { minimum: async }
`);

    // Act
    const report = await scanDurability(stack.durabilityDeps(), { policy, dryRun: false });
    stack.emulator.clock.advance(10 * 60_000);
    const after = await scanDurability(stack.durabilityDeps(), { policy, dryRun: false });

    // Assess
    expect(
      requestsReached(stack.emulator, 'ModifyReplicationGroup').map((request) => request.params),
    ).toEqual([expect.objectContaining({ ReplicationGroupId: 'two-rules', Durability: 'sync' })]);
    expect(report.findings.map((finding) => [finding.rule, finding.action]).sort()).toEqual([
      ['baseline-async', 'modify-requested'],
      ['prod-durability', 'modify-requested'],
    ]);
    const covered = report.findings.find((finding) => finding.rule === 'baseline-async');
    expect(covered?.reason).toContain("settled by rule prod-durability's change");
    expect(stack.emulator.model.groups.get('two-rules')?.effectiveDurability).toBe('sync');
    expect(after.findings.map((finding) => finding.status)).toEqual(['compliant', 'compliant']);
  });

  it('counts a merged group once against maxActionsPerRun', async () => {
    // Prepare: two groups, two rules each, a cap of 1.
    for (const id of ['cap-a', 'cap-b']) stack.emulator.model.putGroup(groupState(id));
    const policy = parsePolicy(
      `version: 1
settings: { maxActionsPerRun: 1 }
rules:
  - { name: strict, mode: enforce, durability: { minimum: sync } }
  - { name: loose, mode: enforce, durability: { minimum: async } }
`,
      'policy.yaml',
    );

    // Act
    const report = await scanDurability(stack.durabilityDeps(), { policy, dryRun: false });

    // Assess
    expect(modifyCalls(stack.emulator)).toEqual(['cap-a']);
    expect(
      report.findings.map((finding) => `${finding.resourceId}/${finding.rule}: ${finding.action}`),
    ).toEqual([
      'cap-a/loose: modify-requested',
      'cap-a/strict: modify-requested',
      'cap-b/loose: deferred',
      'cap-b/strict: deferred',
    ]);
  });
});

describe('Durability enforcement: a lost answer is settled by reading the group back', () => {
  it.each([
    ['a 503 after the change was applied', 503],
    ['a connection closed with no answer after the change was applied', 0],
  ])('%s: one request, no false failure, verified later', async (_, status) => {
    // Prepare
    stack.emulator.model.putGroup(groupState('lost-1'));
    stack.emulator.faults.failNext({
      action: 'ModifyReplicationGroup',
      code: status === 0 ? 'ConnectionClosed' : 'ServiceUnavailable',
      status,
      times: 1,
      applied: true,
    });
    const settings = { policy: enforce(), dryRun: false };

    // Act
    const first = await scanDurability(stack.durabilityDeps(), settings);
    stack.emulator.clock.advance(10 * 60_000);
    const second = await scanDurability(stack.durabilityDeps(), settings);

    // Assess
    expect(modifyCalls(stack.emulator)).toEqual(['lost-1']);
    expect(first.findings[0]).toMatchObject({ status: 'violation', action: 'modify-requested' });
    expect(first.findings[0]?.reason).toContain('its answer was lost; the group read back shows the change');
    expect(second.findings[0]?.status).toBe('compliant');
    expect(detailTypes()).not.toContain(DETAIL_TYPES.remediationFailed);
    expect(detailTypes()).toContain(DETAIL_TYPES.remediationSucceeded);
  });

  it('sends the change again only after the read-back shows it did not land', async () => {
    // Prepare: a 503 before the model saw the request (nothing applied).
    stack.emulator.model.putGroup(groupState('lost-2'));
    stack.emulator.faults.failNext({
      action: 'ModifyReplicationGroup',
      code: 'InternalFailure',
      status: 500,
      times: 1,
    });

    // Act
    const report = await scanDurability(stack.durabilityDeps(), { policy: enforce(), dryRun: false });

    // Assess: one request turned away, one read-back, one request that landed.
    const log = stack.emulator.faults.log.map((request) => request.action);
    const first = log.indexOf('ModifyReplicationGroup');
    expect(log.slice(first, first + 3)).toEqual([
      'ModifyReplicationGroup',
      'DescribeReplicationGroups',
      'ModifyReplicationGroup',
    ]);
    expect(report.findings[0]?.action).toBe('modify-requested');
    expect(stack.emulator.model.groups.get('lost-2')?.durability).toBe('sync');
  });
});

describe('Durability enforcement: a snapshot slower than the lease', () => {
  it('keeps the claim while the snapshot runs: no second snapshot, one change once it is ready', async () => {
    // Prepare
    stack.emulator.model.putGroup(groupState('slow-snap'));
    const settings = { policy: enforce('    snapshotBeforeChange: true'), dryRun: false };
    await scanDurability(stack.durabilityDeps(), settings);
    const [name, snapshot] = [...stack.emulator.model.snapshots.entries()][0] ?? [];
    if (name === undefined || snapshot === undefined) throw new Error('no snapshot was started');
    // A copy the emulator's timer does not finish: the snapshot stays `creating`.
    const slow = { ...snapshot, status: 'creating' };
    stack.emulator.model.snapshots.set(name, slow);

    // Act: hourly runs for 10 hours, past the 6-hour claim.
    for (let hour = 1; hour <= 10; hour += 1) {
      stack.emulator.clock.advance(3_600_000);
      await scanDurability(stack.durabilityDeps(`run-${hour}`), settings);
    }
    slow.status = 'available';
    const done = await scanDurability(stack.durabilityDeps('run-11'), settings);

    // Assess
    expect(requestsReached(stack.emulator, 'CreateSnapshot')).toHaveLength(1);
    expect(done.findings[0]?.action).toBe('modify-requested');
    expect(modifyCalls(stack.emulator)).toEqual(['slow-snap']);
  });
});

describe('Durability enforcement: engine versions', () => {
  it('reads them in pages, and a failed page marks the unread groups error while the run goes on', async () => {
    // Prepare: 250 violating groups (1 000 clusters: 10 pages), and every DescribeCacheClusters fails.
    for (let index = 0; index < 250; index += 1)
      stack.emulator.model.putGroup(groupState(`v-${String(index).padStart(3, '0')}`));
    const settings = {
      policy: parsePolicy('version: 1\nrules:\n  - { name: r, durability: { minimum: sync } }\n', 'p.yaml'),
      dryRun: false,
    };
    const healthy = await scanDurability(stack.durabilityDeps(), settings);
    const pages = requestsReached(stack.emulator, 'DescribeCacheClusters').length;
    stack.emulator.faults.failNext({
      action: 'DescribeCacheClusters',
      code: 'InternalFailure',
      status: 500,
      times: 100,
    });

    // Act
    const failing = await scanDurability(stack.durabilityDeps('t', 2), settings);

    // Assess
    expect(pages).toBe(10);
    expect(healthy.summary.byStatus).toMatchObject({ violation: 250, error: 0 });
    expect(healthy.actions).toEqual({ 'would-modify': 250 });
    expect(failing.findings).toHaveLength(250);
    expect(failing.summary.byStatus).toMatchObject({ error: 250, violation: 0 });
    expect(failing.findings[0]?.reason).toContain(
      'the engine version could not be read: DescribeCacheClusters failed',
    );
    // Two scans of 250 groups against a fresh table (every finding written once, each resource's
    // previous-layout findings looked up once): ~25 s alone on 2 cores, more beside other files.
  }, 120_000);
});

describe('Durability enforcement: the engine version of one group', () => {
  it('costs a reaction one DescribeCacheClusters on its first member, whatever the fleet size', async () => {
    // Prepare: 300 groups (1 200 clusters); the event is about the last one.
    for (let index = 0; index < 300; index += 1)
      stack.emulator.model.putGroup(groupState(`r-${String(index).padStart(3, '0')}`));

    // Act
    // Two rules violated by the group: still one read.
    const policy = enforce(`  - name: baseline-async
    mode: enforce
    match: { tags: { env: prod } }
    durability: { minimum: async }
`);
    const result = await checkGroup(stack.durabilityDeps(), { policy, dryRun: false }, 'r-299');

    // Assess
    const reads = requestsReached(stack.emulator, 'DescribeCacheClusters');
    expect(reads).toHaveLength(1);
    expect(reads[0]?.params.CacheClusterId).toMatch(/^r-299-/);
    expect(result.report?.findings.map((finding) => finding.action)).toEqual([
      'modify-requested',
      'modify-requested',
    ]);
  });
});

describe('Durability enforcement at scale under faults', () => {
  it('scans 1 000 groups under 30% throttling and 5% server errors: every group recorded, engine versions in pages', async () => {
    // Prepare: 1 000 groups of 2 shards x 2 nodes (4 000 clusters); every tenth one violates.
    for (let index = 0; index < 1000; index += 1) {
      const durable = index % 10 !== 0;
      stack.emulator.model.putGroup(
        groupState(
          `g-${String(index).padStart(4, '0')}`,
          durable ? { durability: 'sync', effectiveDurability: 'sync' } : {},
        ),
      );
    }
    stack.emulator.faults.configure({ throttleRate: 0.3, serverErrorRate: 0.05, seed: 5 });
    const settings = { policy: enforce(), dryRun: false };

    // Act: faults drawn at random are not rate-based, so the adaptive rate limiter would only slow this down.
    const report = await scanDurability(stack.durabilityDeps('scale', 8, 'standard'), settings);

    // Assess
    expect(report.findings).toHaveLength(1000);
    const { compliant = 0, violation = 0, error = 0 } = report.summary.byStatus;
    expect(compliant).toBe(900);
    expect(violation + error).toBe(100);
    expect(requestsReached(stack.emulator, 'DescribeCacheClusters').length).toBeLessThanOrEqual(40);
    // 50 writes at a time: a thousand at once to dynalite, served from this same process, time
    // out connecting (3 s) on a busy machine.
    const stored: unknown[] = [];
    for (let start = 0; start < report.findings.length; start += 50) {
      const batch = report.findings.slice(start, start + 50);
      const now = new Date(stack.emulator.clock.now());
      await Promise.all(
        batch.map((finding) =>
          stack.store.findings.record(finding, now, {
            fixed: [],
            decide: (before) => {
              stored.push(before);
              return [];
            },
          }),
        ),
      );
    }
    // Every finding was stored by the scan: each write found it as it was (no second decision).
    expect(stored).toHaveLength(1000);
    expect(stored.filter((previous) => previous === undefined)).toEqual([]);
    const modified = modifyCalls(stack.emulator);
    expect(new Set(modified).size).toBe(modified.length);
    expect(modified.length).toBeLessThanOrEqual(10);
  }, 300_000);
});
