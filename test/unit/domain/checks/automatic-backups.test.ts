import { describe, expect, it } from 'vitest';
import {
  automaticBackupsCheck,
  automaticBackupsSchema,
} from '../../../../shared/domain/checks/automatic-backups.js';
import { evaluate } from '../../../../shared/domain/evaluate.js';
import { parsePolicy } from '../../../../shared/domain/policy/load.js';
import type { Resource, ResourceType } from '../../../../shared/domain/resource.js';

const resource = (type: ResourceType, snapshotRetentionLimit?: number): Resource => ({
  type,
  id: 'orders',
  arn: `arn:aws:elasticache:us-east-1:123456789012:${type}:orders`,
  status: 'available',
  pendingModifications: false,
  snapshotRetentionLimit,
  tags: {},
});

describe('Check: automaticBackups', () => {
  describe('Method: evaluate', () => {
    it.each<[ResourceType, number | undefined, number, string]>([
      ['replication-group', undefined, 1, 'unknown'],
      ['replication-group', 0, 1, 'violation'],
      ['replication-group', 1, 1, 'compliant'],
      ['replication-group', 6, 7, 'violation'],
      ['replication-group', 7, 7, 'compliant'],
      ['replication-group', 35, 7, 'compliant'],
      ['serverless-cache', undefined, 1, 'unknown'],
      ['serverless-cache', 0, 1, 'violation'],
      ['serverless-cache', 1, 1, 'compliant'],
      ['serverless-cache', 2, 3, 'violation'],
    ])('%s keeping snapshots %s days, minDays %s: %s', (type, days, minDays, status) => {
      // Act
      const result = automaticBackupsCheck.evaluate(resource(type, days), { minDays });

      // Assess
      expect(result?.status).toBe(status);
    });

    it('says automatic backups are off at 0 days, and how short the retention is otherwise', () => {
      expect(automaticBackupsCheck.evaluate(resource('replication-group', 0), { minDays: 1 })?.reason).toBe(
        'automatic backups are off (SnapshotRetentionLimit 0)',
      );
      expect(automaticBackupsCheck.evaluate(resource('replication-group', 3), { minDays: 7 })).toMatchObject({
        expected: 'SnapshotRetentionLimit >= 7',
        observed: 'SnapshotRetentionLimit 3',
        reason: 'automatic snapshots are kept 3 days, the policy requires at least 7',
      });
    });
  });

  describe('Property: schema', () => {
    it('defaults minDays to 1 and keeps it within 1..35 whole days', () => {
      expect(automaticBackupsSchema.parse({})).toEqual({ minDays: 1 });
      for (const minDays of [0, 36, 1.5])
        expect(automaticBackupsSchema.safeParse({ minDays }).success).toBe(false);
    });
  });

  it('is configured by the rule key automaticBackups, and a bad minDays is named with its line', () => {
    // Prepare
    const rule = (value: string) =>
      `version: 1\nrules:\n  - name: backups\n    match: {}\n    automaticBackups: ${value}\n`;

    // Act
    const [finding] = evaluate(
      [resource('serverless-cache', 0)],
      parsePolicy(rule('{}'), 'policy.yaml'),
      new Date(),
    );

    // Assess
    expect(finding).toMatchObject({ rule: 'backups', check: 'automaticBackups', status: 'violation' });
    expect(() => parsePolicy(rule('{ minDays: 0 }'), 'policy.yaml')).toThrow(
      /policy\.yaml:5 rules\[0\]\.automaticBackups\.minDays/,
    );
  });
});
