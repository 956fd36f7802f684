/**
 * An online migration's input and schedule, free of I/O: what an execution may be started with
 * (validated before anything is touched), how long each wait loop sleeps between looks, and the
 * pre-migration snapshot's name.
 */
import { isIP } from 'node:net';
import * as z from 'zod';
import { InputValidationError } from '../../runtime/errors.js';
import { parseInput } from '../../runtime/zod-issues.js';
import { EXECUTION_QUOTAS, HISTORY_EVENTS, POLL_LOOK_EVENTS } from '../execution-history.js';
import { idSchema } from '../ids.js';
import {
  APPROVAL_TIMEOUT_SECONDS,
  type PollSchedule,
  pollScheduleSchema,
  WAIT_BUDGET_SECONDS,
} from '../workflow/index.js';

/** The wait loops of the state machine, each polled with its own schedule. */
export const POLL_LOOPS = ['snapshot', 'test', 'sync', 'complete', 'abort', 'durability'] as const;
export type PollLoop = (typeof POLL_LOOPS)[number];

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
  replicationGroupId: idSchema('replication group id'),
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
    .min(APPROVAL_TIMEOUT_SECONDS.min)
    .max(APPROVAL_TIMEOUT_SECONDS.max)
    .default(86_400),
  /** How far (bytes of replication offset) the target may trail the source and count as in sync. */
  maxLagBytes: z.number().int().min(0).default(1_048_576),
  /** Name of the pre-migration snapshot; derived from the group and the execution by default. */
  snapshotName: z
    .string()
    .regex(/^[a-zA-Z][a-zA-Z0-9-]{0,254}$/, 'must start with a letter; letters, digits and hyphens only')
    .optional(),
  polling: z
    .strictObject(Object.fromEntries(POLL_LOOPS.map((loop) => [loop, pollScheduleSchema.optional()])))
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

/** The default pre-migration snapshot name: group, then the execution, within 255 characters. */
export function migrationSnapshotName(input: MigrationInput, execution: string): string {
  if (input.snapshotName !== undefined) return input.snapshotName;
  const safe = execution.replace(/[^a-zA-Z0-9-]/g, '-').replace(/-+/g, '-');
  return `${input.replicationGroupId}-premigration-${safe}`.slice(0, 255).replace(/-$/, '');
}
