/**
 * How one migration function runs its steps: the task event `{ action, execution, state }`
 * validated, the action looked up among the function's own steps, and failures named for the
 * state machine (`TransientError` is retried; final AWS faults carry the fault's name).
 */
import * as z from 'zod';
import { AwsCallError } from '../../aws/errors.js';
import { DETAIL_TYPES, type OutgoingEvent } from '../../aws/notify.js';
import type { RecordKind } from '../../aws/state-keys.js';
import { MIGRATION_ERRORS } from '../../domain/migration/index.js';
import { createHandler } from '../../runtime/handler.js';
import { createLogger } from '../../runtime/logger.js';
import { isRetryable } from '../../runtime/retryable.js';
import { MigrationError, type MigrationState } from './state.js';

export const migrationTaskSchema = z.looseObject({
  action: z.string().min(1),
  execution: z.string().min(1),
  state: z.looseObject({}),
  taskToken: z.string().min(1).optional(),
});
export type MigrationTask = z.infer<typeof migrationTaskSchema>;

/** What a step is given: its function's deps, the execution and the state it reads. */
export interface StepContext<Deps, State = MigrationState> {
  deps: Deps;
  execution: string;
  /** This invocation (the Lambda request id; the execution name when run locally). */
  invocation: string;
  state: State;
  taskToken?: string;
}

/** A step as the dispatch calls it: with the state as the task carried it. */
export type Step<Deps> = (context: StepContext<Deps, Record<string, unknown>>) => Promise<object>;

/**
 * A step that reads the state through `parse` (once, before it runs).
 *
 * @example
 * export const snapshotSteps = { create: parsed(parseMigrationState, startSnapshot) };
 */
export function parsed<Deps, State>(
  parse: (raw: Record<string, unknown>) => State,
  run: (context: StepContext<Deps, State>) => Promise<object>,
): Step<Deps> {
  return (context) => run({ ...context, state: parse(context.state) });
}

/**
 * Park a task token where the CLI's `approve|reject` finds it (the state table, never a
 * message), and give the operator's two commands. `workflow` is the CLI verb (`migration`).
 */
export async function parkTaskToken(
  store: { putRecord(kind: RecordKind<object>, key: string, value: object): Promise<void> },
  park: {
    kind: RecordKind<object>;
    workflow: string;
    groupId: string;
    execution: string;
    taskToken: string;
    requestedAt: string;
    /** What waits for the decision (an upgrade's step), shown by `status`. */
    step?: string;
  },
): Promise<string> {
  const { kind, workflow, groupId, execution, taskToken, requestedAt, step } = park;
  await store.putRecord(kind, groupId, {
    replicationGroupId: groupId,
    execution,
    taskToken,
    requestedAt,
    ...(step === undefined ? {} : { step }),
  });
  return `guardrails ${workflow} approve ${groupId}   (or: guardrails ${workflow} reject ${groupId} --reason "...")`;
}

/** Every time a step writes, on the deps' clock (the sandbox's own when run locally). */
export const iso = (deps: { now: () => Date }) => deps.now().toISOString();

/** A `Migration Step` event of this execution. */
export function stepEvent(context: StepContext<unknown>, step: string, detail: object = {}): OutgoingEvent {
  return {
    detailType: DETAIL_TYPES.migrationStep,
    detail: {
      replicationGroupId: context.state.input.replicationGroupId,
      execution: context.execution,
      step,
      ...detail,
    },
  };
}

/**
 * Run one action among `steps`. Retryable failures are renamed `TransientError` (the ASL
 * retries those); final AWS faults carry the fault's name.
 *
 * @example
 * await runSteps('migration-snapshot', snapshotSteps, deps, task, context.awsRequestId);
 */
export async function runSteps<Deps>(
  fn: string,
  steps: Readonly<Record<string, Step<Deps>>>,
  deps: Deps,
  task: MigrationTask,
  invocation: string,
): Promise<object> {
  const step = Object.hasOwn(steps, task.action) ? steps[task.action] : undefined;
  if (step === undefined)
    throw new MigrationError(
      MIGRATION_ERRORS.unknownAction,
      `${fn} has no action "${task.action}" (known: ${Object.keys(steps).join(', ')})`,
    );
  try {
    return await step({
      deps,
      execution: task.execution,
      invocation,
      state: task.state,
      taskToken: task.taskToken,
    });
  } catch (error) {
    if (isRetryable(error))
      throw new MigrationError(MIGRATION_ERRORS.transient, (error as Error).message, {
        retryable: true,
        cause: error,
      });
    if (error instanceof AwsCallError)
      throw new MigrationError({ fault: error.fault }, error.message, { cause: error });
    throw error;
  }
}

/**
 * The Lambda handler of one `migration-*` function: its own deps, built once per container,
 * the task event validated, errors left to the state machine's Retry and Catch.
 *
 * @example
 * export const handler = migrationHandler('migration-approval', approvalSteps, createApprovalDeps(process.env));
 */
export function migrationHandler<Deps>(fn: string, steps: Readonly<Record<string, Step<Deps>>>, deps: Deps) {
  return createHandler(
    { logger: createLogger(fn), eventSchema: migrationTaskSchema, onFinalError: 'throw' },
    (task, context) => runSteps(fn, steps, deps, task, context.awsRequestId),
  );
}
