/**
 * The operator CLI, `guardrails`: the program's wiring and its error handling. Each command
 * lives in `commands/`; the workflow runners are injected, Step Functions by default.
 */
import { Command, CommanderError } from '@commander-js/extra-typings';
import { AwsCallError } from '../shared/aws/errors.js';
import { StepFunctionsRunner } from '../shared/aws/step-functions.js';
import { redactText } from '../shared/runtime/redact.js';
import { type CommandContext, wallClockNow } from './commands/context.js';
import { addDrift } from './commands/drift.js';
import { addMigration } from './commands/migration.js';
import { addPlan } from './commands/plan.js';
import { addPolicy } from './commands/policy.js';
import { addScan } from './commands/scan.js';
import { addSnapshot } from './commands/snapshot.js';
import { addUpgrade } from './commands/upgrade.js';
import { type CliIo, EXIT } from './io.js';
import { externalIdOf } from './targets.js';
import { CLI_VERSION } from './version.js';
import type { WorkflowRunners } from './workflow-runner.js';
import { cloudWatchWorkload } from './workload.js';

export { type CliIo, EXIT } from './io.js';
export { CLI_VERSION } from './version.js';

/** The deployed app's runners: executions run in Step Functions. */
export const STEP_FUNCTIONS_RUNNERS: WorkflowRunners = {
  // `--endpoint-url` is ElastiCache's; Step Functions uses its own (AWS_ENDPOINT_URL_SFN).
  runner: (context) =>
    new StepFunctionsRunner(
      context.workflow,
      { ...context.aws, endpoint: undefined },
      context.stateMachineArn,
    ),
};

function program(context: CommandContext) {
  const root = new Command('guardrails')
    .description('Keep ElastiCache (Valkey / Redis OSS) fleets inside a durability and encryption policy.')
    .version(CLI_VERSION, '--version', 'print the version')
    .option('--debug', 'on an error, print its stack trace too (any command)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    // commander echoes the arguments it refuses (`--password=…`): its errors are redacted too.
    .configureOutput({
      writeOut: context.io.stdout,
      writeErr: (text) => context.io.stderr(redactText(text)),
    })
    .showHelpAfterError('(run with --help for usage)');
  addScan(root, context);
  addPlan(root, context);
  addDrift(root, context);
  addPolicy(root, context);
  addSnapshot(root, context);
  addMigration(root, context);
  addUpgrade(root, context);
  return root;
}

/**
 * Run the CLI with the given arguments (without `node` and the script) and return the exit code.
 * Errors become one line on stderr; `--debug` adds the stack. Both are redacted: a message may
 * echo a flag, a file or an endpoint that carries a secret. `runners` run the migration and
 * upgrade state machines (the sandbox's entry point passes its own, which adds `start --local`);
 * `workload` reads the write workload `plan` judges the durability fit on (absent: fits are `unknown`).
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), defaultIo());
 */
export async function runCli(
  args: string[],
  io: CliIo,
  runners: WorkflowRunners = STEP_FUNCTIONS_RUNNERS,
  now: CommandContext['now'] = wallClockNow,
  workload: CommandContext['workload'] = cloudWatchWorkload,
): Promise<number> {
  const secret = externalIdOf(args);
  // The external id is a secret: no error or usage line may repeat it.
  const out: CliIo =
    secret === undefined ? io : { ...io, stderr: (text) => io.stderr(text.replaceAll(secret, '***')) };
  const context: CommandContext = { io: out, exit: { code: EXIT.compliant }, runners, now, workload };
  const debug = args.includes('--debug');
  try {
    await program(context).parseAsync(
      args.filter((arg) => arg !== '--debug'),
      { from: 'user' },
    );
    return context.exit.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      const shown = error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
      return shown || error.exitCode === 0 ? EXIT.compliant : EXIT.usage;
    }
    const setup = setupProblem(error);
    const code =
      setup !== undefined
        ? EXIT.usage
        : error instanceof AwsCallError || isSdkError(error)
          ? EXIT.aws
          : EXIT.usage;
    const message = setup ?? (error instanceof Error ? error.message : String(error));
    out.stderr(`guardrails: ${redactText(message)}\n`);
    if (debug && error instanceof Error && error.stack !== undefined)
      out.stderr(`${redactText(error.stack)}\n`);
    return code;
  }
}

/**
 * What to do when the SDK could not even start a call: no region, no credentials. Nothing
 * reached AWS, so these are set-up errors (exit 2) that name the flags and variables to set.
 */
function setupProblem(error: unknown): string | undefined {
  const cause = error instanceof AwsCallError && error.cause instanceof Error ? error.cause : error;
  if (!(cause instanceof Error)) return undefined;
  if (cause.message.includes('Region is missing'))
    return 'no AWS region: pass --region (e.g. --region us-east-1) or set AWS_REGION';
  if (cause.name === 'CredentialsProviderError')
    return 'no AWS credentials found: pass --profile NAME (a profile of ~/.aws/config), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or run where an SSO session or an IAM role provides them';
  return undefined;
}

function isSdkError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && '$metadata' in error;
}

/** The process's own streams. */
export function defaultIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: process.stdout.isTTY === true,
    progress: process.stderr.isTTY === true,
    columns: terminalColumns(process.env.COLUMNS, process.stdout.columns),
  };
}

/**
 * The terminal's width: `COLUMNS` when it is a positive whole number (the shell's variable, set
 * to try a width), else what the terminal says.
 *
 * @example
 * terminalColumns('120', 80); // 120
 */
export function terminalColumns(
  variable: string | undefined,
  terminal: number | undefined,
): number | undefined {
  const given = Number(variable);
  return variable !== undefined && Number.isInteger(given) && given > 0 ? given : terminal;
}
