/**
 * Step Functions' execution quotas, enforced on a local run: 256 KiB (UTF-8) per execution
 * input and per state input or output, and 25 000 events per execution history, counted with
 * the event model of shared/domain/execution-history.ts from the interpreter's own events. A
 * payload over the quota fails the execution with States.DataLimitExceeded, which no Catch
 * takes (not even States.ALL); a history over the quota fails it too.
 */
import type { StateMachine } from 'aws-local-stepfunctions';
import { EXECUTION_QUOTAS, HISTORY_EVENTS } from '../../shared/domain/execution-history.js';

type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** What ended an execution that passed a quota: Step Functions' Error and Cause. */
export interface QuotaFailure {
  error: string;
  cause: string;
}

/** The error a local run reports when its history passes the quota (AWS's own name is not documented). */
export const HISTORY_LIMIT_ERROR = 'ExecutionHistoryLimitExceeded';
export const DATA_LIMIT_ERROR = 'States.DataLimitExceeded';

interface AslState {
  Type: string;
  Resource?: string;
  ItemProcessor?: { ProcessorConfig?: { Mode?: string }; States: Record<string, AslState> };
  Iterator?: { States: Record<string, AslState> };
}

const CALLBACK = /\.waitForTaskToken$/;
const BY_TYPE: Record<string, number> = {
  Wait: HISTORY_EVENTS.wait,
  Choice: HISTORY_EVENTS.choice,
  Pass: HISTORY_EVENTS.pass,
  Succeed: HISTORY_EVENTS.succeed,
  Fail: HISTORY_EVENTS.fail,
};

/** Events each state writes when entered, by name (a Distributed Map's item states write none here). */
function eventCosts(states: Record<string, AslState>, costs: Map<string, number>, inChild = false) {
  for (const [name, state] of Object.entries(states)) {
    const processor = state.ItemProcessor ?? state.Iterator;
    const distributed = state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
    let cost = BY_TYPE[state.Type] ?? HISTORY_EVENTS.pass;
    if (state.Type === 'Task')
      cost = CALLBACK.test(state.Resource ?? '') ? HISTORY_EVENTS.callbackTask : HISTORY_EVENTS.task;
    if (state.Type === 'Map') cost = distributed ? HISTORY_EVENTS.distributedMap : HISTORY_EVENTS.map;
    costs.set(name, inChild ? 0 : cost);
    if (processor !== undefined) eventCosts(processor.States, costs, inChild || distributed);
  }
  return costs;
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/** Watches one local execution against the quotas; the first quota passed is its failure. */
export class ExecutionQuotas {
  readonly #costs: Map<string, number>;
  #events = 0;
  #largest = 0;
  failure: QuotaFailure | undefined;

  constructor(definition: { States: Record<string, AslState> }) {
    this.#costs = eventCosts(definition.States, new Map());
  }

  /** History events counted so far (the execution's closing event included from its start). */
  get historyEvents(): number {
    return this.#events;
  }

  /** The largest payload checked so far (execution input, a state's input or output, a task's result), in bytes. */
  get largestPayload(): number {
    return this.#largest;
  }

  /** Fails the execution when `value` (what `where` names) is over 256 KiB; true when it is. */
  checkPayload(where: string, value: unknown): boolean {
    const size = bytes(value);
    this.#largest = Math.max(this.#largest, size);
    if (size <= EXECUTION_QUOTAS.payloadBytes) return false;
    this.failure ??= {
      error: DATA_LIMIT_ERROR,
      cause: `${where} is ${size} bytes, more than the ${EXECUTION_QUOTAS.payloadBytes} bytes (256 KiB) Step Functions allows`,
    };
    return true;
  }

  /** Count one of the interpreter's events and check the payload it carries; true once a quota is passed. */
  observe(event: EventLog): boolean {
    switch (event.type) {
      case 'ExecutionStarted':
        this.#count(HISTORY_EVENTS.execution);
        break;
      case 'StateEntered':
        this.#count(this.#costs.get(event.state.name) ?? HISTORY_EVENTS.pass);
        this.checkPayload(`the input of state ${event.state.name}`, event.state.input);
        break;
      case 'StateExited':
        this.checkPayload(`the output of state ${event.state.name}`, event.state.output);
        break;
      case 'StateRetried':
        this.#count((this.#costs.get(event.state.name) ?? 0) > 0 ? HISTORY_EVENTS.retry : 0);
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        if (this.#costs.get(event.parentState.name) === HISTORY_EVENTS.map) this.#count(1);
        break;
    }
    return this.failure !== undefined;
  }

  #count(events: number) {
    this.#events += events;
    if (this.#events > EXECUTION_QUOTAS.historyEvents)
      this.failure ??= {
        error: HISTORY_LIMIT_ERROR,
        cause: `The execution reached the maximum number of history events (${EXECUTION_QUOTAS.historyEvents}).`,
      };
  }
}
