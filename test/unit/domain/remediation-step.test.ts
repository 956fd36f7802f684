import { describe, expect, it } from 'vitest';
import {
  modifyFailure,
  nextRemediationStep,
  REMEDIATION_TIMINGS,
  type RemediationDetails,
  type RemediationLease,
  refusalAction,
} from '../../../shared/domain/durability/lease-steps.js';
import type { Resource } from '../../../shared/domain/resource.js';

const NOW = new Date('2026-11-25T10:00:00Z');
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();

function group(overrides: Partial<Resource> = {}): Resource {
  return {
    type: 'replication-group',
    id: 'orders',
    arn: 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:orders',
    engine: 'valkey',
    status: 'available',
    effectiveDurability: 'disabled',
    pendingModifications: false,
    tags: {},
    ...overrides,
  };
}

function lease(details: Partial<RemediationDetails>, acquiredAt = minutesAgo(60)): RemediationLease {
  return {
    acquiredAt,
    details: {
      phase: 'modify-requested',
      replicationGroupId: 'orders',
      rule: 'r',
      from: 'disabled',
      target: 'sync',
      applyImmediately: true,
      ...details,
    },
  };
}

describe('Function: nextRemediationStep', () => {
  describe('phase: snapshotting', () => {
    const snapshotting = lease({ phase: 'snapshotting', snapshotName: 'guardrails-orders-1' });

    it.each([
      ['missing', undefined, 'pre-change snapshot guardrails-orders-1 is missing'],
      ['failed', { status: 'failed' }, 'pre-change snapshot guardrails-orders-1 failed'],
    ])('fails the change when the snapshot is %s, held for a day', (_name, snapshot, fault) => {
      // Act
      const step = nextRemediationStep(snapshotting, group(), snapshot, NOW);

      // Assess
      expect(step).toEqual({
        kind: 'fail',
        phase: 'snapshotting',
        fault,
        holdUntil: new Date(NOW.getTime() + REMEDIATION_TIMINGS.outcomeHoldMs),
      });
    });

    it.each([
      ['the snapshot is creating', { status: 'creating' }, group()],
      ['the group is not available', { status: 'available' }, group({ status: 'modifying' })],
      ['the group has a pending change', { status: 'available' }, group({ pendingModifications: true })],
    ])('waits and extends the claim by the change window when %s', (_name, snapshot, resource) => {
      // Act
      const step = nextRemediationStep(snapshotting, resource, snapshot, NOW);

      // Assess
      expect(step).toEqual({
        kind: 'wait-for-snapshot',
        holdUntil: new Date(NOW.getTime() + REMEDIATION_TIMINGS.changeWindowMs.immediate),
        reason: `snapshot guardrails-orders-1 is ${snapshot.status}`,
      });
    });

    it('ends a change whose lease lost the snapshot name, and no snapshot of ours was found, as not sent: no hold', () => {
      // Act
      const step = nextRemediationStep(lease({ phase: 'snapshotting' }), group(), undefined, NOW);

      // Assess
      expect(step).toMatchObject({
        kind: 'not-sent',
        reason: expect.stringContaining('recorded no snapshot name'),
      });
    });

    it('waits on the snapshot found for a lease that lost its name, naming it', () => {
      // Act
      const found = { name: 'guardrails-orders-2', status: 'creating' };
      const step = nextRemediationStep(lease({ phase: 'snapshotting' }), group(), found, NOW);

      // Assess
      expect(step).toMatchObject({
        kind: 'wait-for-snapshot',
        reason: 'snapshot guardrails-orders-2 is creating',
      });
    });

    it('extends a change that waits for maintenance by the maintenance window', () => {
      // Act
      const step = nextRemediationStep(
        lease({ phase: 'snapshotting', applyImmediately: false }),
        group(),
        { status: 'creating' },
        NOW,
      );

      // Assess
      expect(step).toMatchObject({
        holdUntil: new Date(NOW.getTime() + REMEDIATION_TIMINGS.changeWindowMs.maintenance),
      });
    });

    it('modifies once the snapshot is available, recording its durability', () => {
      // Act
      const step = nextRemediationStep(
        snapshotting,
        group(),
        { status: 'available', durability: 'async' },
        NOW,
      );

      // Assess
      expect(step).toEqual({ kind: 'modify', snapshotDurability: 'async' });
    });
  });

  describe('phase: modify-requested', () => {
    it.each([
      ['reaches', 'async'],
      ['passes', 'sync'],
    ] as const)('succeeds when EffectiveDurability %s the target', (_name, effective) => {
      // Act
      const step = nextRemediationStep(
        lease({ target: 'async' }),
        group({ effectiveDurability: effective }),
        undefined,
        NOW,
      );

      // Assess
      expect(step).toEqual({ kind: 'succeeded' });
    });

    it('fails when the group asks for the target but settled without it, after the settle time', () => {
      // Act
      const step = nextRemediationStep(
        lease({ requestedAt: minutesAgo(6) }),
        group({ durability: 'sync', effectiveDurability: 'async' }),
        undefined,
        NOW,
      );

      // Assess
      expect(step).toMatchObject({
        kind: 'fail',
        phase: 'modify-requested',
        fault: `the group asks for Durability=sync (requested ${minutesAgo(6)}) but EffectiveDurability is async after the change applied`,
      });
    });

    it('waits for the maintenance window while the group asks for the target', () => {
      // Act
      const step = nextRemediationStep(
        lease({ requestedAt: minutesAgo(600), applyImmediately: false }),
        group({ durability: 'sync' }),
        undefined,
        NOW,
      );

      // Assess
      expect(step).toMatchObject({ kind: 'report', action: 'in-progress' });
    });

    it('never says "applied" of a request the group does not show: it is sent once more', () => {
      // Act: the group still asks for `default`, as before the change.
      const step = nextRemediationStep(
        lease({ requestedAt: minutesAgo(60) }),
        group({ durability: 'default' }),
        undefined,
        NOW,
      );

      // Assess
      expect(step).toEqual({ kind: 'resend' });
    });

    it.each([
      ['inside the settle time', lease({ requestedAt: minutesAgo(4) }), group()],
      [
        'while the group is modifying',
        lease({ requestedAt: minutesAgo(60) }),
        group({ status: 'modifying' }),
      ],
      [
        'while a change is pending',
        lease({ requestedAt: minutesAgo(60) }),
        group({ pendingModifications: true }),
      ],
    ])('reports in-progress %s', (_name, held, resource) => {
      // Act
      const step = nextRemediationStep(held, resource, undefined, NOW);

      // Assess
      expect(step).toMatchObject({ kind: 'report', action: 'in-progress' });
    });

    it('measures the settle time from the claim when no request time was recorded', () => {
      // Act
      const asked = group({ durability: 'sync' });
      const fresh = nextRemediationStep(lease({}, minutesAgo(1)), asked, undefined, NOW);
      const old = nextRemediationStep(lease({}, minutesAgo(10)), asked, undefined, NOW);

      // Assess
      expect(fresh.kind).toBe('report');
      expect(old.kind).toBe('fail');
    });
  });

  describe('phase: modify-sending', () => {
    const sending = (sends: number, minutes: number) =>
      lease({ phase: 'modify-sending', sends, sentAt: minutesAgo(minutes) });

    it('confirms a request the group shows, whatever became of its answer', () => {
      // Act
      const step = nextRemediationStep(sending(1, 1), group({ durability: 'sync' }), undefined, NOW);

      // Assess
      expect(step).toEqual({ kind: 'confirm' });
    });

    it('succeeds when EffectiveDurability already shows the target', () => {
      // Act
      const step = nextRemediationStep(
        sending(1, 1),
        group({ durability: 'sync', effectiveDurability: 'sync' }),
        undefined,
        NOW,
      );

      // Assess
      expect(step).toEqual({ kind: 'succeeded' });
    });

    it('leaves the sender its settle time before judging', () => {
      // Act
      const step = nextRemediationStep(sending(1, 4), group(), undefined, NOW);

      // Assess
      expect(step).toMatchObject({ kind: 'report', action: 'in-progress' });
    });

    it('sends once more when the service never got the first send', () => {
      // Act
      const step = nextRemediationStep(sending(1, 10), group({ durability: 'default' }), undefined, NOW);

      // Assess
      expect(step).toEqual({ kind: 'resend' });
    });

    it('reports "not sent" after the re-send, with no failure and no hold', () => {
      // Act
      const step = nextRemediationStep(sending(2, 10), group({ durability: 'default' }), undefined, NOW);

      // Assess
      expect(step).toEqual({
        kind: 'not-sent',
        reason:
          'ModifyReplicationGroup(Durability=sync) did not reach the service: after 2 sends whose answers were lost the group still asks for Durability=default; nothing was changed, and the next run starts the change again',
      });
    });
  });

  describe('phases refused and failed', () => {
    it.each([
      ['disabled', 'InvalidParameterCombinationException', 'needs-rebuild'],
      ['async', 'InvalidParameterCombinationException', 'refused'],
      ['disabled', 'InvalidParameterValueException', 'refused'],
      ['disabled', undefined, 'refused'],
    ] as const)('reports a refusal from %s with %s as %s', (from, faultCode, action) => {
      // Act
      const step = nextRemediationStep(
        lease({ phase: 'refused', from, faultCode, fault: 'ModifyReplicationGroup failed: no' }),
        group(),
        undefined,
        NOW,
      );

      // Assess
      expect(step).toEqual({
        kind: 'report',
        action,
        reason: 'ModifyReplicationGroup refused: ModifyReplicationGroup failed: no',
      });
      expect(refusalAction(from, faultCode)).toBe(action);
    });

    it('reports a failed change with its fault', () => {
      // Act
      const step = nextRemediationStep(
        lease({ phase: 'failed', fault: 'snapshot failed' }),
        group(),
        undefined,
        NOW,
      );

      // Assess
      expect(step).toEqual({
        kind: 'report',
        action: 'failed',
        reason: 'the change to sync failed: snapshot failed',
      });
    });
  });
});

describe('Function: modifyFailure', () => {
  it.each([
    ['OutcomeUnknownError', 'unknown'],
    ['InvalidParameterCombinationException', 'refused'],
    ['InvalidParameterValueException', 'refused'],
    ['InvalidReplicationGroupStateFault', 'refused'],
    ['ThrottlingException', 'error'],
    ['ReplicationGroupNotFoundFault', 'error'],
  ])('classifies %s as %s', (fault, expected) => {
    expect(modifyFailure(fault)).toBe(expected);
  });
});
