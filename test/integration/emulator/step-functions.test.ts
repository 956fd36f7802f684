import { describe, expect, it, vi } from 'vitest';
import { DATA_LIMIT_ERROR, HISTORY_LIMIT_ERROR } from '../../../infra/local/execution-quotas.js';
import { ExecutionFailedError, runLocalStateMachine } from '../../../infra/local/step-functions.js';
import { EXECUTION_QUOTAS } from '../../../shared/domain/execution-history.js';

/** A poll loop as the workflows use it: start, wait, check, until done or out of attempts. */
const POLL_LOOP = {
  StartAt: 'Start',
  States: {
    Start: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:us-east-1:123456789012:function:job-start',
      Next: 'Wait',
    },
    Wait: { Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'Check' },
    Check: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'job-check', 'Payload.$': '$' },
      OutputPath: '$.Payload',
      Next: 'Done?',
    },
    'Done?': {
      Type: 'Choice',
      Choices: [
        { Variable: '$.done', BooleanEquals: true, Next: 'Succeeded' },
        { Variable: '$.attempts', NumericGreaterThanEquals: 5, Next: 'TimedOut' },
      ],
      Default: 'Wait',
    },
    Succeeded: { Type: 'Succeed' },
    TimedOut: { Type: 'Fail', Error: 'PollTimeout', Cause: 'not done after 5 checks' },
  },
};

describe('Function: runLocalStateMachine', () => {
  it('runs tasks locally, advances the clock at each Wait, and counts transitions', async () => {
    // Prepare
    let clock = 0;
    const tasks = {
      'job-start': async () => ({ waitSeconds: 30, attempts: 0, done: false }),
      'job-check': async (input: unknown) => {
        const state = input as { attempts: number; waitSeconds: number };
        return { ...state, attempts: state.attempts + 1, done: clock >= 90, checkedAt: clock };
      },
    };

    // Act
    const run = await runLocalStateMachine(
      POLL_LOOP as never,
      {},
      {
        tasks,
        onWait: (seconds) => {
          clock += seconds;
        },
      },
    );

    // Assess
    expect(run.output).toMatchObject({ attempts: 3, done: true, checkedAt: 90 });
    expect(run.states).toEqual([
      'Start',
      'Wait',
      'Check',
      'Done?',
      'Wait',
      'Check',
      'Done?',
      'Wait',
      'Check',
      'Done?',
      'Succeeded',
    ]);
    expect(run.transitions).toBe(11);
    // ExecutionStarted/Succeeded 2, Start 5, three looks of Wait 2 + Check 5 + Choice 2, Succeed 2.
    expect(run.historyEvents).toBe(2 + 5 + 3 * 9 + 2);
  });

  it('fails the execution with the Fail state error when polling runs out', async () => {
    const tasks = {
      'job-start': async () => ({ waitSeconds: 1, attempts: 0, done: false }),
      'job-check': async (input: unknown) => ({
        ...(input as object),
        attempts: (input as { attempts: number }).attempts + 1,
        done: false,
      }),
    };
    await expect(runLocalStateMachine(POLL_LOOP as never, {}, { tasks })).rejects.toThrow(/PollTimeout/);
  });

  it('aborts a runaway loop after maxTransitions', async () => {
    const tasks = {
      'job-start': async () => ({ waitSeconds: 1, attempts: 0, done: false }),
      'job-check': async () => ({ attempts: 0, done: false }),
    };
    await expect(runLocalStateMachine(POLL_LOOP as never, {}, { tasks, maxTransitions: 50 })).rejects.toThrow(
      /abort/i,
    );
  });

  it('runs a task and a Distributed Map longer than a minute: Step Functions sets no timeout the definition does not set', async () => {
    // Prepare: each task takes 90 s of (fake) time; the Map state, which has no TimeoutSeconds, takes 180 s.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const slow = async (input: unknown) => {
      await new Promise((resolve) => setTimeout(resolve, 90_000));
      return input as never;
    };
    const definition = {
      StartAt: 'Slow',
      States: {
        Slow: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:slow', Next: 'Each' },
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: 1,
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'Item',
            States: {
              Item: {
                Type: 'Task',
                Resource: 'arn:aws:lambda:us-east-1:123456789012:function:slow',
                End: true,
              },
            },
          },
          End: true,
        },
      },
    };
    try {
      // Act
      const run = runLocalStateMachine(definition as never, { items: [1, 2] }, { tasks: { slow } });
      const settled = run.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      for (let second = 0; second < 300; second += 1) await vi.advanceTimersByTimeAsync(1000);

      // Assess
      expect(await settled).toEqual({ value: expect.objectContaining({ output: [1, 2] }) });
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a Task it has no handler for, before running anything', async () => {
    await expect(runLocalStateMachine(POLL_LOOP as never, {}, { tasks: {} })).rejects.toThrow(
      'no local handler for Task state Start',
    );
  });

  it('validates a definition at every run until it is valid: an invalid one is refused each time, before any task', async () => {
    // Prepare: a Choice whose rule names a state that does not exist.
    const ran: string[] = [];
    const invalid = {
      ...POLL_LOOP,
      States: { ...POLL_LOOP.States, 'Done?': { ...POLL_LOOP.States['Done?'], Default: 'Nowhere' } },
    };
    const tasks = { 'job-start': async () => ran.push('job-start'), 'job-check': async () => ({}) };

    // Act
    const runs = [1, 2].map(() => runLocalStateMachine(invalid as never, {}, { tasks }));

    // Assess
    for (const run of runs) await expect(run).rejects.toThrow('State machine definition is invalid');
    expect(ran).toEqual([]);
  });
});

/** A task whose result is caught by States.ALL, then a state that records it ran. */
const CAUGHT = {
  StartAt: 'Produce',
  States: {
    Produce: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:us-east-1:123456789012:function:produce',
      Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Handled' }],
      Next: 'Done',
    },
    Handled: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:handled', End: true },
    Done: { Type: 'Succeed' },
  },
};

/** A string of `bytes` bytes of UTF-8 (two-byte characters, as quotas count bytes, not characters). */
const text = (bytes: number) => 'é'.repeat(bytes / 2);

describe('Function: runLocalStateMachine (execution quotas)', () => {
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error as ExecutionFailedError,
    );

  it('fails the execution with States.DataLimitExceeded when a state output passes 256 KiB, whatever catches States.ALL', async () => {
    // Prepare
    const handled: unknown[] = [];
    const tasks = {
      produce: async () => ({ blob: text(EXECUTION_QUOTAS.payloadBytes) }),
      handled: async (input: unknown) => {
        handled.push(input);
        return {};
      },
    };

    // Act
    const failure = await failureOf(runLocalStateMachine(CAUGHT as never, {}, { tasks }));

    // Assess
    expect(failure).toBeInstanceOf(ExecutionFailedError);
    expect(failure?.error).toBe(DATA_LIMIT_ERROR);
    expect(failure?.causeText).toMatch(/task Produce is \d+ bytes, more than the 262144 bytes/);
    expect(handled).toEqual([]);
  });

  it('runs a state output of exactly 256 KiB', async () => {
    const tasks = {
      // {"b":"…"} is 8 bytes around the string.
      produce: async () => ({ b: text(EXECUTION_QUOTAS.payloadBytes - 8) }),
      handled: async () => ({}),
    };
    const run = await runLocalStateMachine(CAUGHT as never, {}, { tasks });
    expect(run.states).toEqual(['Produce', 'Done']);
  });

  it('fails an execution whose input passes 256 KiB before any state runs', async () => {
    const produced: unknown[] = [];
    const tasks = { produce: async () => produced.push(1), handled: async () => ({}) };
    const failure = await failureOf(
      runLocalStateMachine(CAUGHT as never, { blob: text(EXECUTION_QUOTAS.payloadBytes) }, { tasks }),
    );
    expect(failure?.error).toBe(DATA_LIMIT_ERROR);
    expect(produced).toEqual([]);
  });

  it('counts a retried attempt as 3 more history events', async () => {
    let attempts = 0;
    const tasks = {
      produce: async () => {
        attempts += 1;
        if (attempts === 1)
          throw Object.assign(new Error('throttled'), { name: 'Lambda.TooManyRequestsException' });
        return {};
      },
      handled: async () => ({}),
    };
    const run = await runLocalStateMachine(CAUGHT as never, {}, { tasks });
    expect(run.historyEvents).toBe(2 + 5 + 3 + 2);
  });

  it('fails the execution once its history passes 25 000 events', async () => {
    // Prepare: a loop that never ends on its own (9 events a look).
    const tasks = {
      'job-start': async () => ({ waitSeconds: 1, attempts: -1e9, done: false }),
      'job-check': async (input: unknown) => ({ ...(input as object), done: false }),
    };

    // Act
    const failure = await failureOf(
      runLocalStateMachine(POLL_LOOP as never, {}, { tasks, maxTransitions: 1_000_000 }),
    );

    // Assess
    expect(failure?.error).toBe(HISTORY_LIMIT_ERROR);
    expect(failure?.causeText).toContain('25000');
    // 2 + Start's 5 + 2777 looks of 9 is exactly 25 000: the next Wait passes it, and nothing after it runs.
    expect(failure?.states).toHaveLength(1 + 3 * 2777 + 1);
    expect(failure?.states.at(-1)).toBe('Wait');
  });
});
