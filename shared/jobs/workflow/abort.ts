/**
 * Stopping a running execution without letting anything change the group under it meanwhile:
 * StopExecution ends the execution, not a Lambda it already invoked, which may still be about to
 * send its request. So the lock is marked `aborting` first ({@link fenced} sends nothing for it,
 * {@link takeLock} refuses it), and released only once the execution no longer runs.
 */
import type { StateStore } from '../../aws/state-store.js';
import type { StopRequest, WorkflowRunner } from '../../domain/workflow/runner.js';
import { GuardrailsError } from '../../runtime/errors.js';
import { markAborting, releaseLock } from './lock.js';

/** How long an abort waits for StopExecution to take effect: `looks` reads, `pause` between them. */
export interface AbortWait {
  looks: number;
  pause: () => Promise<void>;
}

/** One second between looks, a minute in all: StopExecution takes effect within seconds. */
export const ABORT_WAIT: AbortWait = {
  looks: 60,
  pause: () => new Promise((resolve) => setTimeout(resolve, 1000)),
};

/** The abort did not finish: the lock stays `aborting`, and the same abort can be run again. */
export class AbortIncompleteError extends GuardrailsError {
  constructor(message: string) {
    super(message);
    this.name = 'AbortIncompleteError';
  }
}

/**
 * Stop `request.execution`, which holds the lock of `groupId`: mark the lock `aborting`
 * (conditional on its holder), StopExecution, wait until the execution no longer runs, undo
 * what it leaves half done (`settle`, still under the `aborting` lock), then release the lock.
 * Throws {@link AbortIncompleteError} when the execution no longer holds the lock, or still runs
 * after `wait`; when that or `settle` fails, the lock stays `aborting`: run the abort again.
 * A lock taken before locks carried a token and a state is marked and released the same way.
 * Returns whether StopExecution was sent: not for an execution that had ended or never started
 * (a lock handed over to an execution whose start never went through).
 *
 * @example
 * await stopUnderLock(store, runner, 'orders', { execution, error: UPGRADE_ERRORS.rejected, cause }, at);
 */
export async function stopUnderLock(
  store: Pick<StateStore, 'updateLease' | 'releaseLease'>,
  runner: Pick<WorkflowRunner, 'stop' | 'running'>,
  groupId: string,
  request: StopRequest,
  at: string,
  wait: AbortWait = ABORT_WAIT,
  settle: () => Promise<void> = async () => {},
): Promise<boolean> {
  const { execution } = request;
  if (!(await markAborting(store, groupId, execution, at)))
    throw new AbortIncompleteError(
      `${execution} no longer holds the lock of ${groupId}: nothing was stopped`,
    );
  // A second abort of the same execution finds it stopped already.
  const stopped = await runner.running(execution);
  if (stopped) await runner.stop(request);
  for (let look = 0; look < wait.looks; look += 1) {
    if (!(await runner.running(execution))) {
      await settle();
      await releaseLock(store, groupId, execution);
      return stopped;
    }
    await wait.pause();
  }
  throw new AbortIncompleteError(
    `${execution} still runs after StopExecution; the lock of ${groupId} stays aborting (nothing is sent under it): run the abort again`,
  );
}
