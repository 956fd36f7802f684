/**
 * Runs an ASL state machine locally (aws-local-stepfunctions) with its states made local
 * (local-states.ts: each Task calls a local handler chosen by the Lambda function name at the
 * end of its `Resource`, Wait states take no real time but advance the caller's clock by what
 * they would have waited, a Distributed Map's items run as child executions of their own, read
 * from and written to S3 when it says so). Every state transition is counted, as Step Functions
 * bills them, and the execution quotas hold (execution-quotas.ts: 256 KiB per input and output,
 * 25 000 history events), a child execution's apart from its parent's.
 */
import { readFileSync } from 'node:fs';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { parse } from 'yaml';
import { ExecutionQuotas } from './execution-quotas.js';
import {
  ARN_BASE,
  type ChildRuns,
  type Json,
  type LocalRunOptions,
  type LocalTask,
  localStates,
  type RunChild,
  TASK_TOKEN,
} from './local-states.js';

export { type ChildRuns, type LocalRunOptions, type LocalTask, TASK_TOKEN } from './local-states.js';

/** Read an ASL file (JSON or YAML, anchors allowed) as a definition object. */
export function loadDefinition(path: string | URL): StateMachineDefinition {
  return parse(readFileSync(path, 'utf8'), { merge: true }) as StateMachineDefinition;
}

/** The execution failed: `error` and `cause` are what Step Functions reports (a Fail state's Error and Cause). */
export class ExecutionFailedError extends Error {
  constructor(
    readonly error: string,
    readonly causeText: string,
    readonly states: string[],
  ) {
    super(`${error}: ${causeText}`);
    this.name = 'ExecutionFailedError';
  }
}

export interface LocalRunResult {
  output: Json;
  /** States entered, in order. */
  states: string[];
  transitions: number;
  /** History events the execution wrote, as execution-quotas.ts counts them. */
  historyEvents: number;
  /** The largest input or output of the execution or one of its states, in bytes (the quota is 262 144). */
  largestPayload: number;
  /** Its Distributed Maps' child executions, counted apart (each has its own history and quotas). */
  children: ChildRuns;
}

/** One child execution of a Distributed Map: a run of its own, whose failure is its outcome. */
const runChild: RunChild = async (definition, input, options) => {
  try {
    const run = await runLocalStateMachine(
      definition as unknown as StateMachineDefinition,
      input as Json,
      options,
    );
    options.children.largestPayload = Math.max(options.children.largestPayload, run.largestPayload);
    return { status: 'SUCCEEDED', output: run.output, transitions: run.transitions, states: run.states };
  } catch (error) {
    if (!(error instanceof ExecutionFailedError)) throw error;
    const { states } = error;
    return {
      status: 'FAILED',
      error: error.error,
      cause: error.causeText,
      transitions: states.length,
      states,
    };
  }
};

/**
 * The runnable definitions asl-validator accepted already, by their JSON: each validation
 * compiles its JSON schema anew (about half a second of CPU), and a definition valid once is
 * valid again. One that is not is never kept, so it is refused at every run.
 */
const VALIDATED = new Set<string>();

/**
 * Execute `definition` with `input`; throws ExecutionFailedError (with the failure's Error,
 * Cause and the states entered) when the execution fails or is aborted.
 *
 * @example
 * const run = await runLocalStateMachine(asl, { replicationGroupId: 'orders' }, { tasks, onWait: (s) => clock.advance(s * 1000) });
 */
export async function runLocalStateMachine(
  definition: StateMachineDefinition,
  input: Json,
  options: LocalRunOptions,
): Promise<LocalRunResult> {
  const { states, taskResourceLocalHandlers, retryIntervalOverrides, children } = localStates(
    definition,
    options,
    runChild,
  );
  const quotas = new ExecutionQuotas(
    definition as unknown as ConstructorParameters<typeof ExecutionQuotas>[0],
  );
  const entered: string[] = [];
  const failed = () =>
    new ExecutionFailedError(quotas.failure?.error ?? '', quotas.failure?.cause ?? '', entered);
  if (quotas.checkPayload('the execution input', input)) throw failed();
  const local = { ...definition, States: states } as unknown as StateMachineDefinition;
  const key = JSON.stringify(local);
  const machine = new StateMachine(local, {
    // A child's definition was validated with its parent's; a definition validated once is valid.
    validationOptions:
      options.children !== undefined || VALIDATED.has(key) ? { noValidate: true } : { checkArn: true },
  });
  VALIDATED.add(key);
  let abort = () => {};
  const execution = machine.run(input, {
    overrides: {
      taskResourceLocalHandlers: withinQuotas(taskResourceLocalHandlers, quotas, () => abort()),
      retryIntervalOverrides,
    },
    context: {
      Execution: {
        Id: `${ARN_BASE}:execution:local:${options.executionName ?? 'local'}`,
        Name: options.executionName ?? 'local',
        Input: input,
        StartTime: new Date().toISOString(),
      },
      Task: { Token: TASK_TOKEN },
    },
  });
  abort = () => execution.abort();
  const limit = options.maxTransitions ?? 10_000;
  const watching = (async () => {
    for await (const event of execution.eventLogs) {
      // Once a quota is passed the execution has ended: a state the interpreter enters after it is not.
      const ended = quotas.failure !== undefined;
      if (quotas.observe(event)) execution.abort();
      if (event.type !== 'StateEntered' || ended) continue;
      entered.push(event.state.name);
      if (entered.length >= limit) execution.abort();
    }
  })();
  let output: Json;
  try {
    output = await execution.result;
  } catch (error) {
    await watching.catch(() => undefined);
    if (quotas.failure !== undefined) throw failed();
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
    throw new ExecutionFailedError(
      cause?.name ?? (error as Error).name,
      cause?.message ?? (error as Error).message,
      entered,
    );
  }
  await watching;
  if (quotas.failure !== undefined || quotas.checkPayload('the execution output', output)) throw failed();
  return {
    output,
    states: entered,
    transitions: entered.length,
    historyEvents: quotas.historyEvents,
    largestPayload: quotas.largestPayload,
    children,
  };
}

/**
 * Handlers that keep to the quotas: each starts only once every earlier event is counted (a
 * macrotask later), and a quota passed before it, or by its own input or result, ends the
 * execution there: the handler never settles, so no Retry or Catch of the state runs.
 */
function withinQuotas(
  handlers: Record<string, LocalTask>,
  quotas: ExecutionQuotas,
  abort: () => void,
): Record<string, LocalTask> {
  const never = new Promise<Json>(() => {});
  const stop = () => {
    abort();
    return never;
  };
  return Object.fromEntries(
    Object.entries(handlers).map(([name, handler]) => [
      name,
      async (value: Json) => {
        await new Promise((resolve) => setImmediate(resolve));
        if (quotas.failure !== undefined || quotas.checkPayload(`the input of task ${name}`, value))
          return stop();
        const result = await handler(value);
        return quotas.checkPayload(`the result of task ${name}`, result) ? stop() : result;
      },
    ]),
  );
}
