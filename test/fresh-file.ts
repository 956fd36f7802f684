/**
 * The unit files share their worker processes (`isolate: false` in vitest.config.ts, this
 * registered for each by test/setup-unit.ts): a process per file cost about as much CPU as the
 * unit tests themselves (Node, vitest's worker and the SDK loaded again for each of 84 files). What a file could leave behind for the next one in the same
 * process is undone after each file, so every file still starts as it would in a process of its
 * own:
 * - the project's modules (a module's state, a handler's cold start) are evaluated again: vitest
 *   forgets them, while the packages under node_modules stay loaded (Node keeps those);
 * - `process.env` is what it was when the process started (a file that sets POWERTOOLS_LOG_LEVEL
 *   or STATE_TABLE at its top level sets it for itself only);
 * - aws-sdk-client-mock's stubs of a client's `send` are removed (they sit on the client class's
 *   prototype, in node_modules, so a later file's real client would otherwise be the stub);
 * - timers are real again.
 */
import { createRequire } from 'node:module';
import { afterAll, vi } from 'vitest';

const require = createRequire(import.meta.url);
const clientMock = require.resolve('aws-sdk-client-mock');

/** Remove every stub mockClient made (they are in sinon's default sandbox), if any file loaded it. */
function restoreClientMocks(): void {
  if (require.cache[clientMock] === undefined) return;
  (createRequire(clientMock)('sinon') as { restore(): void }).restore();
}

const processState = globalThis as { environmentAtStart?: Readonly<NodeJS.ProcessEnv> };
/** The first file's setup runs before any test file of this process: its environment is the process's own. */
processState.environmentAtStart ??= { ...process.env };

function restoreEnvironment(start: Readonly<NodeJS.ProcessEnv>): void {
  for (const name of Object.keys(process.env)) if (!(name in start)) delete process.env[name];
  Object.assign(process.env, start);
}

/** Register, for the file about to run, the undoing of what it leaves behind. */
export function leaveProcessAsFound(): void {
  afterAll(() => {
    vi.useRealTimers();
    restoreClientMocks();
    restoreEnvironment(processState.environmentAtStart ?? {});
    vi.resetModules();
  });
}
