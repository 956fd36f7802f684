/**
 * How the workflows' wait loops poll, free of I/O: a loop's schedule, where it stands, and how
 * long an execution may wait in all. Steps never sleep: every wait is an ASL Wait state whose
 * seconds the step returns, every loop a Choice on `done` and `attempt`.
 */
import * as z from 'zod';

/**
 * How long an execution may spend waiting in all: the state machines' TimeoutSeconds is 14
 * days, and a day is left for the work between the waits.
 */
export const WAIT_BUDGET_SECONDS = 13 * 86_400;

/** How long one approval may wait, in seconds (`approvalTimeoutSeconds`, `--approval-timeout`). */
export const APPROVAL_TIMEOUT_SECONDS = { min: 60, max: 7 * 86_400 } as const;

/** One wait loop's schedule, as an execution's input may give it. */
export const pollScheduleSchema = z.strictObject({
  /** Seconds of the first wait; each later wait doubles, up to `maxWaitSeconds`. */
  firstWaitSeconds: z.number().int().min(1).max(3600),
  maxWaitSeconds: z.number().int().min(1).max(3600),
  /** Looks before the loop gives up (the Choice state compares against this). */
  maxAttempts: z.number().int().min(1).max(1000),
});
export type PollSchedule = z.infer<typeof pollScheduleSchema>;

/** Where a wait loop stands: looks made so far and the next wait. */
export interface PollState {
  done: boolean;
  attempt: number;
  waitSeconds: number;
}

/** The state a loop starts in, right after the action it waits on. */
export function firstPoll(schedule: PollSchedule): PollState {
  return { done: false, attempt: 0, waitSeconds: schedule.firstWaitSeconds };
}

/** The state after one more look: the wait doubles up to the schedule's ceiling. */
export function nextPoll(
  previous: Pick<PollState, 'attempt'>,
  schedule: PollSchedule,
  done: boolean,
): PollState {
  const attempt = previous.attempt + 1;
  return {
    done,
    attempt,
    waitSeconds: Math.min(schedule.maxWaitSeconds, schedule.firstWaitSeconds * 2 ** attempt),
  };
}
