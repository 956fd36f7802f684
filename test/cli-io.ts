import type { CliIo } from '../cli/main.js';

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
