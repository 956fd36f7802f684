/**
 * The soak's series: each look's window and what it read, kept in the execution state and in
 * the outcome (its `soak.series`) so that a report can draw the soak. Bounded: the longest soak
 * the input allows (24 h, a look a minute: 1 440 looks) keeps at most {@link SOAK_SERIES_MAX_LOOKS}
 * looks, far under the 256 KiB a Step Functions state may carry. Pure.
 */
import * as z from 'zod';
import { DURABILITY_LEVELS } from '../resource.js';
import { type SoakReading, soakInputSchema } from './soak.js';

/**
 * Looks kept. A 2 h soak at 5 minutes makes 24, the policy's longest (24 h at 5 minutes) 288;
 * past the bound, neighbouring looks are merged two by two (each keeps its window), so the
 * series spans the whole soak at a coarser step and a peak is never dropped.
 */
export const SOAK_SERIES_MAX_LOOKS = 96;

const time = z.string().min(1);

/** One look: its window `[from, to)` and the numbers read over it (a metric without data is absent). */
export const soakLookSchema = z.object({
  from: time,
  to: time,
  /** Highest `DurabilityLag` (ms) over the group's nodes. */
  lagMs: z.number().optional(),
  /** `DurabilityBufferExceededErrorCount`, summed over the nodes and the window. */
  bufferExceeded: z.number().optional(),
  /** Whether `TrafficManagementActive` was 1 on any node in the window. */
  trafficManagementActive: z.boolean().optional(),
  /** Highest 1-minute maximum of `SuccessfulWriteRequestLatency` (ms) over the nodes. */
  writeLatencyMs: z.number().optional(),
  /** Highest 1-minute p99 of `SuccessfulWriteRequestLatency` (ms) over the nodes. */
  writeLatencyP99Ms: z.number().optional(),
});
export type SoakLook = z.infer<typeof soakLookSchema>;

export const soakSeriesSchema = z.array(soakLookSchema).max(SOAK_SERIES_MAX_LOOKS);

const highest = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));

/** Two neighbouring looks as one over both windows: the highest lag and latency, errors summed, any throttling. */
function merged(first: SoakLook, second: SoakLook): SoakLook {
  const look: SoakLook = { from: first.from, to: second.to };
  const lagMs = highest(first.lagMs, second.lagMs);
  const writeLatencyMs = highest(first.writeLatencyMs, second.writeLatencyMs);
  const writeLatencyP99Ms = highest(first.writeLatencyP99Ms, second.writeLatencyP99Ms);
  const errors = [first.bufferExceeded, second.bufferExceeded].filter((value) => value !== undefined);
  const throttled = [first.trafficManagementActive, second.trafficManagementActive].filter(
    (value) => value !== undefined,
  );
  if (lagMs !== undefined) look.lagMs = lagMs;
  if (errors.length > 0) look.bufferExceeded = errors.reduce((sum, value) => sum + value, 0);
  if (throttled.length > 0) look.trafficManagementActive = throttled.includes(true);
  if (writeLatencyMs !== undefined) look.writeLatencyMs = writeLatencyMs;
  if (writeLatencyP99Ms !== undefined) look.writeLatencyP99Ms = writeLatencyP99Ms;
  return look;
}

/**
 * The series with one more look (its window and reading), merged two by two when it would pass
 * {@link SOAK_SERIES_MAX_LOOKS}.
 *
 * @example
 * withLook([], { from: '2026-12-01T10:00:00Z', to: '2026-12-01T10:05:00Z' }, { lagMs: 900 });
 * // [{ from: '2026-12-01T10:00:00Z', to: '2026-12-01T10:05:00Z', lagMs: 900 }]
 */
export function withLook(
  series: readonly SoakLook[],
  window: { from: string; to: string },
  reading: SoakReading,
): SoakLook[] {
  const looks = [...series, { ...window, ...reading }];
  if (looks.length <= SOAK_SERIES_MAX_LOOKS) return looks;
  const halved: SoakLook[] = [];
  for (let index = 0; index < looks.length; index += 2) {
    const [first, second] = [looks[index], looks[index + 1]];
    if (first !== undefined) halved.push(second === undefined ? first : merged(first, second));
  }
  return halved;
}

/** How a soak ended: `stepped-back` once the step back is read back, `stepping-back` when it was not. */
export const SOAK_OUTCOMES = ['watching', 'quiet', 'alerted', 'stepping-back', 'stepped-back'] as const;

/**
 * The soak's record: in the upgrade's outcome event (`soak`), and kept per group in the state
 * table (the last soak of each group), where `guardrails plan --format html` finds the series.
 */
export const soakRecordSchema = z.object({
  outcome: z.enum(SOAK_OUTCOMES).optional(),
  startedAt: time.optional(),
  lookedAt: time.optional(),
  looks: z.number().int().optional(),
  windowSeconds: z.number().int().optional(),
  lookSeconds: z.number().int().optional(),
  /** The rule's write-latency budget (ms), when it has one. */
  maxWriteLatencyMs: z.number().optional(),
  reasons: z.array(z.string()).optional(),
  reading: z.record(z.string(), z.union([z.number(), z.boolean()])).optional(),
  /** When the step back to async was sent. */
  steppedBackAt: time.optional(),
  /** Why no step back was made, when one was due. */
  stepBack: z.string().optional(),
  /** The error the execution failed with after its soak started (the group stays as it left it). */
  failed: z.string().optional(),
  series: soakSeriesSchema.default([]),
});
export type SoakRecord = z.infer<typeof soakRecordSchema>;

/**
 * The last soak of a group, kept in the state table (`RECORD_KINDS.lastSoak`, keyed by the
 * group's ARN): written by the upgrade's outcome step, read by `guardrails plan --format html`
 * and by the durability job, which does not raise again a group whose soak stepped it back
 * under the same target and soak (./soak-hold.ts) until an operator releases it.
 */
export const soakRunSchema = z.object({
  replicationGroupId: z.string(),
  arn: z.string(),
  execution: z.string(),
  /** The durability the execution reached before its soak (records before this field lack it). */
  target: z.enum(DURABILITY_LEVELS).optional(),
  /** The soak the execution ran, as its input carried it: a rule with another soak is a new decision. */
  soakInput: soakInputSchema.optional(),
  /** The rule whose in-place change the soak watched (absent for an upgrade's own change). */
  rule: z.string().optional(),
  soak: soakRecordSchema,
  /** `guardrails upgrade release`: the operator lets the job raise the group again. */
  released: z.object({ at: time, by: z.string(), reason: z.string() }).optional(),
});
export type SoakRun = z.infer<typeof soakRunSchema>;
