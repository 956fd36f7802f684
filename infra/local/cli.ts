/**
 * The sandbox's own `guardrails`: the operator CLI with the sandbox's migration runners, which
 * add `migration start --local` (the state machine run in this process against the emulator).
 * The shipped CLI (bin/guardrails.ts) offers no such flag and never loads this folder.
 *
 *   npm run sandbox-cli -- migration start cart --local --endpoint-url http://127.0.0.1:4566 --source 127.0.0.1:6380
 */
import { fileURLToPath } from 'node:url';
import { type CliIo, defaultIo, runCli } from '../../shared/cli/main.js';
import { SANDBOX_RUNNERS } from './migration-workflow.js';

/**
 * Run the sandbox CLI with these arguments; returns the exit code.
 *
 * @example
 * const code = await runSandboxCli(['migration', 'start', 'cart', '--local', '--source', '127.0.0.1:6380'], io);
 */
export function runSandboxCli(args: string[], io: CliIo): Promise<number> {
  return runCli(args, io, SANDBOX_RUNNERS);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await runSandboxCli(process.argv.slice(2), defaultIo());
}
