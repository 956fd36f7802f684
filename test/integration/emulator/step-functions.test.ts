import { describe, expect, it } from 'vitest';
import { runLocalStateMachine } from '../../../infra/local/step-functions.js';

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

  it('refuses a Task it has no handler for, before running anything', async () => {
    await expect(runLocalStateMachine(POLL_LOOP as never, {}, { tasks: {} })).rejects.toThrow(
      'no local handler for Task state Start',
    );
  });
});
