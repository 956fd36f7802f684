/**
 * An ASL definition's states made runnable by aws-local-stepfunctions: each Task calls a local
 * handler chosen by the Lambda function name at the end of its `Resource`, each Wait becomes a
 * task that advances the caller's clock instead of sleeping, inline Maps run their item states
 * the same way, and each Distributed Map becomes one task that runs its whole Map Run, an item
 * (or batch) per child execution (distributed-map.ts). The child executions themselves are run
 * by the caller (step-functions.ts), handed in as `runChild`.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { StateMachine, StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  type ChildCounts,
  type ChildOutcome,
  checkDistributedMap,
  type DistributedMapState,
  distributedMapTask,
  noChildren,
  withoutMapFields,
} from './distributed-map.js';

export type Json = Parameters<StateMachine['run']>[0];
/** The task token local executions hand to `.waitForTaskToken` tasks. */
export const TASK_TOKEN = 'local-task-token';
export type LocalTask = (input: Json) => Promise<Json>;
export const ARN_BASE = 'arn:aws:states:us-east-1:000000000000';

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

/** Runs one child execution of a Distributed Map (its options name it and say where it counts itself). */
export type RunChild = (
  definition: { StartAt: string; States: Record<string, unknown> },
  input: unknown,
  options: LocalRunOptions & { children: ChildRuns },
) => Promise<ChildOutcome>;

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

/** What making states local collects (the handlers and retry overrides the interpreter is given) and uses. */
type LocalHandlers = {
  taskResourceLocalHandlers: Record<string, LocalTask>;
  retryIntervalOverrides: Record<string, number>;
  children: ChildRuns;
  runChild: RunChild;
};

/**
 * The timeout every local task gets. Step Functions sets none where the definition sets none
 * ("By default, the Amazon States Language doesn't specify timeouts", sfn-stuck-execution), and
 * a Map state has no TimeoutSeconds at all; aws-local-stepfunctions would fail any task after
 * 60 s. This is the longest a Node timer takes (2^31 - 1 ms): a longer one would fire at once.
 */
const LOCAL_TASK_TIMEOUT_SECONDS = 2_147_483;

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
    runChild: (definition, input, child) =>
      out.runChild(definition, input, {
        ...options,
        executionName: child,
        children: out.children,
      }),
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

/**
 * `definition` made runnable here: its local states, the handlers and retry overrides to run
 * them with, and where its Distributed Maps' children count themselves (`options.children`, or
 * a new count for a top-level run). `runChild` runs each of those children.
 */
export function localStates(
  definition: StateMachineDefinition,
  options: LocalRunOptions,
  runChild: RunChild,
) {
  const original = (definition as unknown as { States: Record<string, AslState> }).States;
  const children = options.children ?? { counts: noChildren(), states: [], largestPayload: 0 };
  const out: LocalHandlers = {
    taskResourceLocalHandlers: {},
    retryIntervalOverrides: {},
    children,
    runChild,
  };
  const states = localizeStates(original, options, out);
  const { taskResourceLocalHandlers, retryIntervalOverrides } = out;
  return { states, taskResourceLocalHandlers, retryIntervalOverrides, children };
}
