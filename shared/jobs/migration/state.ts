/**
 * What a migration execution carries from step to step (each part written at one ResultPath
 * of infra/migration.asl.yaml), parsed once per invocation with one schema, and the records
 * the workflow keeps in the state table.
 */
import * as z from 'zod';
import { type MigrationInput, parseMigrationInput } from '../../domain/migration/index.js';
import type { Resource } from '../../domain/resource.js';
import type { MigrationErrorName } from '../../domain/workflow/index.js';
import { parseInput } from '../../runtime/zod-issues.js';
import { APPROVAL_KINDS } from '../workflow/approval.js';
import { WorkflowError } from '../workflow/errors.js';

/** A failure of the migration's steps, named from MIGRATION_ERRORS or after an AWS fault. */
export class MigrationError extends WorkflowError {
  constructor(
    code: MigrationErrorName | { fault: string },
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}

/** Approval requests: the task token waits here for `guardrails migration approve|reject`. */
export const APPROVAL_KIND = APPROVAL_KINDS.migration;
const poll = { done: z.boolean(), attempt: z.number().int(), waitSeconds: z.number() };
const time = z.string().min(1);
const caught = z.looseObject({ Error: z.string(), Cause: z.string() });

const groupSummarySchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  engine: z.string().optional(),
  clusterMode: z.string().optional(),
  durability: z.string().optional(),
  effectiveDurability: z.string().optional(),
  storageEncryptionType: z.string().optional(),
});
export type GroupSummary = z.infer<typeof groupSummarySchema>;

const syncSchema = z.looseObject({
  ...poll,
  checkedAt: time.optional(),
  linkStatus: z.string().optional(),
  syncInProgress: z.boolean().optional(),
  lagBytes: z.number().optional(),
  problem: z.string().optional(),
  syncedAt: time.optional(),
});
export type SyncState = z.infer<typeof syncSchema>;

/**
 * Every part a step may read. Parts are loose objects, so a step's own extra fields survive;
 * other top-level keys are not read by any step (each step returns only its own part).
 */
const statePartsSchema = z.object({
  input: z.unknown(),
  preflight: z
    .looseObject({ at: time, group: groupSummarySchema, notes: z.array(z.string()), lockToken: z.string() })
    .optional(),
  snapshot: z
    .looseObject({
      ...poll,
      name: z.string(),
      status: z.string(),
      startedAt: time,
      availableAt: time.optional(),
      durability: z.string().optional(),
      size: z.string().optional(),
    })
    .optional(),
  test: z
    .looseObject({ ...poll, requestedAt: time, passedAt: time.optional(), message: z.string().optional() })
    .optional(),
  migration: z.looseObject({ started: z.literal(true), startedAt: time, sync: syncSchema }).optional(),
  approval: z.looseObject({ approved: z.boolean().optional(), by: z.string().optional() }).optional(),
  complete: z
    .looseObject({
      ...poll,
      requestedAt: time,
      confirmed: z.boolean().optional(),
      completedAt: time.optional(),
      group: groupSummarySchema.optional(),
      targetRole: z.string().optional(),
    })
    .optional(),
  durability: z
    .looseObject({
      ...poll,
      action: z.string().nullable(),
      actions: z.array(z.string()),
      reason: z.string(),
      status: z.string(),
    })
    .optional(),
  durabilityError: caught.optional(),
  abort: z
    .looseObject({
      ...poll,
      requestedAt: time,
      alreadyStopped: z.boolean(),
      /** False while the answer to Force=true was lost and the group not yet seen stopped. */
      confirmed: z.boolean(),
      stoppedAt: time.optional(),
    })
    .optional(),
  abortError: caught.optional(),
  error: caught.optional(),
});

/** The execution state once the input is validated: what every step after ValidateInput reads. */
export type MigrationState = Omit<z.infer<typeof statePartsSchema>, 'input'> & { input: MigrationInput };

/**
 * The execution state a Task received, parsed once: the validated input and each part the
 * steps wrote; a missing or malformed part is an InputValidationError naming the field.
 *
 * @example
 * const state = parseMigrationState(task.state);
 */
export function parseMigrationState(raw: unknown): MigrationState {
  const { input, ...parts } = parseInput(statePartsSchema, raw, 'migration state');
  return { ...parts, input: parseMigrationInput(input) };
}

/** A field the failure report reads; a malformed one is left out, never a reason not to report. */
const text = z.string().optional().catch(undefined);
const flag = z.boolean().optional().catch(undefined);
const reportPart = <Shape extends z.ZodRawShape>(shape: Shape) =>
  z.looseObject(shape).optional().catch(undefined);

/**
 * What the failure report reads, each part on its own: the report must go out whatever
 * failed, even ValidateInput (the state is then the raw input with the error beside it).
 */
const failureStateSchema = z.object({
  input: reportPart({ replicationGroupId: text }),
  replicationGroupId: text,
  error: caught.optional().catch(undefined),
  abortError: caught.optional().catch(undefined),
  snapshot: reportPart({ name: text, status: text, startedAt: text, availableAt: text }),
  test: reportPart({ requestedAt: text, passedAt: text }),
  migration: reportPart({ started: flag, startedAt: text, sync: reportPart({ syncedAt: text }) }),
  complete: reportPart({ requestedAt: text, completedAt: text }),
  abort: reportPart({ done: flag, requestedAt: text, stoppedAt: text }),
});
export type FailureState = Omit<z.infer<typeof failureStateSchema>, 'input' | 'replicationGroupId'> & {
  /** The group, from the validated input or, when validation failed, from the raw one. */
  groupId?: string;
};

/** The state of the failure path, read leniently (see failureStateSchema). */
export function parseFailureState(raw: Record<string, unknown>): FailureState {
  const { input, replicationGroupId, ...parts } = failureStateSchema.parse(raw);
  return { ...parts, groupId: input?.replicationGroupId ?? replicationGroupId };
}

/** The part of a group an execution reports. */
export function summary(group: Resource): GroupSummary {
  return {
    id: group.id,
    status: group.status,
    engine: group.engine,
    clusterMode: group.clusterMode,
    durability: group.durability,
    effectiveDurability: group.effectiveDurability,
    storageEncryptionType: group.storageEncryptionType,
  };
}
