/**
 * Verification of a durability change tells what the service has: a change whose answers were
 * lost is judged from the group read back (sent once more only when the service never got it),
 * a run that dies after taking the lease is resumed, and of the runs that see a change land,
 * one announces it. Mutating requests and events are counted at the sandbox.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DETAIL_TYPES } from '../../../shared/aws/notify.js';
import { durabilityLeaseKey } from '../../../shared/aws/state-keys.js';
import { checkGroup, scanDurability } from '../../../shared/jobs/durability/pipeline.js';
import {
  enforceSyncSettings,
  groupState,
  modifyCalls,
  requestsReached,
  type Stack,
  startStack,
} from '../harness.js';
import { DyingStore, dyingAfter, RaceStore } from '../lease-stores.js';

const settings = enforceSyncSettings();

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(async () => {
  await stack.close();
});

const TEN_MINUTES = 10 * 60_000;
const count = (detailType: string) =>
  stack.emulator.sinks.events.filter((event) => event.detailType === detailType).length;
/** Every ModifyReplicationGroup request, turned away before the service or not. */
const modifySent = () => stack.emulator.faults.count('ModifyReplicationGroup');
const scan = (holder: string) => scanDurability(stack.durabilityDeps(holder), settings);
/** Scans as each of `holders` in turn, ten minutes apart on the sandbox clock: each run's first finding. */
async function scansApart(...holders: string[]) {
  const findings = [];
  for (const [index, holder] of holders.entries()) {
    if (index > 0) stack.emulator.clock.advance(TEN_MINUTES);
    findings.push((await scan(holder)).findings[0]);
  }
  return findings;
}
const loseModifyAnswers = (times: number) =>
  stack.emulator.faults.failNext({
    action: 'ModifyReplicationGroup',
    code: 'ServiceUnavailable',
    status: 503,
    times,
  });

describe('Durability verification: lost answers', () => {
  it('two lost answers that never reached the service: the next run sends once more, one change, no false failure', async () => {
    // Prepare: both sends of the first run are turned away with a 503 (nothing applied).
    stack.emulator.model.putGroup(groupState('lost-twice'));
    loseModifyAnswers(2);

    // Act
    const [first, second, third] = await scansApart('run-1', 'run-2', 'run-3');

    // Assess: 3 requests sent, 1 reached the service and made the change.
    expect(first?.action).toBe('in-progress');
    expect(second?.action).toBe('modify-requested');
    expect(third?.status).toBe('compliant');
    expect(modifySent()).toBe(3);
    expect(modifyCalls(stack.emulator)).toEqual(['lost-twice']);
    expect(stack.emulator.model.groups.get('lost-twice')?.effectiveDurability).toBe('sync');
    expect(count(DETAIL_TYPES.remediationFailed)).toBe(0);
    expect(count(DETAIL_TYPES.remediationStarted)).toBe(1);
    expect(count(DETAIL_TYPES.remediationSucceeded)).toBe(1);
  });

  it('a lost answer of a change the service made: never sent again', async () => {
    // Prepare: the first send is applied and its connection closed; a second send would be refused.
    stack.emulator.model.putGroup(groupState('lost-applied'));
    stack.emulator.faults.failNext({
      action: 'ModifyReplicationGroup',
      code: 'ConnectionClosed',
      status: 0,
      times: 1,
      applied: true,
    });

    // Act
    const [first, second] = await scansApart('run-1', 'run-2');

    // Assess
    expect(first?.action).toBe('modify-requested');
    expect(second?.status).toBe('compliant');
    expect(modifySent()).toBe(1);
    expect(count(DETAIL_TYPES.remediationFailed)).toBe(0);
    expect(count(DETAIL_TYPES.remediationSucceeded)).toBe(1);
  });

  it('a change that never reaches the service after its re-send is reported "not sent": no failure, no hold', async () => {
    // Prepare: the first run's two sends and the re-send's two are all turned away.
    stack.emulator.model.putGroup(groupState('never-sent'));
    loseModifyAnswers(4);

    // Act
    const [, resent, judged] = await scansApart('run-1', 'run-2', 'run-3');
    const lease = await stack.store.readLease(durabilityLeaseKey(judged?.arn ?? ''));
    const next = await scan('run-4');

    // Assess: no 24 h hold, so the next run makes the change (5 requests sent, 1 reached the service).
    expect(resent?.action).toBe('in-progress');
    expect(judged).toMatchObject({ status: 'violation', action: 'not-sent' });
    expect(judged?.reason).toContain('did not reach the service: after 2 sends');
    expect(lease).toBeUndefined();
    expect(next.findings[0]?.action).toBe('modify-requested');
    expect(modifySent()).toBe(5);
    expect(modifyCalls(stack.emulator)).toEqual(['never-sent']);
    expect(count(DETAIL_TYPES.remediationFailed)).toBe(0);
  });
});

describe('Durability verification: a run that dies after taking the lease', () => {
  it('is resumed by the next run once the sender had its time: the change is made exactly once', async () => {
    // Prepare
    stack.emulator.model.putGroup(groupState('died'));
    const dying = new DyingStore(stack.dynamo.endpoint);

    // Act
    await expect(
      scanDurability({ ...stack.durabilityDeps('run-1'), store: dying }, settings),
    ).rejects.toThrow('Task timed out');
    stack.emulator.clock.advance(60_000);
    const [tooSoon, resumed, verified] = await scansApart('run-2', 'run-3', 'run-4');

    // Assess
    expect(tooSoon?.action).toBe('in-progress');
    expect(resumed?.action).toBe('modify-requested');
    expect(verified?.status).toBe('compliant');
    expect(modifySent()).toBe(1);
    expect(count(DETAIL_TYPES.remediationFailed)).toBe(0);
    expect(count(DETAIL_TYPES.remediationSucceeded)).toBe(1);
  });

  it('is resumed by one of three runs that find it at once: one re-send', async () => {
    // Prepare
    stack.emulator.model.putGroup(groupState('died-raced'));
    const dying = new DyingStore(stack.dynamo.endpoint);
    await expect(
      scanDurability({ ...stack.durabilityDeps('run-1'), store: dying }, settings),
    ).rejects.toThrow('Task timed out');
    stack.emulator.clock.advance(TEN_MINUTES);

    const store = new RaceStore(3, 'updateLease', stack.dynamo.endpoint);

    // Act
    const runs = await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        scanDurability({ ...stack.durabilityDeps(`resume-${name}`), store }, settings),
      ),
    );

    // Assess
    expect(runs.map((run) => run.findings[0]?.action).sort()).toEqual([
      'in-progress',
      'in-progress',
      'modify-requested',
    ]);
    expect(modifySent()).toBe(1);
  });
});

describe('Durability verification: a run that dies right after its pre-change CreateSnapshot', () => {
  it('is resumed by the next runs from the snapshot it started: one CreateSnapshot, then the change once', async () => {
    // Prepare: snapshot first; the first run's Lambda times out once its CreateSnapshot has reached
    // the service, before it writes anything more.
    stack.emulator.model.putGroup(groupState('snap-died'));
    const snapshotFirst = enforceSyncSettings({ snapshotBeforeChange: true });
    const snapshotsSent = () => requestsReached(stack.emulator, 'CreateSnapshot');
    const deps = stack.durabilityDeps('run-1');
    const dying = dyingAfter(deps.store, () => snapshotsSent().length > 0);

    // Act
    const died = await scanDurability({ ...deps, store: dying }, snapshotFirst).catch(
      (error: unknown) => error,
    );
    // Later runs, ten minutes apart: the snapshot becomes available, the change is sent, it lands.
    const later: { status?: string; action?: string | null }[] = [];
    for (const run of ['run-2', 'run-3', 'run-4', 'run-5']) {
      stack.emulator.clock.advance(TEN_MINUTES);
      later.push((await scanDurability(stack.durabilityDeps(run), snapshotFirst)).findings[0] ?? {});
    }

    // Assess
    expect((died as Error).message).toContain('Task timed out');
    expect(snapshotsSent()).toHaveLength(1);
    expect(later.map((finding) => finding.action)).toContain('modify-requested');
    expect(later.at(-1)?.status).toBe('compliant');
    expect(modifySent()).toBe(1);
    expect(stack.emulator.model.groups.get('snap-died')?.effectiveDurability).toBe('sync');
    expect(
      [...stack.emulator.model.snapshots.values()].filter((s) => s.groupId === 'snap-died'),
    ).toHaveLength(1);
    expect(count(DETAIL_TYPES.remediationFailed)).toBe(0);
  });
});

describe('Durability verification: one Succeeded event per change', () => {
  async function landedChange(id: string) {
    stack.emulator.model.putGroup(groupState(id));
    await scan('run-1');
    // The change lands (60 s) well inside this wait.
    stack.emulator.clock.advance(TEN_MINUTES);
  }

  it('six concurrent reactions to one landed change announce it once', async () => {
    // Prepare
    await landedChange('landed');
    const store = new RaceStore(6, 'releaseLease', stack.dynamo.endpoint);

    // Act
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        checkGroup({ ...stack.durabilityDeps(`react-${index}`), store }, settings, 'landed'),
      ),
    );

    // Assess
    expect(results.map((result) => result.report?.findings[0]?.status)).toEqual(Array(6).fill('compliant'));
    expect(count(DETAIL_TYPES.remediationSucceeded)).toBe(1);
  });

  it('a scan and a reaction verifying at once announce it once', async () => {
    // Prepare
    await landedChange('raced');
    const store = new RaceStore(2, 'releaseLease', stack.dynamo.endpoint);

    // Act
    await Promise.all([
      scanDurability({ ...stack.durabilityDeps('scan'), store }, settings),
      checkGroup({ ...stack.durabilityDeps('react'), store }, settings, 'raced'),
    ]);

    // Assess
    expect(count(DETAIL_TYPES.remediationSucceeded)).toBe(1);
  });
});
