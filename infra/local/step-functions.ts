/**
 * Runs an ASL state machine locally (aws-local-stepfunctions): each Task state calls a local
 * handler chosen by the Lambda function name at the end of its `Resource`, Wait states take
 * no real time but advance the caller's clock by what they would have waited, every state
 * transition is counted, as Step Functions bills them, and the execution quotas hold
 * (execution-quotas.ts: 256 KiB per input and output, 25 000 history events). A Distributed
 * Map's items run as child executions of their own, read from and written to S3 when it says
 * so (distributed-map.ts).
 */
import { readFileSync } from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { parse } from 'yaml';
import {
  type ChildCounts,
  type ChildOutcome,
  checkDistributedMap,
  type DistributedMapState,
  distributedMapTask,
  noChildren,
  withoutMapFields,
} from './distributed-map.js';
import { ExecutionQuotas } from './execution-quotas.js';

type Json = Parameters<StateMachine['run']>[0];
/** The task token local executions hand to `.waitForTaskToken` tasks. */
export const TASK_TOKEN = 'local-task-token';
export type LocalTask = (input: Json) => Promise<Json>;

export interface LocalRunOptions {
  /** Handlers by Lambda function name (`migration-preflight`), matched against each Task's Resource. */
  tasks: Record<string, LocalTask>;
  /** Called with the seconds a Wait state would have slept (to advance an emulator clock). */
  onWait?: (seconds: number) => void | Promise<void>;
  /** The execution is aborted after this many state transitions (a runaway loop guard). */
  maxTransitions?: number;
  /**
   * For `.waitForTaskToken` tasks: called after the task's function returned, with the task
   * token; resolves with the task's output (SendTaskSuccess) or throws an error whose `name`
   * is the task's Error (SendTaskFailure, or `States.Timeout`).
   */
  onTaskToken?: (token: string, stateName: string) => Promise<Json>;
  /** The execution's name (`$$.Execution.Name`). */
  executionName?: string;
  /** The state machine role's S3 client: what a Distributed Map's ItemReader and ResultWriter use. */
  s3?: S3Client;
  /** Where a child execution counts itself (set by the runner for Distributed Map children). */
  children?: ChildRuns;
}

/** A run's Distributed Map children (nested too): counts by type, states entered, largest state of one that succeeded. */
export interface ChildRuns {
  counts: ChildCounts;
  states: string[];
  largestPayload: number;
}

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

interface AslProcessor {
  ProcessorConfig?: { Mode?: string; ExecutionType?: string };
  StartAt: string;
  States: Record<string, AslState>;
}

interface AslState {
  Type: string;
  ItemProcessor?: AslProcessor;
  Iterator?: AslProcessor;
  Resource?: string;
  Parameters?: { FunctionName?: string };
  Seconds?: number;
  SecondsPath?: string;
  TimeoutSeconds?: number;
}

const INVOKE = 'arn:aws:states:::lambda:invoke';
const INVOKE_WAIT = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

/** The function a Task calls: the end of its ARN, or the name in a `${name}` placeholder. */
function functionNameOf(state: AslState): string | undefined {
  const target =
    state.Resource === INVOKE || state.Resource === INVOKE_WAIT
      ? state.Parameters?.FunctionName
      : state.Resource;
  const placeholder = target?.match(/^\$\{(.+)\}$/)?.[1];
  return placeholder ?? target?.split(':').pop();
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

type LocalHandlers = {
  taskResourceLocalHandlers: Record<string, LocalTask>;
  retryIntervalOverrides: Record<string, number>;
  children: ChildRuns;
};

const ARN_BASE = 'arn:aws:states:us-east-1:000000000000';
/**
 * The timeout every local task gets. Step Functions sets none where the definition sets none
 * ("By default, the Amazon States Language doesn't specify timeouts", sfn-stuck-execution), and
 * a Map state has no TimeoutSeconds at all; aws-local-stepfunctions would fail any task after
 * 60 s. This is the longest a Node timer takes (2^31 - 1 ms): a longer one would fire at once.
 */
const LOCAL_TASK_TIMEOUT_SECONDS = 2_147_483;

/** One child execution of a Distributed Map: a run of its own, whose failure is its outcome. */
async function runChild(
  definition: { StartAt: string; States: Record<string, unknown> },
  input: unknown,
  name: string,
  options: LocalRunOptions,
  children: ChildRuns,
): Promise<ChildOutcome> {
  try {
    const run = await runLocalStateMachine(definition as unknown as StateMachineDefinition, input as Json, {
      ...options,
      executionName: name,
      children,
    });
    children.largestPayload = Math.max(children.largestPayload, run.largestPayload);
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
}

/**
 * A Distributed Map made a local task that runs the whole Map Run (distributed-map.ts): each
 * item (or batch) is a child execution of its own, as on AWS. Checked before anything runs,
 * its item states included.
 */
function localDistributedMap(
  name: string,
  state: AslState,
  options: LocalRunOptions,
  out: LocalHandlers,
): AslState {
  const map = state as unknown as DistributedMapState;
  checkDistributedMap(name, map, options.s3);
  localizeStates(map.ItemProcessor.States as Record<string, AslState>, options, {
    ...out,
    taskResourceLocalHandlers: {},
    retryIntervalOverrides: {},
  });
  const task = withoutMapFields(state as AslState & Record<string, unknown>);
  if ('Retry' in task) out.retryIntervalOverrides[name] = 0;
  out.taskResourceLocalHandlers[name] = distributedMapTask(name, map, {
    s3: options.s3,
    runChild: (definition, input, child) => runChild(definition, input, child, options, out.children),
    counts: out.children.counts,
    childStates: out.children.states,
    arnBase: ARN_BASE,
    executionName: options.executionName ?? 'local',
  }) as LocalTask;
  return {
    ...task,
    Type: 'Task',
    Resource: `${ARN_BASE.replace(':states:', ':lambda:')}:function:local-distributed-map`,
    TimeoutSeconds: LOCAL_TASK_TIMEOUT_SECONDS,
  };
}

/** A Task state made runnable here: its local handler by the function it calls; retries do not wait. */
function localTask(name: string, state: AslState, options: LocalRunOptions, out: LocalHandlers): AslState {
  // Timeouts are real time here; a waitForTaskToken timeout is simulated by onTaskToken.
  const { TimeoutSeconds, TimeoutSecondsPath, HeartbeatSeconds, ...task } = state as AslState &
    Record<string, unknown>;
  if ('Retry' in task) out.retryIntervalOverrides[name] = 0;
  const functionName = functionNameOf(state);
  const handler = functionName === undefined ? undefined : options.tasks[functionName];
  if (handler === undefined) throw new Error(`no local handler for Task state ${name} (${state.Resource})`);
  if (state.Resource === INVOKE_WAIT) {
    // The function is handed its Payload; the task's result is the decision sent with the token.
    out.taskResourceLocalHandlers[name] = async (value) => {
      await handler((value as { Payload?: Json }).Payload ?? null);
      if (options.onTaskToken === undefined)
        throw new Error(`Task state ${name} waits for a task token: pass onTaskToken`);
      return options.onTaskToken(TASK_TOKEN, name);
    };
  } else if (state.Resource === INVOKE) {
    // The lambda:invoke integration hands the function its Payload and wraps the result.
    out.taskResourceLocalHandlers[name] = async (value) => ({
      Payload: await handler((value as { Payload?: Json }).Payload ?? null),
      StatusCode: 200,
    });
  } else out.taskResourceLocalHandlers[name] = handler;
  return { ...task, TimeoutSeconds: LOCAL_TASK_TIMEOUT_SECONDS };
}

/**
 * A Map state made runnable here: an inline Map's item states made local too (handlers are
 * found by state name in nested executions as well); a Distributed Map runs as AWS runs it,
 * one child execution per item or batch (localDistributedMap).
 */
function localMap(name: string, state: AslState, options: LocalRunOptions, out: LocalHandlers): AslState {
  if (state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED')
    return localDistributedMap(name, state, options, out);
  const { ToleratedFailurePercentage, ToleratedFailureCount, ...inline } = state as AslState &
    Record<string, unknown>;
  const processor = state.ItemProcessor ?? state.Iterator;
  if (processor === undefined) return state;
  const { ProcessorConfig, ...rest } = processor;
  const States = localizeStates(processor.States, options, out);
  return state.ItemProcessor === undefined
    ? { ...inline, Iterator: { ...rest, States } }
    : { ...inline, ItemProcessor: { ...rest, ProcessorConfig: { Mode: 'INLINE' }, States } };
}

/**
 * The definition's states made runnable here: Wait states become local tasks that advance the
 * caller's clock and return their input (time moves exactly between the tasks around them, with
 * no real sleeping), each Task calls its local handler, and Map states run their items locally.
 */
function localizeStates(
  original: Record<string, AslState>,
  options: LocalRunOptions,
  out: LocalHandlers,
): Record<string, AslState> {
  const states: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(original)) {
    if (state.Type === 'Wait') {
      const { Seconds, SecondsPath, ...rest } = state as AslState & Record<string, unknown>;
      states[name] = {
        ...rest,
        Type: 'Task',
        Resource: 'arn:aws:lambda:us-east-1:000000000000:function:local-wait',
        TimeoutSeconds: LOCAL_TASK_TIMEOUT_SECONDS,
      };
      out.taskResourceLocalHandlers[name] = async (value) => {
        await options.onWait?.(Seconds ?? Number(valueAtPath(value, SecondsPath ?? '$') ?? 0));
        return value;
      };
    } else if (state.Type === 'Task') states[name] = localTask(name, state, options, out);
    else if (state.Type === 'Map') states[name] = localMap(name, state, options, out);
    else states[name] = state;
  }
  return states;
}

function localStates(definition: StateMachineDefinition, options: LocalRunOptions) {
  const original = (definition as unknown as { States: Record<string, AslState> }).States;
  const children = options.children ?? { counts: noChildren(), states: [], largestPayload: 0 };
  const out: LocalHandlers = { taskResourceLocalHandlers: {}, retryIntervalOverrides: {}, children };
  const states = localizeStates(original, options, out);
  return { states, ...out };
}

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
  );
  const quotas = new ExecutionQuotas(definition as unknown as { States: Record<string, AslState> });
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
