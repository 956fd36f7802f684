/**
 * A staged durability upgrade's input and rules, free of I/O: what an execution of
 * infra/durability-upgrade.asl.yaml may be started with and what the next look at the group
 * decides (the error names it routes on are in workflow/errors.ts).
 */
import * as z from 'zod';
import { InputValidationError } from '../../runtime/errors.js';
import { parseInput } from '../../runtime/zod-issues.js';
import { EXECUTION_QUOTAS, HISTORY_EVENTS, POLL_LOOK_EVENTS } from '../execution-history.js';
import { idSchema } from '../ids.js';
import { DURABILITY_LEVELS } from '../resource.js';
import { strictObject } from '../strict-object.js';
import { APPROVAL_TIMEOUT_SECONDS, type PollSchedule, WAIT_BUDGET_SECONDS } from '../workflow/index.js';
import { compareVersions, DURABLE_MIN_VALKEY } from './eligibility.js';
import { type DurabilityPlan, type PlanOptions, type PlanStep, STAGED_ACTIONS } from './readiness.js';
import { soakInputSchema, soakLooks } from './soak.js';
import { MAX_SHARDS } from './workload-fit.js';

const DURABLE_MIN = `${DURABLE_MIN_VALKEY[0]}.${DURABLE_MIN_VALKEY[1]}`;

const schedule = (firstWaitSeconds: number, maxWaitSeconds: number, maxAttempts: number) =>
  strictObject({
    firstWaitSeconds: z.number().int().min(1).max(3600).default(firstWaitSeconds),
    maxWaitSeconds: z.number().int().min(1).max(3600).default(maxWaitSeconds),
    maxAttempts: z.number().int().min(1).max(1000).default(maxAttempts),
  }).default({ firstWaitSeconds, maxWaitSeconds, maxAttempts });

export const upgradeInputSchema = strictObject({
  replicationGroupId: idSchema('replication group id'),
  target: z.enum(DURABILITY_LEVELS).exclude(['disabled']),
  /** Steps that run without an approval (the policy's `durability.stagedChanges.allow`). */
  allow: z.array(z.enum(STAGED_ACTIONS)).default([]),
  /** Whether the final `Durability` change runs without an approval (the rule enforces). */
  enforce: z.boolean().default(false),
  /**
   * The migration execution that handed its lock to this one before starting it: the Lock step
   * takes only that lock, never a free one (an abort that released it meanwhile wins).
   */
  lockHandedOverBy: z.string().min(1).max(80).optional(),
  /**
   * The shard count to reach before durability (`guardrails plan`'s workload fit): an `add-shards`
   * step once the group is in cluster mode enabled with fewer shards. Absent: shards stay.
   */
  shards: z.number().int().min(1).max(MAX_SHARDS).optional(),
  /** Plan and stop: nothing is locked for long, nothing changes. */
  dryRun: z.boolean().default(false),
  durabilitySwitch: z.enum(['online', 'creation-only']).default('online'),
  /**
   * The Valkey version an engine step goes to: durability needs {@link DURABLE_MIN_VALKEY} or
   * later (absent: that one, {@link engineVersionOf}). Given, it may not be below the group's own
   * version (refused at Lock); absent, a group already on a later Valkey is no downgrade.
   */
  engineVersion: z
    .string()
    .regex(/^\d{1,3}\.\d{1,3}$/, 'must be a Valkey version such as 9.0')
    .refine((version) => compareVersions(version, DURABLE_MIN) >= 0, {
      error: (issue) => `valkey ${String(issue.input)} is below ${DURABLE_MIN}, the first with durability`,
    })
    .optional(),
  /**
   * Watch the group after its durability changed (the rule's `durability.soak`); absent: no soak
   * (an execution started before soaks, or by an operator who gave none).
   */
  soak: soakInputSchema.optional(),
  /**
   * The durability job's change made in place (its lease's rule and start) that this execution
   * was started to watch: the plan finds the group at its target and the soak starts. Such an
   * execution changes nothing else: a plan that finds a step stops it, nothing sent.
   */
  inPlaceChange: strictObject({
    rule: z.string().min(1).max(256),
    startedAt: z.string().min(1).max(40),
  }).optional(),
  approvalTimeoutSeconds: z
    .number()
    .int()
    .min(APPROVAL_TIMEOUT_SECONDS.min)
    .max(APPROVAL_TIMEOUT_SECONDS.max)
    .default(43_200),
  /**
   * A step's modification is looked at 60 s after it, doubling to 15 min: a 2-hour step in
   * 12 looks, 7 hours at most. With 12 h per approval, 8 steps fit in the execution's 14 days.
   */
  polling: strictObject({ step: schedule(60, 900, 30), snapshot: schedule(30, 300, 40) }).default({
    step: { firstWaitSeconds: 60, maxWaitSeconds: 900, maxAttempts: 30 },
    snapshot: { firstWaitSeconds: 30, maxWaitSeconds: 300, maxAttempts: 40 },
  }),
});
export type UpgradeInput = z.output<typeof upgradeInputSchema>;

/**
 * Most steps a plan has (engine, node, replicas, Multi-AZ, TLS, 2 cluster mode, shards,
 * durability, and 2 parameter group copies).
 */
const MAX_STEPS = 11;

/**
 * Validate an execution's input; the error names every bad field. Refused when its waits could
 * outlast the execution (each step may wait for its own approval).
 *
 * @example
 * parseUpgradeInput({ replicationGroupId: 'orders', target: 'sync' });
 */
export function parseUpgradeInput(raw: unknown): UpgradeInput {
  const input = parseInput(upgradeInputSchema, raw, 'upgrade input');
  const worst = (poll: PollSchedule) => poll.maxAttempts * poll.maxWaitSeconds;
  const longest =
    worst(input.polling.snapshot) +
    MAX_STEPS * (input.approvalTimeoutSeconds + 2 * worst(input.polling.step));
  if (longest > WAIT_BUDGET_SECONDS) {
    throw new InputValidationError(
      `invalid upgrade input: polling: the waits could last ${Math.ceil(longest / 86_400)} days, more than the ${WAIT_BUDGET_SECONDS / 86_400} days an execution may wait (lower approvalTimeoutSeconds, maxAttempts or maxWaitSeconds)`,
    );
  }
  const events = upgradeHistoryEvents(input.polling, input.soak);
  if (events > EXECUTION_QUOTAS.historyEvents) {
    throw new InputValidationError(
      `invalid upgrade input: polling.step.maxAttempts, polling.snapshot.maxAttempts: the looks of ${MAX_STEPS} steps could write ${events} history events, more than the ${EXECUTION_QUOTAS.historyEvents} of an execution (lower them; polling.step.maxAttempts is ${input.polling.step.maxAttempts})`,
    );
  }
  return input;
}

/**
 * The most history events an execution with these schedules can write
 * (infra/durability-upgrade.asl.yaml, the event model of execution-history.ts): for each of the
 * plan's steps a plan that may wait while the group is busy, an approval, the step and its looks;
 * a last plan; the snapshot's looks; every other state once (both endings counted). Retried
 * attempts are not counted (3 events each): the margin under the quota is for them.
 */
export function upgradeHistoryEvents(polling: UpgradeInput['polling'], soak?: UpgradeInput['soak']): number {
  const { execution, task, callbackTask, choice, wait, pass, succeed, fail } = HISTORY_EVENTS;
  // Plan, Planned?, then each busy look: GroupBusy?, WaitForGroup, Plan, Planned?.
  const plan = task + choice + polling.step.maxAttempts * (choice + wait + task + choice);
  const step = choice + callbackTask + task + polling.step.maxAttempts * POLL_LOOK_EVENTS;
  const snapshot = task + choice + polling.snapshot.maxAttempts * POLL_LOOK_EVENTS;
  // ValidateInput, Lock, FinishSucceeded, Failed; a timeout's Pass; Succeeded; UpgradeFailed.
  const once = execution + 4 * task + pass + succeed + fail;
  return once + (MAX_STEPS + 1) * plan + MAX_STEPS * step + snapshot + soakHistoryEvents(soak, polling);
}

/**
 * The soak's events: Soak?, StartSoak and each look (WaitForSoak, CheckSoak, SoakDone?); a
 * step-back's approval (StepBack?, StepBackApproval?, the callback) and its request and looks.
 */
function soakHistoryEvents(soak: UpgradeInput['soak'], polling: UpgradeInput['polling']): number {
  const { task, callbackTask, choice } = HISTORY_EVENTS;
  if (soak === undefined) return choice;
  const stepBack = 2 * choice + callbackTask + task + polling.step.maxAttempts * POLL_LOOK_EVENTS;
  return choice + task + soakLooks(soak) * POLL_LOOK_EVENTS + stepBack;
}

/** The Valkey version an engine step of `input` goes to: the one given, else the first with durability. */
export const engineVersionOf = (input: Pick<UpgradeInput, 'engineVersion'>) =>
  input.engineVersion ?? DURABLE_MIN;

/** The planner's options an execution runs with. */
export function planOptionsOf(input: UpgradeInput): PlanOptions {
  return {
    allow: input.allow,
    enforce: input.enforce,
    durabilitySwitch: input.durabilitySwitch,
    engineVersion: engineVersionOf(input),
    shards: input.shards,
  };
}

/**
 * Why the input's engine version cannot be used on `group`: it is below the version the group
 * runs (an engine step would be a downgrade, which ElastiCache does not do online). Undefined
 * when it can, or when none was given (a group on a later Valkey then needs no engine step). Checked
 * at the first step that reads the group, before anything changes.
 *
 * @example
 * engineVersionRefusal({ id: 'orders', engine: 'valkey', engineVersion: '9.2' }, '9.0');
 * // 'engineVersion 9.0 is below the valkey 9.2 orders runs: an upgrade never downgrades (give 9.2 or later)'
 */
export function engineVersionRefusal(
  group: { id: string; engine?: string; engineVersion?: string },
  engineVersion: string | undefined,
): string | undefined {
  // Redis OSS versions go to Valkey (7.2 to 9.0); any Redis OSS version is below a durable Valkey.
  if (engineVersion === undefined || group.engine !== 'valkey' || group.engineVersion === undefined)
    return undefined;
  // A patch level (8.0.1) is the service's; the input names major.minor.
  const running = group.engineVersion.split('.').slice(0, 2).join('.');
  if (compareVersions(engineVersion, running) >= 0) return undefined;
  return `engineVersion ${engineVersion} is below the valkey ${running} ${group.id} runs: an upgrade never downgrades (give ${running} or later)`;
}

/** What one look at the group decides. */
export type UpgradeLook =
  | { kind: 'done'; reason: string }
  | { kind: 'busy'; status: string }
  | { kind: 'blocked'; reason: string }
  | { kind: 'not-applied'; step: PlanStep }
  | { kind: 'step'; step: PlanStep; remaining: number };

/** The same request: action, every parameter, and the values a new parameter group gets. */
export const sameStep = (a: PlanStep, b: PlanStep) =>
  a.action === b.action &&
  JSON.stringify(a.params) === JSON.stringify(b.params) &&
  JSON.stringify(a.parameters ?? {}) === JSON.stringify(b.parameters ?? {});

/**
 * The next thing to do, from the group's status and a fresh plan: wait while it is busy,
 * stop when it is at the target or cannot get there online, and catch a step that left the
 * group available but did not take (the same step planned again).
 */
export function nextUpgradeLook(
  group: { status: string; pendingModifications: boolean },
  plan: DurabilityPlan,
  lastApplied: PlanStep | undefined,
): UpgradeLook {
  if (plan.verdict === 'not-applicable') return { kind: 'done', reason: plan.reason };
  if (group.status !== 'available' || group.pendingModifications)
    return { kind: 'busy', status: group.status };
  if (plan.verdict === 'rebuild')
    return { kind: 'blocked', reason: `needs a rebuild: ${plan.blockers.join('; ')}` };
  if (plan.verdict === 'unknown') return { kind: 'blocked', reason: `unknown: ${plan.missing.join(', ')}` };
  const [step] = plan.steps;
  if (step === undefined) return { kind: 'done', reason: `already ${plan.target}` };
  if (lastApplied !== undefined && sameStep(step, lastApplied)) return { kind: 'not-applied', step };
  return { kind: 'step', step, remaining: plan.steps.length };
}

/**
 * The wait schedule of one step: its first look comes after a third of the step's expected
 * duration (at least the input's first wait, at most its longest), then doubles as usual. A
 * 45-minute engine upgrade is looked at after 15, 30 and 45 minutes instead of after 1, 3, 7,
 * 15, 30 and 45: fewer state transitions for the same answer.
 */
export function stepSchedule(schedule: PollSchedule, step: Pick<PlanStep, 'expectedMinutes'>): PollSchedule {
  const third = Math.round((step.expectedMinutes * 60) / 3);
  return {
    ...schedule,
    firstWaitSeconds: Math.min(schedule.maxWaitSeconds, Math.max(schedule.firstWaitSeconds, third)),
  };
}
