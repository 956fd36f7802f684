import * as z from 'zod';
import { STAGED_ACTIONS } from '../durability/readiness.js';
import { soakBreaches, soakPolicySchema } from '../durability/soak.js';
import { DEFAULT_FIT, SYNC_WRITE_LATENCY_MS } from '../durability/workload-fit.js';
import { compareDurability, DURABILITY_LEVELS } from '../resource.js';
import { strictObject } from '../strict-object.js';
import { type Check, unreported } from './types.js';

export const durabilitySchema = strictObject({
  minimum: z.enum(DURABILITY_LEVELS),
  set: z.enum(DURABILITY_LEVELS).optional(),
  /** Lowering durability when remediating needs this on the rule. */
  allowDowngrade: z.boolean().default(false),
  /** DurabilityLag above this is flagged (writes are rejected near 10 000 ms). */
  maxLagMs: z.number().int().positive().max(10_000).default(5000),
  /**
   * The online changes that may bring a group to durability without an approval (see
   * shared/domain/durability/readiness.ts). Default: none, plan only. A step with client impact always
   * waits for an approval.
   */
  stagedChanges: strictObject({ allow: z.array(z.enum(STAGED_ACTIONS)).default([]) }).default({ allow: [] }),
  /**
   * The write latency the workload can bear, in ms: under `set: sync` a budget below what sync
   * writes take (single-digit ms) makes the plan's fit `at-risk` and recommend async.
   */
  maxWriteLatencyMs: z.number().positive().max(60_000).optional(),
  /** How the plan's workload fit reads CloudWatch and judges the peak (shared/domain/durability/workload-fit.ts). */
  fit: strictObject({
    /** Days of 1-minute data read; CloudWatch keeps 1-minute data points for 15 days. */
    lookbackDays: z.number().int().min(1).max(15).default(DEFAULT_FIT.lookbackDays),
    /** The share of 100 MiB/s per primary a peak may reach before the fit is at-risk. */
    headroom: z.number().gt(0).max(1).default(DEFAULT_FIT.headroom),
  }).default({ ...DEFAULT_FIT }),
  /** Watching the group after a durability change (shared/domain/durability/soak.ts). */
  soak: soakPolicySchema,
})
  .superRefine((config, context) => {
    if (config.set !== undefined && compareDurability(config.set, config.minimum) < 0) {
      context.addIssue({
        code: 'custom',
        path: ['set'],
        message: `must be at least the minimum (${config.minimum}), got "${config.set}"`,
      });
    }
  })
  .transform((config) => ({ ...config, set: config.set ?? config.minimum }));

export type DurabilityConfig = z.output<typeof durabilitySchema>;

/**
 * Durability: a replication group's `EffectiveDurability` must be at least `minimum`
 * (order disabled < async < sync). Serverless caches cannot be durable and are skipped.
 *
 * @example
 * # in a rule
 * durability: { minimum: async, set: sync }
 */
export const durabilityCheck: Check<DurabilityConfig> = {
  metadata: {
    title: 'ElastiCache replication groups should be at least as durable as the policy requires',
    severity: 'high',
    remediation: {
      text: "Change the replication group's Durability to the level the rule requires (ModifyReplicationGroup --durability); in enforce mode the durability job does it under its guards. A group that cannot be durable needs a new one (guardrails migrate).",
      url: 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/durability.html',
    },
  },
  schema: durabilitySchema,
  permissions: ['elasticache:DescribeReplicationGroups', 'tag:GetResources', 'cloudwatch:GetMetricData'],
  hooks: { remediation: 'set-durability' },
  warnings(config) {
    const warnings: { path: (string | number)[]; message: string }[] = [];
    if (config.maxWriteLatencyMs !== undefined && config.set !== 'sync')
      warnings.push({
        path: ['maxWriteLatencyMs'],
        message: `never applies: set is ${config.set}, and only sync writes take up to ${SYNC_WRITE_LATENCY_MS} ms (async keeps microsecond writes)`,
      });
    // The step back goes to async: under minimum sync the group then violates the rule, and is held.
    if (config.minimum === 'sync' && config.soak?.onBreach === 'step-back')
      warnings.push({
        path: ['soak', 'onBreach'],
        message:
          'a step back (sync to async) would violate this rule (minimum: sync): the group is then held as a violation until guardrails upgrade release; lower minimum to async, or use onBreach: alert',
      });
    return warnings;
  },
  evaluate(resource, config) {
    if (resource.type !== 'replication-group') return undefined;
    const expected = `>= ${config.minimum}`;
    const effective = resource.effectiveDurability;
    if (effective === undefined)
      return unreported(expected, 'EffectiveDurability', '(engine or endpoint predates durability)');
    const notes: string[] = [];
    if (
      resource.durability !== undefined &&
      resource.durability !== 'default' &&
      resource.durability !== effective
    ) {
      notes.push(`Durability requested ${resource.durability}, effective ${effective}`);
    }
    if ((resource.durabilityBufferExceeded ?? 0) > 0) {
      notes.push(
        `DurabilityBufferExceededErrorCount ${resource.durabilityBufferExceeded} in the last minutes`,
      );
    }
    const lag = resource.durabilityLagMs;
    if (compareDurability(effective, config.minimum) >= 0 && lag !== undefined && lag > config.maxLagMs) {
      return {
        status: 'violation',
        expected: `${expected}, DurabilityLag <= ${config.maxLagMs} ms`,
        observed: `${effective}, DurabilityLag ${lag} ms`,
        reason: `DurabilityLag ${lag} ms exceeds ${config.maxLagMs} ms (writes are rejected near 10 000 ms)`,
        notes: notes.length > 0 ? notes : undefined,
      };
    }
    const breaches = soakBreaches(
      {
        lagMs: lag,
        bufferExceeded: resource.durabilityBufferExceeded,
        trafficManagementActive: resource.trafficManagementActive,
      },
      {},
    );
    if (compareDurability(effective, config.minimum) >= 0 && breaches.length > 0) {
      // Durable as required, yet writes are being rejected or throttled: not a violation of the rule.
      return {
        status: 'degraded',
        expected: `${expected}, writes neither rejected nor throttled`,
        observed: `${effective}, ${breaches.join('; ')}`,
        reason: `EffectiveDurability ${effective} meets the minimum ${config.minimum}, but the workload strains it: ${breaches.join('; ')}`,
        notes: notes.length > 0 ? notes : undefined,
      };
    }
    if (compareDurability(effective, config.minimum) >= 0) {
      return {
        status: 'compliant',
        expected,
        observed: effective,
        reason: `EffectiveDurability ${effective} meets the minimum ${config.minimum}`,
        notes: notes.length > 0 ? notes : undefined,
      };
    }
    return {
      status: 'violation',
      expected,
      observed: effective,
      reason: `EffectiveDurability is ${effective}, the policy requires at least ${config.minimum}`,
      notes,
    };
  },
};
