import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../shared/domain/finding.js';
import { findingId, toAsff, toOcsf } from '../../../shared/domain/security-findings.js';

const violation: Finding = {
  resourceType: 'replication-group',
  resourceId: 'orders',
  arn: 'arn:aws:elasticache:eu-west-1:111122223333:replicationgroup:orders',
  rule: 'prod-durable',
  check: 'durability',
  status: 'violation',
  expected: '>= async',
  observed: 'disabled',
  reason: 'EffectiveDurability disabled is below async',
  action: 'would-modify',
};
const context = { account: '999988887777', region: 'us-east-1', now: new Date('2026-11-25T10:00:00Z') };

describe('Function: toAsff', () => {
  it('fills every required ASFF attribute from the finding, in the account and region of the resource', () => {
    // Act
    const asff = toAsff(violation, context);

    // Assess
    expect(asff).toMatchObject({
      SchemaVersion: '2018-10-08',
      Id: 'arn:aws:elasticache:eu-west-1:111122223333:replicationgroup:orders/prod-durable/durability',
      ProductArn: 'arn:aws:securityhub:us-east-1:999988887777:product/999988887777/default',
      GeneratorId: 'elasticache-guardrails/durability',
      AwsAccountId: '111122223333',
      Region: 'eu-west-1',
      CreatedAt: '2026-11-25T10:00:00.000Z',
      UpdatedAt: '2026-11-25T10:00:00.000Z',
      Severity: { Label: 'HIGH' },
      FindingProviderFields: { Severity: { Label: 'HIGH' } },
      Title: 'ElastiCache replication groups should be at least as durable as the policy requires: orders',
      Compliance: { Status: 'FAILED' },
      RecordState: 'ACTIVE',
      Resources: [
        { Type: 'AwsElastiCacheReplicationGroup', Id: violation.arn, Partition: 'aws', Region: 'eu-west-1' },
      ],
    });
    expect(asff.Types).toEqual(['Software and Configuration Checks/AWS Security Best Practices']);
    expect(asff.Description).toContain('EffectiveDurability disabled is below async');
    expect(asff.Description).toContain('would-modify');
  });

  it.each([
    ['compliant', 'PASSED'],
    ['exempt', 'PASSED'],
    ['unknown', 'NOT_AVAILABLE'],
    ['error', 'NOT_AVAILABLE'],
  ] as const)('maps %s to %s and informational, in FindingProviderFields too', (status, compliance) => {
    const asff = toAsff({ ...violation, status, severity: 'high' }, context);
    expect(asff.Compliance.Status).toBe(compliance);
    expect(asff.Severity.Label).toBe('INFORMATIONAL');
    expect(asff.FindingProviderFields.Severity.Label).toBe('INFORMATIONAL');
  });

  it('maps degraded (meets the rule, writes rejected or throttled) to WARNING, medium', () => {
    // Act
    const asff = toAsff({ ...violation, status: 'degraded', severity: 'high' }, context);

    // Assess
    expect(asff.Compliance.Status).toBe('WARNING');
    expect(asff.Severity.Label).toBe('MEDIUM');
    expect(asff.ProductFields.status).toBe('degraded');
  });

  it.each(['violation', 'compliant', 'unknown'] as const)(
    'sends no Workflow, Note, UserDefinedFields or VerificationState (the customer owns them): status %s',
    (status) => {
      const asff = toAsff({ ...violation, status }, context);
      for (const field of ['Workflow', 'Note', 'UserDefinedFields', 'VerificationState'])
        expect(asff).not.toHaveProperty(field);
    },
  );

  it.each([
    ['durability', undefined, 'HIGH'],
    ['storageEncryption', undefined, 'HIGH'],
    ['transitEncryption', undefined, 'MEDIUM'],
    ['automaticBackups', undefined, 'MEDIUM'],
    ['durability', 'low', 'LOW'],
    ['transitEncryption', 'high', 'HIGH'],
  ] as const)(
    'labels a failed %s finding (rule severity %s) %s, in FindingProviderFields too',
    (check, severity, label) => {
      // Act
      const asff = toAsff({ ...violation, check, ...(severity === undefined ? {} : { severity }) }, context);

      // Assess
      expect(asff.Severity.Label).toBe(label);
      expect(asff.FindingProviderFields.Severity.Label).toBe(label);
    },
  );

  it("recommends the check's remediation, text and AWS guide page", () => {
    // Act
    const asff = toAsff({ ...violation, check: 'automaticBackups' }, context);

    // Assess
    expect(asff.Remediation).toEqual({
      Recommendation: {
        Text: expect.stringContaining('SnapshotRetentionLimit'),
        Url: 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/backups-automatic.html',
      },
    });
    expect(asff.Remediation?.Recommendation.Text.length).toBeLessThanOrEqual(512);
  });

  it('keeps one Id per resource, rule and check across runs, and distinct ones otherwise', () => {
    const later = toAsff(
      { ...violation, status: 'compliant' },
      { ...context, now: new Date('2026-11-26T10:00:00Z') },
    );
    expect(later.Id).toBe(toAsff(violation, context).Id);
    expect(findingId({ ...violation, rule: 'other' })).not.toBe(findingId(violation));
    expect(findingId({ ...violation, check: 'storageEncryption' })).not.toBe(findingId(violation));
  });

  it('types a serverless cache as Other and archives a deleted resource', () => {
    const asff = toAsff(
      {
        ...violation,
        resourceType: 'serverless-cache',
        arn: 'arn:aws:elasticache:eu-west-1:111122223333:serverlesscache:s',
      },
      { ...context, recordState: 'ARCHIVED', firstSeen: new Date('2026-11-01T00:00:00Z') },
    );
    expect(asff.Resources[0]?.Type).toBe('Other');
    expect(asff.RecordState).toBe('ARCHIVED');
    expect(asff.CreatedAt).toBe('2026-11-01T00:00:00.000Z');
  });

  it('clips a title and a description to the ASFF limits', () => {
    const asff = toAsff({ ...violation, reason: 'x'.repeat(5000), resourceId: 'y'.repeat(400) }, context);
    expect(asff.Title.length).toBe(256);
    expect(asff.Description.length).toBe(1024);
    expect(asff.Description.endsWith('…')).toBe(true);
  });
});

describe('Function: toOcsf', () => {
  it('writes a Compliance Finding (class 2003) with the status, resource and cloud account', () => {
    const ocsf = toOcsf(violation, { ...context, version: '1.2.3' });
    expect(ocsf).toMatchObject({
      class_uid: 2003,
      category_uid: 2,
      type_uid: 200301,
      time: Date.parse('2026-11-25T10:00:00Z'),
      severity_id: 4,
      remediation: {
        references: ['https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/durability.html'],
      },
      compliance: { control: 'durability', status_id: 3, status: 'Fail' },
      cloud: { provider: 'AWS', region: 'eu-west-1', account: { uid: '111122223333' } },
      resources: [{ uid: violation.arn, name: 'orders', region: 'eu-west-1' }],
      metadata: { product: { version: '1.2.3' } },
    });
    expect(toOcsf({ ...violation, severity: 'low' }, { ...context, version: '1' }).severity_id).toBe(2);
    expect(
      toOcsf({ ...violation, status: 'compliant' }, { ...context, version: '1' }).compliance.status_id,
    ).toBe(1);
    expect(
      toOcsf({ ...violation, status: 'unknown' }, { ...context, version: '1' }).compliance.status_id,
    ).toBe(0);
    expect(
      toOcsf({ ...violation, status: 'degraded' }, { ...context, version: '1' }).compliance,
    ).toMatchObject({ status_id: 2, status: 'Warning' });
  });
});
