/**
 * How a workflow function runs its steps, for both state machines: the task event
 * `{ action, execution, state }` validated, the action looked up among the function's own
 * steps, and failures named for the state machine (`TransientError` is retried; final AWS
 * faults carry the fault's name).
 */
import * as z from 'zod';
import { AwsCallError } from '../../aws/errors.js';
import { WORKFLOW_ERRORS } from '../../domain/workflow/index.js';
import { isRetryable } from '../../runtime/retryable.js';
import type { FunctionBase } from '../function-base.js';
import { WorkflowError } from './errors.js';

export const workflowTaskSchema = z.looseObject({
  action: z.string().min(1),
  execution: z.string().min(1),
  state: z.looseObject({}),
  taskToken: z.string().min(1).optional(),
});
export type WorkflowTask = z.infer<typeof workflowTaskSchema>;

/** What a step is given: its function's deps, the execution and the state it reads. */
export interface StepContext<Deps, State> {
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

/** Every time a step writes, on the deps' clock (the sandbox's own when run locally). */
export const iso = (deps: { now: () => Date }) => deps.now().toISOString();

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
  task: WorkflowTask,
  invocation: string,
): Promise<object> {
  const step = Object.hasOwn(steps, task.action) ? steps[task.action] : undefined;
  if (step === undefined)
    throw new WorkflowError(
      WORKFLOW_ERRORS.unknownAction,
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
      throw new WorkflowError(WORKFLOW_ERRORS.transient, (error as Error).message, {
        retryable: true,
        cause: error,
      });
    if (error instanceof AwsCallError)
      throw new WorkflowError({ fault: error.fault }, error.message, { cause: error });
    throw error;
  }
}

/**
 * The Lambda handler of one workflow function (`migration-*`, `durability-upgrade`): its own
 * deps, built once per container on its base (shared/jobs/function-base.ts), the task event
 * validated, errors left to the state machine's Retry and Catch.
 *
 * @example
 * export const handler = workflowHandler(createMigrationApprovalDeps(), approvalSteps);
 */
export function workflowHandler<Deps extends Pick<FunctionBase, 'component' | 'handler'>>(
  deps: Deps,
  steps: Readonly<Record<string, Step<Deps>>>,
) {
  return deps.handler({ eventSchema: workflowTaskSchema, onFinalError: 'throw' }, (task, context) =>
    runSteps(deps.component, steps, deps, task, context.awsRequestId),
  );
}
