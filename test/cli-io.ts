import type { CliIo } from '../shared/cli/main.js';

/**
 * A CLI io that keeps what the CLI writes, for tests that run `runCli` in process.
 *
 * @example
 * const io = captureIo();
 * const code = await runCli(['scan', '--policy', file], io);
 * expect(io.err()).toContain('…');
 */
export function captureIo(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    isTTY: false,
    out: () => out,
    err: () => err,
  };
}
