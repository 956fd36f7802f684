/**
 * An online migration's input and schedule, free of I/O: the error names the state machine
 * routes on, what an execution may be started with (validated before anything is touched),
 * how long each wait loop sleeps between looks, and the pre-migration snapshot's name.
 */
import { isIP } from 'node:net';
import * as z from 'zod';
import { InputValidationError } from '../../runtime/errors.js';
import { EXECUTION_QUOTAS, HISTORY_EVENTS, POLL_LOOK_EVENTS } from '../execution-history.js';
import { parseInput } from '../zod-issues.js';

/**
 * Every error name of the migration workflow: the ASL's Retry and Pass/Fail states, the
 * steps' failures (each a Catch in the ASL) and an operator's decisions sent through the
 * task token. AWS faults keep their own names (`ReplicationGroupNotUnderMigrationFault`).
 */
export const MIGRATION_ERRORS = {
  /** Throttling, 5xx, a node not reached: the state machine retries it with backoff. */
  transient: 'TransientError',
  snapshotTimeout: 'SnapshotTimeout',
  testTimeout: 'TestMigrationTimeout',
  syncTimeout: 'SyncTimeout',
  completeTimeout: 'CompleteMigrationTimeout',
  /** The failure report itself could not be sent. */
  unreported: 'MigrationFailed',
  groupNotFound: 'GroupNotFound',
  locked: 'MigrationLocked',
  preflightFailed: 'PreflightFailed',
  stateMissing: 'StateMissing',
  snapshotMissing: 'SnapshotMissing',
  snapshotFailed: 'SnapshotFailed',
  testFailed: 'TestMigrationFailed',
  completeFailed: 'CompleteMigrationFailed',
  postVerifyFailed: 'PostVerifyFailed',
  abortRefused: 'AbortRefused',
  interrupted: 'MigrationInterrupted',
  taskTokenMissing: 'TaskTokenMissing',
  unknownAction: 'UnknownAction',
  /** An operator's `guardrails migration reject`. */
  rejected: 'MigrationRejected',
  /** An operator's `guardrails migration abort` (at the approval step or the next sync check). */
  aborted: 'MigrationAborted',
} as const;
export type MigrationErrorName = (typeof MIGRATION_ERRORS)[keyof typeof MIGRATION_ERRORS];

/** The names infra/migration.asl.yaml writes itself: the one it retries and those its states raise. */
export const STATE_MACHINE_ERRORS: readonly MigrationErrorName[] = [
  MIGRATION_ERRORS.transient,
  MIGRATION_ERRORS.snapshotTimeout,
  MIGRATION_ERRORS.testTimeout,
  MIGRATION_ERRORS.syncTimeout,
  MIGRATION_ERRORS.completeTimeout,
  MIGRATION_ERRORS.unreported,
];

/**
 * How long an execution may spend waiting in all: the state machine's TimeoutSeconds is 14
 * days, and a day is left for the work between the waits.
 */
export const WAIT_BUDGET_SECONDS = 13 * 86_400;

/** The wait loops of the state machine, each polled with its own schedule. */
export const POLL_LOOPS = ['snapshot', 'test', 'sync', 'complete', 'abort', 'durability'] as const;
export type PollLoop = (typeof POLL_LOOPS)[number];

const pollSchedule = z.strictObject({
  /** Seconds of the first wait; each later wait doubles, up to `maxWaitSeconds`. */
  firstWaitSeconds: z.number().int().min(1).max(3600),
  maxWaitSeconds: z.number().int().min(1).max(3600),
  /** Looks before the loop gives up (the Choice state compares against this). */
  maxAttempts: z.number().int().min(1).max(1000),
});
export type PollSchedule = z.infer<typeof pollSchedule>;

/**
 * Default schedules. A 2-hour sync is seen in 11 looks (60 s doubling to 15 min), so a whole
 * execution stays well under 80 state transitions; see bench/README.md.
 */
export const DEFAULT_POLLING: Record<PollLoop, PollSchedule> = {
  snapshot: { firstWaitSeconds: 30, maxWaitSeconds: 300, maxAttempts: 40 },
  test: { firstWaitSeconds: 15, maxWaitSeconds: 60, maxAttempts: 20 },
  sync: { firstWaitSeconds: 60, maxWaitSeconds: 900, maxAttempts: 120 },
  complete: { firstWaitSeconds: 30, maxWaitSeconds: 120, maxAttempts: 30 },
  abort: { firstWaitSeconds: 30, maxWaitSeconds: 120, maxAttempts: 30 },
  durability: { firstWaitSeconds: 60, maxWaitSeconds: 900, maxAttempts: 20 },
};

const HOSTNAME =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

const endpoint = z.strictObject({
  address: z
    .string()
    .refine((value) => isIP(value) !== 0 || HOSTNAME.test(value), 'must be a host name or an IP address'),
  port: z.number().int().min(1, 'must be 1-65535').max(65535, 'must be 1-65535'),
});
export type CustomerEndpoint = z.infer<typeof endpoint>;

export const migrationInputSchema = z.strictObject({
  replicationGroupId: z
    .string()
    .regex(
      /^[a-zA-Z][a-zA-Z0-9-]{0,39}$/,
      'must be a replication group id (letter first, 1-40 letters, digits, hyphens)',
    ),
  customerEndpoints: z
    .array(endpoint)
    .min(1, 'at least one endpoint is required')
    .max(500)
    .refine(
      (list) =>
        new Set(list.map((item) => `${item.address.toLowerCase()}:${item.port}`)).size === list.length,
      'endpoints must not repeat',
    ),
  /** Stop after the preflight checks: nothing is created or changed. */
  dryRun: z.boolean().default(false),
  /** Wait for an operator's approval (task token) before CompleteMigration. */
  requireApproval: z.boolean().default(false),
  approvalTimeoutSeconds: z
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .default(86_400),
  /** How far (bytes of replication offset) the target may trail the source and count as in sync. */
  maxLagBytes: z.number().int().min(0).default(1_048_576),
  /** Name of the pre-migration snapshot; derived from the group and the execution by default. */
  snapshotName: z
    .string()
    .regex(/^[a-zA-Z][a-zA-Z0-9-]{0,254}$/, 'must start with a letter; letters, digits and hyphens only')
    .optional(),
  polling: z
    .strictObject(Object.fromEntries(POLL_LOOPS.map((loop) => [loop, pollSchedule.optional()])))
    .optional(),
});

export type MigrationInput = Omit<z.infer<typeof migrationInputSchema>, 'polling'> & {
  polling: Record<PollLoop, PollSchedule>;
};

/**
 * Validate an execution's input and fill in the defaults; the error names every bad field.
 *
 * @example
 * parseMigrationInput({ replicationGroupId: 'orders', customerEndpoints: [{ address: '10.0.0.5', port: 6379 }] });
 */
export function parseMigrationInput(raw: unknown): MigrationInput {
  const { polling, ...rest } = parseInput(migrationInputSchema, raw, 'migration input');
  const merged = Object.fromEntries(
    POLL_LOOPS.map((loop) => [loop, { ...DEFAULT_POLLING[loop], ...(polling?.[loop] ?? {}) }]),
  ) as Record<PollLoop, PollSchedule>;
  for (const loop of POLL_LOOPS) {
    if (merged[loop].maxWaitSeconds < merged[loop].firstWaitSeconds) {
      throw new InputValidationError(
        `invalid migration input: polling.${loop}.maxWaitSeconds: must not be below firstWaitSeconds`,
      );
    }
  }
  // The execution's own timeout would end it without the abort path: every wait must fit in it.
  const longest =
    rest.approvalTimeoutSeconds +
    POLL_LOOPS.reduce((sum, loop) => sum + merged[loop].maxAttempts * merged[loop].maxWaitSeconds, 0);
  if (longest > WAIT_BUDGET_SECONDS) {
    throw new InputValidationError(
      `invalid migration input: polling: the waits could last ${Math.ceil(longest / 86_400)} days, more than the ${WAIT_BUDGET_SECONDS / 86_400} days an execution may wait (lower maxAttempts or maxWaitSeconds, or approvalTimeoutSeconds)`,
    );
  }
  const events = migrationHistoryEvents(merged);
  if (events > EXECUTION_QUOTAS.historyEvents) {
    const most = POLL_LOOPS.reduce((a, b) => (merged[b].maxAttempts > merged[a].maxAttempts ? b : a));
    throw new InputValidationError(
      `invalid migration input: polling.*.maxAttempts: the looks could write ${events} history events, more than the ${EXECUTION_QUOTAS.historyEvents} of an execution (${POLL_LOOK_EVENTS} a look; lower maxAttempts, polling.${most}.maxAttempts is ${merged[most].maxAttempts})`,
    );
  }
  return { ...rest, polling: merged };
}

/**
 * The most history events an execution with these schedules can write (infra/migration.asl.yaml,
 * the event model of execution-history.ts): every state outside the loops once (both endings
 * counted), and every look of every loop (Wait, the Task that looks, the Choice). Retried
 * attempts are not counted: 3 events each, they are what the margin under the quota is for.
 */
export function migrationHistoryEvents(polling: Record<PollLoop, PollSchedule>): number {
  const { execution, task, callbackTask, choice, pass, succeed, fail } = HISTORY_EVENTS;
  // Validate, Preflight, CreateSnapshot, TestMigration, StartMigration, CompleteMigration, the
  // first RaiseDurability, FinishSucceeded, Abort, Failed; DryRun?, ApprovalRequired?, the first
  // DurabilityRaised? and Aborted?; a timeout's Pass; Succeeded; MigrationFailed.
  const once = execution + 10 * task + callbackTask + 4 * choice + pass + succeed + fail;
  return once + POLL_LOOPS.reduce((sum, loop) => sum + polling[loop].maxAttempts * POLL_LOOK_EVENTS, 0);
}

/** Where a wait loop stands: looks made so far and the next wait. */
export interface PollState {
  done: boolean;
  attempt: number;
  waitSeconds: number;
}

/** The state a loop starts in, right after the action it waits on. */
export function firstPoll(schedule: PollSchedule): PollState {
  return { done: false, attempt: 0, waitSeconds: schedule.firstWaitSeconds };
}

/** The state after one more look: the wait doubles up to the schedule's ceiling. */
export function nextPoll(
  previous: Pick<PollState, 'attempt'>,
  schedule: PollSchedule,
  done: boolean,
): PollState {
  const attempt = previous.attempt + 1;
  return {
    done,
    attempt,
    waitSeconds: Math.min(schedule.maxWaitSeconds, schedule.firstWaitSeconds * 2 ** attempt),
  };
}

/** The default pre-migration snapshot name: group, then the execution, within 255 characters. */
export function migrationSnapshotName(input: MigrationInput, execution: string): string {
  if (input.snapshotName !== undefined) return input.snapshotName;
  const safe = execution.replace(/[^a-zA-Z0-9-]/g, '-').replace(/-+/g, '-');
  return `${input.replicationGroupId}-premigration-${safe}`.slice(0, 255).replace(/-$/, '');
}
