/**
 * A `snapshotting` remediation lease without the snapshot's name (older versions could leave
 * one): no DescribeSnapshots with an empty SnapshotName is ever sent (it filters nothing); the
 * run goes on with the group's newest snapshot of ours started since the lease was taken, or,
 * without one, ends the change as not sent, holding nothing back. Requests counted at the sandbox.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DETAIL_TYPES } from '../../../shared/aws/notify.js';
import { durabilityLeaseKey } from '../../../shared/aws/state-keys.js';
import { scanDurability } from '../../../shared/jobs/durability/pipeline.js';
import {
  enforceSyncSettings,
  groupState,
  modifyCalls,
  requestsReached,
  type Stack,
  snapshotState,
  startStack,
} from '../harness.js';

const settings = enforceSyncSettings({ snapshotBeforeChange: true });

const TEN_MINUTES = 10 * 60_000;
let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(async () => {
  await stack.close();
});

/** A snapshot of `groupId`, available, taken `offsetMs` from now (negative: before), ours or not. */
function snapshot(name: string, groupId: string, offsetMs: number, ours: boolean): void {
  const state = snapshotState(name, groupId, stack.emulator.clock.now() + offsetMs, {
    shards: 2,
    tags: new Map(ours ? [['guardrails:managed', 'true']] : []),
  });
  stack.emulator.model.snapshots.set(name, state);
}

/**
 * The group, a `snapshotting` lease on it as an older version left it (no snapshotName), and
 * snapshots that must not be taken for its pre-change snapshot: another group's, sorted first
 * (what an empty SnapshotName would answer), one of ours from before the lease, one not ours.
 */
async function namelessLease(id: string) {
  stack.emulator.model.putGroup(groupState(id));
  snapshot('aaa-other-group', 'other', 0, true);
  snapshot(`${id}-before-lease`, id, -TEN_MINUTES, true);
  const now = new Date(stack.emulator.clock.now());
  const arn = stack.emulator.model.arn('replicationgroup', id);
  const details = {
    phase: 'snapshotting',
    replicationGroupId: id,
    rule: 'prod-durability',
    from: 'disabled',
    target: 'sync',
    applyImmediately: true,
  };
  const until = new Date(now.getTime() + 6 * 3_600_000);
  await stack.store.acquireLease(durabilityLeaseKey(arn), 'older-version', until, now, details);
  snapshot(`${id}-by-hand`, id, 1_000, false);
  return durabilityLeaseKey(arn);
}

const emptyNames = () =>
  requestsReached(stack.emulator, 'DescribeSnapshots').filter(
    (request) => request.params.SnapshotName === '',
  );
const events = (detailType: string) =>
  stack.emulator.sinks.events.filter((event) => event.detailType === detailType);

describe('Durability: a snapshotting lease without its snapshot name', () => {
  it('goes on with the newest snapshot of ours of the group started since the lease: one change, named in the Succeeded event', async () => {
    // Prepare: the snapshot the older run started, tagged ours, after the lease was taken.
    await namelessLease('nameless-found');
    snapshot('guardrails-nameless-found-started', 'nameless-found', 2_000, true);
    stack.emulator.clock.advance(TEN_MINUTES);

    // Act
    const first = await scanDurability(stack.durabilityDeps('run-1'), settings);
    stack.emulator.clock.advance(TEN_MINUTES);
    const second = await scanDurability(stack.durabilityDeps('run-2'), settings);

    // Assess
    expect(emptyNames()).toEqual([]);
    expect(first.findings[0]?.action).toBe('modify-requested');
    expect(second.findings[0]?.status).toBe('compliant');
    expect(modifyCalls(stack.emulator)).toEqual(['nameless-found']);
    expect(requestsReached(stack.emulator, 'CreateSnapshot')).toEqual([]);
    expect(events(DETAIL_TYPES.remediationFailed)).toEqual([]);
    expect(events(DETAIL_TYPES.remediationSucceeded).map((event) => event.detail)).toEqual([
      expect.objectContaining({ snapshotName: 'guardrails-nameless-found-started' }),
    ]);
  });

  it('without one, ends the change as not sent and holds nothing back: the next run starts it again from a new snapshot', async () => {
    // Prepare
    const key = await namelessLease('nameless-missing');
    stack.emulator.clock.advance(TEN_MINUTES);

    // Act
    const first = await scanDurability(stack.durabilityDeps('run-1'), settings);
    const leaseAfter = await stack.store.readLease(key);
    stack.emulator.clock.advance(TEN_MINUTES);
    const second = await scanDurability(stack.durabilityDeps('run-2'), settings);

    // Assess
    expect(emptyNames()).toEqual([]);
    expect(first.findings[0]).toMatchObject({
      action: 'not-sent',
      reason: expect.stringContaining(
        'recorded no snapshot name and no snapshot of ours of nameless-missing',
      ),
    });
    expect(leaseAfter).toBeUndefined();
    expect(events(DETAIL_TYPES.remediationFailed)).toEqual([]);
    expect(second.findings[0]?.action).toBe('snapshot-started');
    expect(requestsReached(stack.emulator, 'CreateSnapshot').map((request) => request.params)).toEqual([
      expect.objectContaining({ ReplicationGroupId: 'nameless-missing' }),
    ]);
    expect(modifyCalls(stack.emulator)).toEqual([]);
  });
});
