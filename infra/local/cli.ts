/**
 * The sandbox's own `guardrails`: the operator CLI with the sandbox's runners, which add
 * `migration start --local` and `upgrade start --local` (the state machine run in this process
 * against the emulator). The shipped CLI (bin/guardrails.ts) offers no such flag and never
 * loads this folder.
 *
 *   npm run sandbox-cli -- migration start cart --local --endpoint-url http://127.0.0.1:4566 --source 127.0.0.1:6380
 *   npm run sandbox-cli -- upgrade start legacy --target sync --local --endpoint-url http://127.0.0.1:4566
 */
import { fileURLToPath } from 'node:url';
import { type CliIo, defaultIo, runCli, STEP_FUNCTIONS_RUNNERS } from '../../cli/main.js';
import type { WorkflowRunners } from '../../cli/workflow-runner.js';
import type { AwsClientOptions } from '../../shared/aws/clients.js';
import { InputValidationError } from '../../shared/runtime/errors.js';
import { LocalMigrationRunner, SandboxClock } from './migration-workflow.js';
import { TASK_TOKEN } from './step-functions.js';
import { LocalUpgradeRunner } from './upgrade-workflow.js';

/**
 * The sandbox CLI's runners: `start --local` runs in this process; a decision for a local
 * execution (its token is the local one) is left in the state table for it, others go to Step
 * Functions.
 */
export const SANDBOX_RUNNERS: WorkflowRunners = {
  runner: (context) => {
    const stepFunctions = STEP_FUNCTIONS_RUNNERS.runner(context);
    const { name, arnVariable, decisionKind } = context.workflow;
    return {
      start: (execution) => {
        if (context.stateMachineArn === undefined)
          throw new InputValidationError(
            `${name} start: give --state-machine-arn (or ${arnVariable}), or --local for the sandbox`,
          );
        return stepFunctions.start(execution);
      },
      describe: (executionArn) => stepFunctions.describe(executionArn),
      decide: (approval, decision) =>
        approval.taskToken === TASK_TOKEN
          ? context.store.putRecord(decisionKind, approval.replicationGroupId, decision)
          : stepFunctions.decide(approval, decision),
      stop: (request) => stepFunctions.stop(request),
      running: (execution) => stepFunctions.running(execution),
    };
  },
  local: {
    migration: (context, settings) => new LocalMigrationRunner(context, settings),
    upgrade: (context) => new LocalUpgradeRunner(context),
  },
};

/**
 * Run the sandbox CLI with these arguments; returns the exit code.
 *
 * @example
 * const code = await runSandboxCli(['migration', 'start', 'cart', '--local', '--source', '127.0.0.1:6380'], io);
 */
export function runSandboxCli(args: string[], io: CliIo): Promise<number> {
  return runCli(args, io, SANDBOX_RUNNERS, sandboxNow);
}

/** The sandbox's time (its clock jumps): read from the emulator the commands talk to. */
async function sandboxNow(aws: AwsClientOptions): Promise<Date> {
  const endpoint = aws.endpoint ?? process.env.AWS_ENDPOINT_URL;
  if (endpoint === undefined || endpoint === '') return new Date();
  const clock = new SandboxClock(endpoint);
  await clock.advance(0);
  return clock.now();
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await runSandboxCli(process.argv.slice(2), defaultIo());
}
