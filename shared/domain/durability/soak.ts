/**
 * The soak: how long a group is watched after its durability changed, what counts as a breach,
 * and what is done about one. Pure; the steps that watch are shared/jobs/upgrade/soak.ts.
 *
 * Thresholds, from the guide's *Monitoring* page for durable clusters
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Durability.Monitoring.html):
 * "When this value [DurabilityLag] approaches 10,000 ms (10 seconds), the primary node will begin
 * rejecting new writes"; "When this metric [DurabilityBufferExceededErrorCount] is non-zero, your
 * write requests will be rejected"; "In the event that customer traffic is throttled, the
 * TrafficManagementActive metric will emit 1."
 */
import * as z from 'zod';
import { strictObject } from '../strict-object.js';

/** Where the primary starts rejecting writes, and the share of it that is a breach already. */
export const SOAK_THRESHOLDS = {
  rejectLagMs: 10_000,
  /** 80 % of 10 s: the soak acts before writes are rejected, not after. */
  lagMs: 8000,
} as const;

export const SOAK_BREACH_ACTIONS = ['alert', 'step-back'] as const;
export type SoakBreachAction = (typeof SOAK_BREACH_ACTIONS)[number];

/** Soak windows: from one 5-minute look to a day. */
export const SOAK_WINDOW_SECONDS = { min: 300, max: 86_400, default: 7200 } as const;

const DURATION = /^(\d{1,4})(m|h)$/;

/** `'2h'`, `'90m'` in seconds; undefined when it is not such a duration. */
export function durationSeconds(text: string): number | undefined {
  const [, amount, unit] = DURATION.exec(text) ?? [];
  if (amount === undefined) return undefined;
  return Number(amount) * (unit === 'h' ? 3600 : 60);
}

const inWindow = (seconds: number | undefined): seconds is number =>
  seconds !== undefined && seconds >= SOAK_WINDOW_SECONDS.min && seconds <= SOAK_WINDOW_SECONDS.max;

const windowSchema = z.string().refine((text) => inWindow(durationSeconds(text)), {
  error: (issue) =>
    `expected a duration from 5m to 24h such as '2h' or '90m', got ${JSON.stringify(issue.input)}`,
});

const SOAK_POLICY_DEFAULT = { window: '2h', onBreach: 'alert', unattended: false } as const;

/**
 * The rule's `durability.soak`: watch the group for `window` after a durability change; on a
 * breach `alert`, or `step-back` (sync to async, with an approval unless `unattended`).
 * `soak: false` watches nothing (parsed as undefined); absent, the default 2-hour alerting soak.
 *
 * @example
 * # in a rule
 * durability: { minimum: async, set: sync, soak: { window: 2h, onBreach: step-back } }
 */
export const soakPolicySchema = z
  .union([
    z.literal(false),
    strictObject({
      window: windowSchema.default(SOAK_POLICY_DEFAULT.window),
      onBreach: z.enum(SOAK_BREACH_ACTIONS).default(SOAK_POLICY_DEFAULT.onBreach),
      unattended: z.boolean().default(SOAK_POLICY_DEFAULT.unattended),
    }),
  ])
  .default({ ...SOAK_POLICY_DEFAULT })
  .transform((soak) =>
    soak === false
      ? undefined
      : {
          onBreach: soak.onBreach,
          unattended: soak.unattended,
          windowSeconds: durationSeconds(soak.window) ?? SOAK_WINDOW_SECONDS.default,
        },
  );

/** A workflow's soak, as its execution input carries it (the policy's, in seconds). */
export const soakInputSchema = strictObject({
  windowSeconds: z.number().int().min(SOAK_WINDOW_SECONDS.min).max(SOAK_WINDOW_SECONDS.max),
  onBreach: z.enum(SOAK_BREACH_ACTIONS),
  unattended: z.boolean().default(false),
  /** Seconds between looks: each look reads the metrics since the last one. */
  lookSeconds: z.number().int().min(60).max(3600).default(300),
  /** Write latency above this (ms) is a breach; none: latency is reported, not judged. */
  maxWriteLatencyMs: z.number().positive().optional(),
});
export type SoakInput = z.output<typeof soakInputSchema>;

/** The looks a soak makes: one per `lookSeconds` over its window. */
export const soakLooks = (soak: Pick<SoakInput, 'windowSeconds' | 'lookSeconds'>) =>
  Math.ceil(soak.windowSeconds / soak.lookSeconds);

/** What one look read (shared/aws/durability-metrics.ts `DurabilityHealth`). */
export interface SoakReading {
  lagMs?: number;
  bufferExceeded?: number;
  trafficManagementActive?: boolean;
  writeLatencyMs?: number;
  writeLatencyP99Ms?: number;
}

/**
 * Why a look is a breach, one reason per metric over its threshold, with the numbers; empty
 * when the look is quiet (a metric without data is no breach).
 *
 * @example
 * soakBreaches({ lagMs: 8500 }, {}); // ['DurabilityLag 8500 ms reached 8000 ms (80 % of the 10 000 ms at which the primary rejects writes)']
 */
export function soakBreaches(reading: SoakReading, soak: Pick<SoakInput, 'maxWriteLatencyMs'>): string[] {
  const reasons: string[] = [];
  if (reading.lagMs !== undefined && reading.lagMs >= SOAK_THRESHOLDS.lagMs)
    reasons.push(
      `DurabilityLag ${reading.lagMs} ms reached ${SOAK_THRESHOLDS.lagMs} ms (80 % of the ${SOAK_THRESHOLDS.rejectLagMs} ms at which the primary rejects writes)`,
    );
  if ((reading.bufferExceeded ?? 0) > 0)
    reasons.push(`DurabilityBufferExceededErrorCount ${reading.bufferExceeded}: writes were rejected`);
  if (reading.trafficManagementActive === true)
    reasons.push('TrafficManagementActive 1: writes above what the transactional log takes were throttled');
  const budget = soak.maxWriteLatencyMs;
  if (budget !== undefined && reading.writeLatencyMs !== undefined && reading.writeLatencyMs > budget)
    reasons.push(`SuccessfulWriteRequestLatency ${reading.writeLatencyMs} ms above the ${budget} ms budget`);
  return reasons;
}

/**
 * The rule's soak as a workflow's input carries it, with the rule's write-latency budget
 * (`durability.maxWriteLatencyMs`): latency above it is a breach during the soak too. Undefined
 * for a rule with `soak: false`.
 *
 * @example
 * soakInputOf({ windowSeconds: 7200, onBreach: 'step-back', unattended: false }, 2);
 */
export function soakInputOf(
  policy: z.output<typeof soakPolicySchema>,
  maxWriteLatencyMs?: number,
): SoakInput | undefined {
  if (policy === undefined) return undefined;
  return soakInputSchema.parse(maxWriteLatencyMs === undefined ? policy : { ...policy, maxWriteLatencyMs });
}
