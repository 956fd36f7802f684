import { describe, expect, it } from 'vitest';
import {
  transitEncryptionCheck,
  transitEncryptionSchema,
} from '../../../../shared/domain/checks/transit-encryption.js';
import { evaluate } from '../../../../shared/domain/evaluate.js';
import { parsePolicy } from '../../../../shared/domain/policy/load.js';
import type { Resource, TransitEncryptionMode } from '../../../../shared/domain/resource.js';

const group = (extra: Partial<Resource> = {}): Resource => ({
  type: 'replication-group',
  id: 'orders',
  arn: 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:orders',
  status: 'available',
  pendingModifications: false,
  tags: {},
  ...extra,
});
const serverless: Resource = { ...group(), type: 'serverless-cache', id: 'sessions' };

describe('Check: transitEncryption', () => {
  describe('Method: evaluate', () => {
    it.each<[boolean | undefined, TransitEncryptionMode | undefined, 'preferred' | 'required', string]>([
      [undefined, undefined, 'preferred', 'unknown'],
      [undefined, undefined, 'required', 'unknown'],
      [false, undefined, 'preferred', 'violation'],
      [false, undefined, 'required', 'violation'],
      [true, undefined, 'preferred', 'compliant'],
      [true, undefined, 'required', 'unknown'],
      [true, 'preferred', 'preferred', 'compliant'],
      [true, 'preferred', 'required', 'violation'],
      [true, 'required', 'preferred', 'compliant'],
      [true, 'required', 'required', 'compliant'],
    ])('TransitEncryptionEnabled %s, mode %s, policy mode %s: %s', (enabled, mode, wanted, status) => {
      // Act
      const result = transitEncryptionCheck.evaluate(
        group({ transitEncryptionEnabled: enabled, transitEncryptionMode: mode }),
        { mode: wanted },
      );

      // Assess
      expect(result?.status).toBe(status);
    });

    it.each(['preferred', 'required'] as const)(
      'finds a serverless cache compliant (always TLS) with mode %s',
      (mode) => {
        // Act
        const result = transitEncryptionCheck.evaluate(serverless, { mode });

        // Assess
        expect(result).toMatchObject({ status: 'compliant', observed: 'TLS, mode required' });
        expect(result?.reason).toContain('serverless caches always use TLS');
      },
    );

    it('says plain-text clients are still accepted when required is asked of preferred', () => {
      // Act
      const result = transitEncryptionCheck.evaluate(
        group({ transitEncryptionEnabled: true, transitEncryptionMode: 'preferred' }),
        { mode: 'required' },
      );

      // Assess
      expect(result).toMatchObject({
        expected: 'TLS, mode required',
        observed: 'TLS, mode preferred',
        reason: 'TransitEncryptionMode is preferred: plain-text clients are still accepted',
      });
    });
  });

  describe('Property: schema', () => {
    it('defaults the mode to preferred and refuses another', () => {
      expect(transitEncryptionSchema.parse({})).toEqual({ mode: 'preferred' });
      expect(transitEncryptionSchema.safeParse({ mode: 'always' }).success).toBe(false);
    });
  });

  it('is configured by the rule key transitEncryption and names its findings so', () => {
    // Prepare
    const policy = parsePolicy(
      'version: 1\nrules:\n  - name: tls\n    match: {}\n    transitEncryption: { mode: required }\n',
      'policy.yaml',
    );

    // Act
    const [finding] = evaluate([group({ transitEncryptionEnabled: false })], policy, new Date());

    // Assess
    expect(finding).toMatchObject({ rule: 'tls', check: 'transitEncryption', status: 'violation' });
  });
});
