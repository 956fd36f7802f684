import { describe, expect, it } from 'vitest';
import { durabilityCheck, durabilitySchema } from '../../../../shared/domain/checks/durability.js';
import { soakBreaches } from '../../../../shared/domain/durability/soak.js';
import { parsePolicy } from '../../../../shared/domain/policy/load.js';
import type { Resource } from '../../../../shared/domain/resource.js';

const group = (extra: Partial<Resource> = {}): Resource => ({
  type: 'replication-group',
  id: 'orders',
  arn: 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:orders',
  status: 'available',
  effectiveDurability: 'sync',
  pendingModifications: false,
  tags: {},
  ...extra,
});
const config = durabilitySchema.parse({ minimum: 'async', maxLagMs: 9000 });

describe('Check: durability', () => {
  describe('Method: evaluate', () => {
    it.each<[string, Partial<Resource>, string]>([
      [
        'quiet',
        { durabilityLagMs: 7900, durabilityBufferExceeded: 0, trafficManagementActive: false },
        'compliant',
      ],
      ['lag at 80 % of 10 s', { durabilityLagMs: 8000 }, 'degraded'],
      ['writes rejected', { durabilityBufferExceeded: 3 }, 'degraded'],
      ['writes throttled', { trafficManagementActive: true }, 'degraded'],
      ['lag over the rule', { durabilityLagMs: 9500 }, 'violation'],
      [
        'below the minimum and throttled',
        { effectiveDurability: 'disabled', trafficManagementActive: true },
        'violation',
      ],
    ])('reports a group %s as %s', (_, extra, status) => {
      // Act
      const result = durabilityCheck.evaluate(group(extra), config);

      // Assess
      expect(result?.status).toBe(status);
    });

    it('says which metric strains, with its number', () => {
      // Act
      const result = durabilityCheck.evaluate(group({ durabilityBufferExceeded: 12 }), config);

      // Assess
      expect(result?.observed).toBe('sync, DurabilityBufferExceededErrorCount 12: writes were rejected');
    });
  });

  describe('Schema: soak', () => {
    it("defaults to a 2-hour watch that alerts, and reads the policy's window", () => {
      // Act
      const defaults = durabilitySchema.parse({ minimum: 'sync' }).soak;
      const given = durabilitySchema.parse({
        minimum: 'sync',
        soak: { window: '90m', onBreach: 'step-back', unattended: true },
      }).soak;

      // Assess
      expect(defaults).toEqual({ windowSeconds: 7200, onBreach: 'alert', unattended: false });
      expect(given).toEqual({ windowSeconds: 5400, onBreach: 'step-back', unattended: true });
    });

    it('names the line of a bad window or action', () => {
      // Act
      const load = () =>
        parsePolicy(
          'version: 1\nrules:\n  - name: dur\n    durability:\n      minimum: sync\n      soak: { window: 3d, onBreach: rollback }\n',
          'policy.yaml',
        );

      // Assess
      expect(load).toThrow(/policy.yaml:6 /);
      expect(load).toThrow(/soak\.window.*from 5m to 24h/);
      expect(load).toThrow(/soak\.onBreach/);
    });
  });
});

describe('Function: soakBreaches', () => {
  it('judges write latency only against a budget', () => {
    // Act
    const without = soakBreaches({ writeLatencyMs: 4 }, {});
    const within = soakBreaches({ writeLatencyMs: 4 }, { maxWriteLatencyMs: 5 });
    const over = soakBreaches({ writeLatencyMs: 6 }, { maxWriteLatencyMs: 5 });

    // Assess
    expect([without, within]).toEqual([[], []]);
    expect(over).toEqual(['SuccessfulWriteRequestLatency 6 ms above the 5 ms budget']);
  });
});
