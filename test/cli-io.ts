import type { CliIo } from '../shared/cli/main.js';

/**
 * A CLI io that keeps what the CLI writes, for tests that run `runCli` in process. `terminal`
 * makes stdout look like a terminal of that many columns.
 *
 * @example
 * const io = captureIo();
 * const code = await runCli(['scan', '--policy', file], io);
 * expect(io.err()).toContain('…');
 */
export function captureIo(terminal?: { columns: number }): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    isTTY: terminal !== undefined,
    ...(terminal === undefined ? {} : { columns: terminal.columns }),
    out: () => out,
    err: () => err,
  };
}
