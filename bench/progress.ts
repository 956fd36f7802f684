/**
 * Progress lines on stderr for a long bench run: how many of its accounts are done, how many
 * failed (the first failures with their cause), the time so far, the longest stall of the thread
 * and the heap.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** A result of the target-scan function that says its target failed, and why. */
interface FailedResult {
  target?: { account: string; region: string };
  status?: string;
  error?: { reason?: string };
}

/**
 * Progress on stderr while a run goes (a full-size run takes over an hour and its table comes at
 * the end): a line every 50 accounts, and the first failures as they happen, with their cause.
 */
export function progressOf(execution: string, accounts: number) {
  const started = Date.now();
  const stalls = monitorEventLoopDelay({ resolution: 20 });
  stalls.enable();
  let done = 0;
  let failed = 0;
  const say = (line: string) => process.stderr.write(`bench ${execution}: ${line}\n`);
  const fail = (what: string) => {
    failed += 1;
    if (failed <= 5) say(`failed ${what}`);
  };
  return {
    async watch<T>(run: () => Promise<T>): Promise<T> {
      try {
        const value = await run();
        const results = (value as { results?: FailedResult[] }).results ?? [];
        for (const result of results)
          if (result.status === 'failed')
            fail(
              `${result.target?.account}/${result.target?.region}: ${result.error?.reason ?? 'no reason'}`,
            );
        return value;
      } catch (error) {
        fail(`an account's run: ${(error as Error).message}`);
        throw error;
      } finally {
        done += 1;
        if (done % 50 === 0 || done === accounts) {
          const stall = Math.round(stalls.max / 1e6);
          stalls.reset();
          say(
            `${done}/${accounts} accounts, ${failed} failed, ${Math.round((Date.now() - started) / 1000)} s, longest stall of the thread ${stall} ms, heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MiB`,
          );
          if (done === accounts) stalls.disable();
        }
      }
    },
  };
}
