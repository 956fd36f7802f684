/**
 * Step Functions' per-execution quotas (STANDARD workflows) and how many history events each
 * kind of state writes, free of I/O: the local runner counts an execution's history with these
 * numbers, and the workflows' input validation bounds an input's worst case with the same ones.
 *
 * The counts follow the history event types of the API (HistoryEvent.type): a Lambda Task writes
 * TaskStateEntered, LambdaFunctionScheduled, LambdaFunctionStarted, LambdaFunctionSucceeded (or
 * Failed) and TaskStateExited; a `.waitForTaskToken` task adds TaskSubmitted; every retried
 * attempt adds another Scheduled, Started and Failed; a Wait writes WaitStateEntered and
 * WaitStateExited; a Choice, Pass or Succeed its Entered and Exited; a Fail its FailStateEntered;
 * the execution its ExecutionStarted and ExecutionSucceeded (or Failed).
 */

export const EXECUTION_QUOTAS = {
  /** "Maximum execution history size: 25,000 events in a single state machine execution history." */
  historyEvents: 25_000,
  /** Input or output of a task, state or execution, in bytes of UTF-8 (256 KiB). */
  payloadBytes: 262_144,
} as const;

/** History events written by each kind of state (and by the execution itself). */
export const HISTORY_EVENTS = {
  execution: 2,
  task: 5,
  callbackTask: 6,
  /** Each attempt after the first. */
  retry: 3,
  wait: 2,
  choice: 2,
  pass: 2,
  succeed: 2,
  fail: 1,
  /** MapStateEntered, MapStateStarted, MapStateSucceeded, MapStateExited. */
  map: 4,
  /** MapIterationStarted and Succeeded (or Failed) of each item of an inline Map. */
  mapIteration: 2,
  /** A Distributed Map adds MapRunStarted and MapRunSucceeded; its items write to child executions. */
  distributedMap: 6,
} as const;

/** One look of a poll loop: its Wait, the Task that looks, and the Choice on the answer. */
export const POLL_LOOK_EVENTS = HISTORY_EVENTS.wait + HISTORY_EVENTS.task + HISTORY_EVENTS.choice;
