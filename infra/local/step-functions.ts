/**
 * Runs an ASL state machine locally (aws-local-stepfunctions): each Task state calls a local
 * handler chosen by the Lambda function name at the end of its `Resource`, Wait states take
 * no real time but advance the caller's clock by what they would have waited, and every
 * state transition is counted, as Step Functions bills them.
 */
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

type Json = Parameters<StateMachine['run']>[0];
export type LocalTask = (input: Json) => Promise<Json>;

export interface LocalRunOptions {
  /** Handlers by Lambda function name (`migration-preflight`), matched against each Task's Resource. */
  tasks: Record<string, LocalTask>;
  /** Called with the seconds a Wait state would have slept (to advance an emulator clock). */
  onWait?: (seconds: number) => void;
  /** The execution is aborted after this many state transitions (a runaway loop guard). */
  maxTransitions?: number;
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
}

interface AslState {
  Type: string;
  Resource?: string;
  Parameters?: { FunctionName?: string };
  Seconds?: number;
  SecondsPath?: string;
}

function functionNameOf(state: AslState): string | undefined {
  const target =
    state.Resource === 'arn:aws:states:::lambda:invoke' ? state.Parameters?.FunctionName : state.Resource;
  return target?.split(':').pop();
}

function valueAtPath(input: unknown, path: string): unknown {
  let value = input;
  for (const key of path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

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
  // Wait states become local tasks that advance the caller's clock and return their input, so
  // time moves exactly between the tasks that surround them, with no real sleeping.
  const original = (definition as unknown as { States: Record<string, AslState> }).States;
  const states: Record<string, AslState> = {};
  const taskResourceLocalHandlers: Record<string, LocalTask> = {};
  for (const [name, state] of Object.entries(original)) {
    if (state.Type === 'Wait') {
      const { Seconds, SecondsPath, ...rest } = state as AslState & Record<string, unknown>;
      states[name] = {
        ...rest,
        Type: 'Task',
        Resource: 'arn:aws:lambda:us-east-1:000000000000:function:local-wait',
      };
      taskResourceLocalHandlers[name] = async (value) => {
        options.onWait?.(Seconds ?? Number(valueAtPath(value, SecondsPath ?? '$') ?? 0));
        return value;
      };
      continue;
    }
    states[name] = state;
    if (state.Type === 'Task') {
      const functionName = functionNameOf(state);
      const handler = functionName === undefined ? undefined : options.tasks[functionName];
      if (handler === undefined)
        throw new Error(`no local handler for Task state ${name} (${state.Resource})`);
      // The lambda:invoke integration hands the function its Payload and wraps the result.
      taskResourceLocalHandlers[name] =
        state.Resource === 'arn:aws:states:::lambda:invoke'
          ? async (value) => ({
              Payload: await handler((value as { Payload?: Json }).Payload ?? null),
              StatusCode: 200,
            })
          : handler;
    }
  }
  const machine = new StateMachine({ ...definition, States: states } as unknown as StateMachineDefinition, {
    validationOptions: { checkArn: false },
  });
  const execution = machine.run(input, {
    overrides: { taskResourceLocalHandlers, retryIntervalOverrides: {} },
  });
  const entered: string[] = [];
  const limit = options.maxTransitions ?? 10_000;
  const watching = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type !== 'StateEntered') continue;
      entered.push(event.state.name);
      if (entered.length >= limit) execution.abort();
    }
  })();
  let output: Json;
  try {
    output = await execution.result;
  } catch (error) {
    await watching.catch(() => undefined);
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
    throw new ExecutionFailedError(
      cause?.name ?? (error as Error).name,
      cause?.message ?? (error as Error).message,
      entered,
    );
  }
  await watching;
  return { output, states: entered, transitions: entered.length };
}
