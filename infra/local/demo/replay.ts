/**
 * `npm start -- --after N COMMAND…`, what each `$` line of the demo runs: it rebuilds the sandbox
 * as chapter N left it (the same seed and frozen clock, the chapters up to N told again
 * unprinted), runs the sandbox CLI with COMMAND against it, stops the sandbox and returns the
 * command's exit code. So a `$` line works after the demo has ended, in any shell, on its own.
 * A chapter with a sandbox of its own (the organisation scan) gives it: only that one is started.
 */
import { defaultIo } from '../../../cli/main.js';
import { runSandboxCli } from '../cli.js';
import { type LocalDynamo, STATE_TABLE } from '../dynamo.js';
import type { Emulator } from '../emulator/server.js';
import { sandboxVariables } from '../environment.js';
import { narration } from './narration.js';
import { type Demo, REGION, startDemoSandbox } from './sandbox.js';

/**
 * A chapter of `npm start`. `sandbox`, when given, starts the sandbox the chapter tells its story
 * on instead of the shared one (its home region the demo's).
 */
export interface Chapter {
  tell: (demo: Demo) => Promise<void>;
  sandbox?: () => Promise<{ emulator: Emulator; dynamo: LocalDynamo }>;
}

/** Runs `command` with the sandbox CLI in this process, pointed at the sandbox whose endpoints are given. */
async function runAgainst(
  endpoints: { elasticache: string; dynamodb: string; region: string },
  command: string[],
) {
  Object.assign(process.env, sandboxVariables({ ...endpoints, stateTable: STATE_TABLE }));
  return runSandboxCli(command, defaultIo());
}

/**
 * Rebuilds the sandbox as chapter `after` (1-based) of `chapters` left it, runs `command` against
 * it and returns its exit code.
 *
 * @example
 * process.exitCode = await replay(CHAPTERS, 2, ['scan', '--policy', '.sandbox/policy.yaml']);
 */
export async function replay(
  chapters: readonly Chapter[],
  after: number,
  command: string[],
): Promise<number> {
  const own = chapters[after - 1]?.sandbox;
  if (own !== undefined) {
    const { emulator, dynamo } = await own();
    try {
      return await runAgainst(
        { elasticache: emulator.endpoint, dynamodb: dynamo.endpoint, region: REGION },
        command,
      );
    } finally {
      await Promise.all([emulator.close(), dynamo.close()]);
    }
  }
  const sandbox = await startDemoSandbox();
  try {
    const quiet: Demo = { ...sandbox, ...narration(() => {}), io: { ...sandbox.io, stderr: () => {} } };
    for (const chapter of chapters.slice(0, after))
      if (chapter.sandbox === undefined) await chapter.tell(quiet);
    return await runAgainst(
      { elasticache: sandbox.emulator.endpoint, dynamodb: sandbox.dynamo.endpoint, region: REGION },
      command,
    );
  } finally {
    await sandbox.stop();
  }
}
