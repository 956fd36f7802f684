import { describe, expect, it } from 'vitest';
import {
  baselineOf,
  decideDrift,
  type EncryptionBaseline,
  encryptionChanged,
  encryptionFromObserved,
  sameKmsKey,
} from '../../../shared/domain/drift.js';
import type { Finding } from '../../../shared/domain/finding.js';
import type { Resource } from '../../../shared/domain/resource.js';
import { toAsff } from '../../../shared/domain/security-findings.js';

const ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const ARN = `arn:aws:kms:us-east-1:111122223333:key/${ID}`;
const OTHER = 'arn:aws:kms:us-east-1:111122223333:key/ffffeeee-0000-4000-8000-000000000001';
const ALIAS = 'arn:aws:kms:us-east-1:111122223333:alias/cache';

describe('Function: sameKmsKey', () => {
  it.each([
    ['a key id and its key ARN', ID, ARN, true],
    ['a key ARN and itself', ARN, ARN, true],
    ['two different keys', ARN, OTHER, false],
    ['a bare key id and another key id', ID, 'ffffeeee-0000-4000-8000-000000000001', false],
    ['the same alias as ARN and as name', ALIAS, 'alias/cache', true],
    ['the same alias ARN on both sides', ALIAS, ALIAS, true],
    ['an alias and a key (which key the alias names is unknown)', ALIAS, ARN, false],
    ['two aliases', ALIAS, 'arn:aws:kms:us-east-1:111122223333:alias/other', false],
    ['the same key id in another region', ARN, ARN.replace('us-east-1', 'eu-west-1'), false],
    ['the same key id in another account', ARN, ARN.replace('111122223333', '444455556666'), false],
  ])('compares %s: %s', (_case, a, b, expected) => {
    // Act
    const forward = sameKmsKey(a, b);
    const backward = sameKmsKey(b, a);

    // Assess
    expect([forward, backward]).toEqual([expected, expected]);
  });
});

describe('Function: encryptionChanged', () => {
  it.each([
    [
      'the same type',
      { storageEncryptionType: 'sse-elasticache' },
      { storageEncryptionType: 'sse-elasticache' },
      false,
    ],
    ['another type', { storageEncryptionType: 'sse-elasticache' }, { storageEncryptionType: 'none' }, true],
    [
      'another key',
      { storageEncryptionType: 'sse-kms', kmsKeyId: ARN },
      { storageEncryptionType: 'sse-kms', kmsKeyId: OTHER },
      true,
    ],
    [
      'the key id for its ARN',
      { storageEncryptionType: 'sse-kms', kmsKeyId: ARN },
      { storageEncryptionType: 'sse-kms', kmsKeyId: ID },
      false,
    ],
    ['a type gone missing', { storageEncryptionType: 'sse-kms', kmsKeyId: ARN }, {}, false],
    ['a type that appears', {}, { storageEncryptionType: 'none' }, false],
    [
      'a key gone missing',
      { storageEncryptionType: 'sse-kms', kmsKeyId: ARN },
      { storageEncryptionType: 'sse-kms' },
      false,
    ],
    [
      'a key that appears',
      { storageEncryptionType: 'sse-kms' },
      { storageEncryptionType: 'sse-kms', kmsKeyId: ARN },
      false,
    ],
  ] as const)('treats %s as changed: %s', (_case, before, now, expected) => {
    // Act
    const changed = encryptionChanged(before, now);

    // Assess
    expect(changed).toBe(expected);
  });
});

describe('Function: encryptionFromObserved', () => {
  it.each([
    [`sse-kms (${ARN})`, { storageEncryptionType: 'sse-kms', kmsKeyId: ARN }],
    ['sse-elasticache', { storageEncryptionType: 'sse-elasticache' }],
    ['none', { storageEncryptionType: 'none' }],
    ['sse-kms', { storageEncryptionType: 'sse-kms' }],
    ['unknown', {}],
  ])('reads %j', (observed, expected) => {
    // Act
    const state = encryptionFromObserved(observed);

    // Assess
    expect(state).toEqual(expected);
  });
});

describe('Function: baselineOf', () => {
  const observed = {
    resourceType: 'replication-group' as const,
    resourceId: 'orders',
    arn: 'arn:aws:elasticache:us-east-1:111122223333:replicationgroup:orders',
  };

  it('keeps the rules its storageEncryption findings violated', () => {
    // Prepare
    const finding = {
      arn: observed.arn,
      check: 'storageEncryption',
      rule: 'kms',
      status: 'violation' as const,
    };

    // Act
    const baseline = baselineOf(
      { ...observed, storageEncryptionType: 'none' },
      [finding, { ...finding, rule: 'tls', check: 'transitEncryption' }],
      '2026-11-25T10:00:00Z',
    );

    // Assess
    expect(baseline?.violations).toEqual(['kms']);
  });

  it('reads the findings of a report written before checks had one name (storage-encryption)', () => {
    // Prepare
    const finding = {
      arn: observed.arn,
      check: 'storage-encryption',
      rule: 'b-rule',
      status: 'violation' as const,
    };
    const findings = [
      finding,
      { ...finding, rule: 'a-rule' },
      { ...finding, rule: 'ok-rule', status: 'compliant' as const },
      { ...finding, rule: 'durable', check: 'durability' },
      { ...finding, rule: 'elsewhere', arn: 'arn:other' },
    ];

    // Act
    const baseline = baselineOf(
      { ...observed, storageEncryptionType: 'none' },
      findings,
      '2026-11-25T10:00:00Z',
    );

    // Assess
    expect(baseline).toEqual({
      ...observed,
      storageEncryptionType: 'none',
      violations: ['a-rule', 'b-rule'],
      observedAt: '2026-11-25T10:00:00Z',
    });
  });

  it('gives none for a resource whose StorageEncryptionType was not reported', () => {
    // Act
    const baseline = baselineOf(observed, [], '2026-11-25T10:00:00Z');

    // Assess
    expect(baseline).toBeUndefined();
  });
});

describe('Function: decideDrift', () => {
  const resource: Resource = {
    type: 'replication-group',
    id: 'orders',
    arn: 'arn:aws:elasticache:us-east-1:111122223333:replicationgroup:orders',
    status: 'available',
    storageEncryptionType: 'sse-kms',
    kmsKeyId: ARN,
    pendingModifications: false,
    tags: {},
  };
  const baseline: EncryptionBaseline = {
    arn: resource.arn,
    resourceType: resource.type,
    resourceId: resource.id,
    storageEncryptionType: 'sse-kms',
    kmsKeyId: ID,
    violations: [],
    observedAt: '2026-11-25T09:00:00Z',
  };
  const now = new Date('2026-11-25T10:00:00Z');

  it('raises nothing and keeps the baseline when only the form of the key changed', () => {
    // Act
    const decision = decideDrift(resource, [], baseline, now);

    // Assess
    expect(decision).toEqual({ alerts: [] });
  });

  it('learns a key the baseline lacked, without alerting', () => {
    // Act
    const decision = decideDrift(resource, [], { ...baseline, kmsKeyId: undefined }, now);

    // Assess
    expect(decision.alerts).toEqual([]);
    expect(decision.baseline?.kmsKeyId).toBe(ARN);
  });

  it('raises nothing when the key is no longer reported', () => {
    // Act
    const decision = decideDrift({ ...resource, kmsKeyId: undefined }, [], baseline, now);

    // Assess
    expect(decision).toEqual({ alerts: [] });
  });

  it('alerts drift for another key', () => {
    // Act
    const decision = decideDrift({ ...resource, kmsKeyId: OTHER }, [], baseline, now);

    // Assess
    expect(decision.alerts.map((alert) => [alert.kind, alert.from, alert.to])).toEqual([
      ['drift', `sse-kms (${ID})`, `sse-kms (${OTHER})`],
    ]);
  });

  it.each([
    [undefined, 'high', 'HIGH'],
    ['low', 'low', 'LOW'],
    ['medium', 'medium', 'MEDIUM'],
  ] as const)(
    'alerts a new violation (rule severity %s) at %s, as its ASFF finding says %s',
    (severity, alerted, label) => {
      // Prepare: the resource newly breaks a rule of storageEncryption.
      const violation: Finding = {
        resourceType: resource.type,
        resourceId: resource.id,
        arn: resource.arn,
        rule: 'kms-only',
        check: 'storageEncryption',
        status: 'violation',
        expected: 'sse-kms',
        observed: 'sse-elasticache',
        reason: 'StorageEncryptionType is sse-elasticache',
        action: null,
        ...(severity === undefined ? {} : { severity }),
      };

      // Act
      const decision = decideDrift(resource, [violation], baseline, now);
      const asff = toAsff(violation, { account: '111122223333', region: 'us-east-1', now });

      // Assess
      expect(decision.alerts.map((alert) => [alert.kind, alert.severity])).toEqual([['violation', alerted]]);
      expect(asff.Severity.Label).toBe(label);
    },
  );
});
