import { describe, expect, it } from 'vitest';
import { failureOf, firstPoll, nextPoll } from '../../../shared/domain/workflow/index.js';

describe('Function: nextPoll', () => {
  it('doubles the wait from the first up to the ceiling and counts looks', () => {
    const schedule = { firstWaitSeconds: 60, maxWaitSeconds: 900, maxAttempts: 5 };
    const waits: number[] = [];
    let poll = firstPoll(schedule);
    waits.push(poll.waitSeconds);
    for (let look = 0; look < 5; look += 1) {
      poll = nextPoll(poll, schedule, false);
      waits.push(poll.waitSeconds);
    }
    expect(waits).toEqual([60, 120, 240, 480, 900, 900]);
    expect(poll.attempt).toBe(5);
  });
});

describe('Function: failureOf', () => {
  it("takes a Lambda error's errorMessage out of its JSON Cause", () => {
    const caught = { Error: 'PreflightFailed', Cause: JSON.stringify({ errorMessage: 'the group is busy' }) };

    expect(failureOf(caught)).toEqual({ error: 'PreflightFailed', cause: 'the group is busy' });
  });

  it('keeps a plain-text Cause, and says so when nothing was caught', () => {
    expect(failureOf({ Error: 'SyncTimeout', Cause: 'not in time' }).cause).toBe('not in time');
    expect(failureOf(undefined)).toEqual({
      error: 'Unknown',
      cause: 'the execution failed without an error',
    });
  });
});
