/**
 * `npm start -- --after N COMMAND…`, what each `$` line of the demo runs: it rebuilds the sandbox
 * as chapter N left it (the state the last `npm start` saved after that chapter, saved-state.ts;
 * without it, or for a `--local` command when the chapter left a change in flight, the same seed
 * and frozen clock and the chapters up to N told again unprinted, each one's state saved), runs the sandbox CLI with COMMAND against it, stops the sandbox and
 * returns the command's exit code. So a `$` line works after the demo has ended, in any shell,
 * on its own.
 * A chapter with a sandbox of its own (the organisation scan) gives it: only that one is started.
 */
import { type CliIo, defaultIo } from '../../../cli/main.js';
import { runSandboxCli } from '../cli.js';
import { STATE_TABLE } from '../dynamo.js';
import { sandboxVariables } from '../environment.js';
import type { Chapter } from './chapters.js';
import { narration } from './narration.js';
import { type Demo, REGION, startDemoSandbox } from './sandbox.js';
import { loadState, saveState } from './saved-state.js';

/** Runs `command` with the sandbox CLI in this process, pointed at the sandbox whose endpoints are given. */
async function runAgainst(
  endpoints: { elasticache: string; dynamodb: string; region: string },
  command: string[],
  io: CliIo,
) {
  Object.assign(process.env, sandboxVariables({ ...endpoints, stateTable: STATE_TABLE }));
  return runSandboxCli(command, io);
}

/**
 * Rebuilds the sandbox as chapter `after` (1-based) of `chapters` left it, runs `command` against
 * it with `io` (the process's streams unless given) and returns its exit code.
 *
 * @example
 * process.exitCode = await replay(CHAPTERS, 2, ['scan', '--policy', '.sandbox/policy.yaml']);
 */
export async function replay(
  chapters: readonly Chapter[],
  after: number,
  command: string[],
  io: CliIo = defaultIo(),
): Promise<number> {
  const own = chapters[after - 1]?.sandbox;
  if (own !== undefined) {
    const { emulator, dynamo } = await own();
    try {
      return await runAgainst(
        { elasticache: emulator.endpoint, dynamodb: dynamo.endpoint, region: REGION },
        command,
        io,
      );
    } finally {
      await Promise.all([emulator.close(), dynamo.close()]);
    }
  }
  const sandbox = await startDemoSandbox();
  try {
    // `--local` runs a workflow here, letting emulator time pass: it needs the changes in flight.
    if (!(await loadState(sandbox, after, { settled: command.includes('--local') }))) {
      const quiet: Demo = { ...sandbox, ...narration(() => {}) };
      for (const [index, chapter] of chapters.slice(0, after).entries()) {
        if (chapter.sandbox !== undefined) continue;
        await chapter.tell(quiet);
        await saveState(sandbox, index + 1);
      }
    }
    return await runAgainst(
      { elasticache: sandbox.emulator.endpoint, dynamodb: sandbox.dynamo.endpoint, region: REGION },
      command,
      io,
    );
  } finally {
    await sandbox.stop();
  }
}
