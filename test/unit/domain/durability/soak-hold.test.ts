import { describe, expect, it } from 'vitest';
import { soakHold } from '../../../../shared/domain/durability/soak-hold.js';
import type { SoakRun } from '../../../../shared/domain/durability/soak-series.js';

const soakInput = { windowSeconds: 1800, lookSeconds: 300, onBreach: 'step-back', unattended: true } as const;

const steppedBack: SoakRun = {
  replicationGroupId: 'orders',
  arn: 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:orders',
  execution: 'orders-soak-20261207100000000',
  target: 'sync',
  soakInput,
  rule: 'durable',
  soak: {
    outcome: 'stepped-back',
    steppedBackAt: '2026-12-07T10:20:00.000Z',
    reasons: ['DurabilityLag 9100 ms reached 8000 ms'],
    series: [],
  },
};

const decision = { rule: 'durable', target: 'sync', soak: soakInput } as const;

describe('Function: soakHold', () => {
  it('holds the group its soak stepped back under the same rule, target and soak, naming the execution, the time, the numbers and the release', () => {
    // Act
    const reason = soakHold(steppedBack, decision);

    // Assess
    expect(reason).toBe(
      "held: soak orders-soak-20261207100000000 stepped orders back to async at 2026-12-07T10:20:00.000Z (DurabilityLag 9100 ms reached 8000 ms); raising it to sync again would breach again on every scan: release it with guardrails upgrade release orders --reason <why>, or change the rule's target or soak",
    );
  });

  it('holds nothing once released, after a soak that did not step back, or for another rule, target or soak', () => {
    // Prepare
    const released = {
      ...steppedBack,
      released: { at: '2026-12-07T11:00:00Z', by: 'alice', reason: 'shards added' },
    };
    const quiet = { ...steppedBack, soak: { ...steppedBack.soak, outcome: 'quiet' as const } };

    // Act
    const reasons = [
      soakHold(released, decision),
      soakHold(quiet, decision),
      soakHold(undefined, decision),
      soakHold(steppedBack, { ...decision, rule: 'other' }),
      soakHold(steppedBack, { ...decision, target: 'async' }),
      soakHold(steppedBack, { ...decision, soak: { ...soakInput, windowSeconds: 3600 } }),
      soakHold(steppedBack, { ...decision, soak: undefined }),
    ];

    // Assess
    expect(reasons).toEqual([undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  });

  it('holds for any rule when the soak names none (an upgrade’s own change)', () => {
    // Prepare
    const { rule: _rule, ...upgrade } = steppedBack;

    // Act & Assess
    expect(soakHold(upgrade, { ...decision, rule: 'other' })).toMatch(/^held: soak orders-soak-/);
  });
});
