import { type CliIo, runCli } from '../cli/main.js';

/**
 * A CLI io that keeps what the CLI writes, for tests that run `runCli` in process. `columns`
 * makes stdout look like a terminal of that many columns; `progress` makes stderr look like one.
 *
 * @example
 * const io = captureIo();
 * const code = await runCli(['scan', '--policy', file], io);
 * expect(io.err()).toContain('…');
 */
export function captureIo(
  terminal: { columns?: number; progress?: boolean } = {},
): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    isTTY: terminal.columns !== undefined,
    ...(terminal.columns === undefined ? {} : { columns: terminal.columns }),
    ...(terminal.progress === undefined ? {} : { progress: terminal.progress }),
    out: () => out,
    err: () => err,
  };
}

/** Runs `entry` (by default `runCli`) in process on `args` with a {@link captureIo}: its exit code and what it wrote. */
export async function runCaptured(
  args: string[],
  entry: (args: string[], io: CliIo) => Promise<number> = runCli,
): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await entry(args, io);
  return { code, out: io.out(), err: io.err() };
}
