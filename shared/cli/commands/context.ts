import type { CliIo } from '../io.js';
import type { WorkflowRunners } from '../workflow-runner.js';

/** The CLI's version: the package's (a test keeps them equal). */
export const CLI_VERSION = '0.1.0';

/** What every command is given: where to write, where its exit code goes, the injected runners. */
export interface CommandContext {
  io: CliIo;
  exit: { code: number };
  runners: WorkflowRunners;
}
