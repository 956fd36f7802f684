import * as z from 'zod';
import { fleetReads } from '../resource-kinds.js';
import { strictObject } from '../strict-object.js';
import { type Check, unreported } from './types.js';

export const automaticBackupsSchema = strictObject({
  /** Fewest days automatic snapshots must be kept (ElastiCache keeps at most 35). */
  minDays: z.number().int().min(1).max(35).default(1),
});

export type AutomaticBackupsConfig = z.output<typeof automaticBackupsSchema>;

/**
 * Automatic backups: `SnapshotRetentionLimit` (days automatic snapshots are kept; 0 turns them
 * off) must be at least `minDays`, for replication groups and serverless caches alike.
 *
 * @example
 * # in a rule
 * automaticBackups: { minDays: 7 }
 */
export const automaticBackupsCheck: Check<AutomaticBackupsConfig> = {
  metadata: {
    title: 'ElastiCache caches should keep automatic backups as long as the policy requires',
    severity: 'medium',
    remediation: {
      text: 'Set SnapshotRetentionLimit to at least the days the rule requires (ModifyReplicationGroup or ModifyServerlessCache).',
      url: 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/backups-automatic.html',
    },
  },
  schema: automaticBackupsSchema,
  // Every resource kind is evaluated: the whole fleet's reads.
  permissions: fleetReads(),
  evaluate(resource, config) {
    const expected = `SnapshotRetentionLimit >= ${config.minDays}`;
    const days = resource.snapshotRetentionLimit;
    if (days === undefined) return unreported(expected, 'SnapshotRetentionLimit');
    const observed = `SnapshotRetentionLimit ${days}`;
    if (days === 0) {
      return {
        status: 'violation',
        expected,
        observed,
        reason: 'automatic backups are off (SnapshotRetentionLimit 0)',
      };
    }
    if (days < config.minDays) {
      return {
        status: 'violation',
        expected,
        observed,
        reason: `automatic snapshots are kept ${days} days, the policy requires at least ${config.minDays}`,
      };
    }
    return { status: 'compliant', expected, observed, reason: `automatic snapshots are kept ${days} days` };
  },
};
