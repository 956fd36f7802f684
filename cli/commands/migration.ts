/**
 * `guardrails migration start|status|approve|reject|abort`: operate the migration state
 * machine through an injected {@link WorkflowRunner}. Decisions reach a waiting execution
 * through the task token its approval step parked in the state table.
 */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { createElastiCacheClient } from '../../shared/aws/clients.js';
import { loadPolicyFile } from '../../shared/aws/policy-file.js';
import { migrationLockKey } from '../../shared/aws/state-keys.js';
import { parseMigrationInput } from '../../shared/domain/migration/index.js';
import { MIGRATION_ERRORS } from '../../shared/domain/workflow/index.js';
import type { FailedOutcome } from '../../shared/domain/workflow/runner.js';
import { type MigrationStop, stopMigration } from '../../shared/jobs/migration/abort.js';
import { LEGACY_LOCK, lockState } from '../../shared/jobs/workflow/lock.js';
import { clip, listProblems } from '../../shared/runtime/echo.js';
import { InputValidationError } from '../../shared/runtime/errors.js';
import { redact } from '../../shared/runtime/redact.js';
import {
  GROUP_ARGUMENT,
  parseApprovalTimeout,
  parseExecutionArn,
  parseGroupId,
  parseStateMachineArn,
} from '../arguments.js';
import { EXIT, emitResult, type OutputFlags, withOutput } from '../io.js';
import { awsOptions, DEFAULT_POLICY_PATH, withAws, withTable } from '../options.js';
import { readableFields } from '../readable.js';
import { type RunnerContext, WORKFLOWS } from '../workflow-runner.js';
import {
  type Aborted,
  abortLine,
  addAbort,
  addDecisions,
  approvalOf,
  runnerContext as contextOf,
  decide,
  executionName,
  operator,
  reportRun,
  startRow,
  type TableFlags,
} from '../workflow-verbs.js';
import type { CommandContext } from './context.js';

const runnerContext = (flags: TableFlags, out: (text: string) => void) =>
  contextOf(WORKFLOWS.migration, flags, out);

/** `host:port` (IPv6 in brackets) into an endpoint; the schema checks the values. */
export function parseEndpoint(text: string): { address: string; port: number } {
  const match = text.match(/^\[?([^\]]+?)\]?:(\d+)$/);
  if (match === null) throw new InputValidationError(`--source ${clip(text)}: expected host:port`);
  return { address: match[1] ?? '', port: Number(match[2]) };
}

/**
 * What an on-call engineer needs after a failed migration: whether the source still serves,
 * which snapshot to restore from, and what to run next.
 */
export function failureAdvice(group: string, outcome: FailedOutcome | undefined): string {
  if (outcome === undefined) return `  next: guardrails migration status ${group}\n`;
  const lines = [`  migration: ${outcome.migration ?? 'unknown'}`];
  if (outcome.restoreFrom !== undefined)
    lines.push(`  restore from: snapshot ${outcome.restoreFrom} (kept; guardrails snapshot list)`);
  const handsOn = outcome.migration?.includes('act by hand') === true;
  lines.push(
    handsOn
      ? `  next: the group may still be migrating: guardrails migration status ${group}, then aws elasticache complete-migration --replication-group-id ${group} --force`
      : `  next: the source keeps serving; fix the cause above and start the migration again (guardrails migration start ${group} --source …)`,
  );
  return `${lines.join('\n')}\n`;
}

interface StartFlags extends TableFlags, OutputFlags {
  source: string[];
  requireApproval?: true;
  approvalTimeout?: number;
  dryRun?: true;
  local?: true;
  policy?: string;
  applyDurability?: true;
}

/** Start an execution: validated here first, so a bad flag never reaches AWS. */
async function start(group: string, flags: StartFlags, context: CommandContext): Promise<number> {
  const input = parseMigrationInput({
    replicationGroupId: group,
    customerEndpoints: flags.source.map(parseEndpoint),
    requireApproval: flags.requireApproval ?? false,
    dryRun: flags.dryRun ?? false,
    ...(flags.approvalTimeout === undefined ? {} : { approvalTimeoutSeconds: flags.approvalTimeout }),
  });
  const name = executionName(group, await context.now(awsOptions(flags)));
  // With --format/--output the run's progress goes to stderr and the result is one row.
  const rows = flags.format !== undefined || flags.output !== undefined;
  const runnerOf = runnerContext(flags, rows ? context.io.stderr : context.io.stdout);
  const { local } = context.runners;
  const starter =
    flags.local === true && local !== undefined
      ? local.migration(runnerOf, {
          policy: await loadPolicyFile(flags.policy ?? DEFAULT_POLICY_PATH),
          applyDurability: flags.applyDurability === true,
        })
      : context.runners.runner(runnerOf);
  const result = await starter.start({ name, input });
  let text = '';
  const code = reportRun(
    result,
    (line) => {
      text += line;
    },
    (outcome) => failureAdvice(group, outcome),
  );
  const row = startRow(group, name, result);
  await emitResult({ text, rows: [row], columns: Object.keys(row) }, flags, context.io);
  return code;
}

/** What `migration abort` says the stopped execution left, by what it had sent. */
const LEFT: Record<MigrationStop, string> = {
  forced:
    'its migration was stopped with CompleteMigration Force=true (data not synced; the source keeps serving)',
  'not-started': 'it had not started a migration; the group stays as it was',
  'not-migrating': 'the group is no longer under migration; nothing was forced',
  unknown:
    'its lock predates recorded requests, so whether it started a migration is unknown: if guardrails migration status shows the group migrating, run aws elasticache complete-migration --force by hand',
};

/**
 * Abort the group's migration: a waiting approval is rejected at once (the execution aborts
 * itself, Force=true only if it started the migration); otherwise the execution is stopped under
 * its lock, as `upgrade abort` does, and a migration it started is forced to stop.
 */
async function abort(
  context: RunnerContext,
  commands: CommandContext,
  group: string,
  reason: string,
): Promise<Aborted> {
  const lock = await context.store.readLease(migrationLockKey(group));
  if (lock === undefined) throw new InputValidationError(`no migration of ${clip(group)} is running`);
  if (lock.details.kind === 'upgrade')
    throw new InputValidationError(
      `${clip(group)} is locked by upgrade ${lock.holder}: see guardrails upgrade status ${clip(group)}`,
    );
  const by = operator();
  const decision = { approved: false, by, error: MIGRATION_ERRORS.aborted, reason } as const;
  if (await decide(context, commands, group, decision))
    return {
      execution: lock.holder,
      said: `the execution waiting for approval on ${group} aborts now (CompleteMigration Force=true only if it started the migration)`,
      left: 'the source keeps serving; the pre-migration snapshot is kept (guardrails snapshot list)',
    };
  const stop = {
    execution: lock.holder,
    error: MIGRATION_ERRORS.aborted,
    cause: `aborted by ${by}: ${reason}`,
  };
  const deps = {
    store: context.store,
    elasticache: createElastiCacheClient(context.aws),
    runner: commands.runners.runner(context),
  };
  const left = LEFT[await stopMigration(deps, group, stop, new Date().toISOString())];
  return {
    execution: lock.holder,
    said: `stopped ${lock.holder}: ${left}; a step still running sends nothing more, and the lock was released once it had stopped`,
    left,
  };
}

/** What the state table knows of a group's migration, and the runner with `--execution-arn`. */
async function status(
  context: RunnerContext,
  commands: CommandContext,
  group: string,
  executionArn?: string,
) {
  const [lock, approval, aborted] = await Promise.all([
    context.store.readLease(migrationLockKey(group)),
    approvalOf(context, group),
    context.store.readRecord(context.workflow.abortKind, group),
  ]);
  const lockOf = (held: NonNullable<typeof lock>) => {
    const state = lockState(held.details);
    return {
      execution: held.holder,
      since: held.acquiredAt,
      lock: state,
      ...(state === 'legacy' ? { note: LEGACY_LOCK } : {}),
    };
  };
  const found: Record<string, unknown> = {
    replicationGroupId: group,
    running: lock === undefined ? false : lockOf(lock),
    waitingForApproval:
      approval === undefined ? false : { execution: approval.execution, since: approval.requestedAt },
  };
  if (aborted !== undefined) found.lastAbort = abortLine(aborted);
  if (executionArn !== undefined)
    found.execution = await commands.runners.runner(context).describe(executionArn);
  return found;
}

/** The flags of `migration start --local` given without it, or with a flag that excludes it. */
function localProblems(
  local: { local?: true; applyDurability?: true },
  flags: { stateMachineArn?: string },
  policySource: string | undefined,
): string[] {
  if (local.local === true)
    return flags.stateMachineArn === undefined
      ? []
      : ['--local and --state-machine-arn exclude each other: give one'];
  return [
    ...(policySource === 'cli' ? ['--policy needs --local'] : []),
    ...(local.applyDurability === true ? ['--apply-durability needs --local'] : []),
  ];
}

/** `migration start`, with `--local` and its flags only where the entry point offers a local runner. */
function addStart(migration: CommandUnknownOpts, context: CommandContext): void {
  const offersLocal = context.runners.local !== undefined;
  const command = withOutput(withTable(withAws(migration.command('start'))), 'rows')
    .description(
      `Start a migration into a replication group (Step Functions${offersLocal ? ', or --local against the sandbox' : ''}).`,
    )
    .argument(...GROUP_ARGUMENT, parseGroupId)
    .requiredOption('--source <host:port...>', 'customer (source) node endpoints')
    .option('--require-approval', 'wait for `migration approve` before CompleteMigration')
    .option('--approval-timeout <seconds>', 'abort without a decision after this long', parseApprovalTimeout)
    .option('--dry-run', 'stop after the preflight checks')
    .option(
      '--state-machine-arn <arn>',
      'the deployed state machine (default: $MIGRATION_STATE_MACHINE_ARN)',
      parseStateMachineArn,
    );
  if (offersLocal)
    command
      .option('--local', 'run the state machine in this process against the sandbox (--endpoint-url)')
      .option('--policy <file>', 'policy for raising durability afterwards (--local)', DEFAULT_POLICY_PATH)
      .option('--apply-durability', 'let the durability step change the group (--local; default: dry run)');
  command.action(async (group, flags) => {
    // The --local flags are declared only when offered: read them by name.
    const policy = command.getOptionValue('policy');
    const local = {
      local: command.getOptionValue('local') === true ? (true as const) : undefined,
      policy: typeof policy === 'string' ? policy : undefined,
      applyDurability: command.getOptionValue('applyDurability') === true ? (true as const) : undefined,
    };
    const problems = localProblems(local, flags, command.getOptionValueSource('policy'));
    if (problems.length > 0) throw new InputValidationError(listProblems(problems));
    context.exit.code = await start(group, { ...flags, ...local }, context);
  });
}

/** Adds `migration start|status|approve|reject|abort` to `parent`. */
export function addMigration(parent: CommandUnknownOpts, context: CommandContext): void {
  const migration = parent.command('migration').description('Operate the online-migration state machine.');
  addStart(migration, context);
  withOutput(withTable(withAws(migration.command('status'))), 'rows')
    .description("A group's migration: the running execution and an approval wait.")
    .argument(...GROUP_ARGUMENT, parseGroupId)
    .option('--execution-arn <arn>', 'also read this execution from Step Functions', parseExecutionArn)
    .action(async (group, flags) => {
      const found = redact(
        await status(runnerContext(flags, context.io.stdout), context, group, flags.executionArn),
      ) as Record<string, unknown>;
      // A row for --format: each part as its fields (`no` when absent).
      const row = Object.fromEntries(
        Object.entries(found).map(([key, value]) => [key, value === false ? 'no' : readableFields(value)]),
      );
      const text = `${JSON.stringify(found, null, 2)}\n`;
      await emitResult({ text, rows: [row], columns: Object.keys(row) }, flags, context.io);
      context.exit.code = EXIT.compliant;
    });
  addDecisions(
    migration,
    WORKFLOWS.migration,
    {
      approve: 'Let the waiting migration run CompleteMigration.',
      reject: 'Refuse the waiting migration: it is aborted (Force=true) and the source keeps serving.',
      rejected: MIGRATION_ERRORS.rejected,
    },
    context,
  );
  addAbort(
    migration,
    WORKFLOWS.migration,
    {
      description:
        'Abort a running migration: an approval waiting is rejected; otherwise its execution is stopped (StopExecution, --state-machine-arn or $MIGRATION_STATE_MACHINE_ARN) under its lock, and a migration it started is stopped with Force=true. The snapshot is kept.',
      abort,
    },
    context,
  );
}
