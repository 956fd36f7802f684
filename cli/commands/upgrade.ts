/**
 * `guardrails upgrade start|status|approve|reject|abort`: operate the durability-upgrade state
 * machine (infra/durability-upgrade.asl.yaml) through an injected {@link WorkflowRunner}, with
 * the migration's conventions: decisions reach a waiting execution through the task token its
 * approval step parked in the state table, and the token is never printed.
 */
import { type CommandUnknownOpts, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { durabilityLeaseKey, migrationLockKey, RECORD_KINDS } from '../../shared/aws/state-keys.js';
import { STAGED_ACTIONS } from '../../shared/domain/durability/readiness.js';
import {
  durationSeconds,
  SOAK_BREACH_ACTIONS,
  SOAK_WINDOW_SECONDS,
} from '../../shared/domain/durability/soak.js';
import { parseUpgradeInput } from '../../shared/domain/durability/upgrade.js';
import { MAX_SHARDS } from '../../shared/domain/durability/workload-fit.js';
import { UPGRADE_ERRORS } from '../../shared/domain/workflow/index.js';
import { stopUnderLock } from '../../shared/jobs/workflow/abort.js';
import { clip } from '../../shared/runtime/echo.js';
import { InputValidationError } from '../../shared/runtime/errors.js';
import {
  decimalFlag,
  GROUP_ARGUMENT,
  idFlag,
  parseApprovalTimeout,
  parseGroupId,
  parseReason,
  parseStateMachineArn,
} from '../arguments.js';
import { EXIT, emitResult, type OutputFlags, withOutput } from '../io.js';
import { lastSoakOf, releaseSoakHold, soakLine } from '../last-soak.js';
import { awsOptions, withAws, withTable } from '../options.js';
import { type RunnerContext, WORKFLOWS } from '../workflow-runner.js';
import * as verbs from '../workflow-verbs.js';
import type { CommandContext } from './context.js';

const runnerContext = (flags: verbs.TableFlags, out: (text: string) => void) =>
  verbs.runnerContext(WORKFLOWS.upgrade, flags, out);

/**
 * Start an execution of `raw` (validated here first, so a bad flag never reaches AWS), in this
 * process when `local` and the entry point offers it. With `--format`/`--output` the run's
 * progress goes to stderr and the result is one row.
 */
async function start(
  raw: { replicationGroupId: string } & Record<string, unknown>,
  flags: verbs.TableFlags & OutputFlags,
  local: boolean,
  context: CommandContext,
): Promise<number> {
  const input = parseUpgradeInput(raw);
  const group = input.replicationGroupId;
  const rows = flags.format !== undefined || flags.output !== undefined;
  const runnerOf = runnerContext(flags, rows ? context.io.stderr : context.io.stdout);
  const inProcess = context.runners.local?.upgrade;
  const starter = local && inProcess !== undefined ? inProcess(runnerOf) : context.runners.runner(runnerOf);
  const name = verbs.executionName(group, await context.now(awsOptions(flags)));
  const result = await starter.start({ name, input });
  let text = '';
  const code = verbs.reportRun(
    result,
    (line) => {
      text += line;
    },
    () => `  ${LEFT_BY_UPGRADE}${group}\n`,
  );
  const row = verbs.startRow(group, name, result);
  await emitResult({ text, rows: [row], columns: Object.keys(row) }, flags, context.io);
  return code;
}

/** The group's lock, when an upgrade (not a migration) holds it. */
async function upgradeLock(context: RunnerContext, group: string) {
  const lock = await context.store.readLease(migrationLockKey(group));
  if (lock !== undefined && lock.details.kind !== 'upgrade')
    throw new InputValidationError(
      `${clip(group)} is locked by migration ${lock.holder}: see guardrails migration status ${clip(group)}`,
    );
  return lock;
}

/**
 * What the state table knows of a group's upgrade: the running execution, an approval wait, the
 * last abort and the last soak.
 */
async function status(context: RunnerContext, group: string, arn?: string) {
  const [lock, approval, aborted, soaked] = await Promise.all([
    context.store.readLease(migrationLockKey(group)),
    verbs.approvalOf(context, group),
    context.store.readRecord(context.workflow.abortKind, group),
    lastSoakOf(context.store, group, arn),
  ]);
  const step = typeof approval?.step === 'string' ? approval.step : '';
  const row = {
    replicationGroupId: group,
    lockedBy: lock?.holder ?? '',
    lockKind: typeof lock?.details.kind === 'string' ? lock.details.kind : '',
    lockedSince: lock?.acquiredAt ?? '',
    waitingForApproval: approval?.execution ?? '',
    approvalSince: approval?.requestedAt ?? '',
    approvalStep: step,
    lastAbort: aborted === undefined ? '' : verbs.abortLine(aborted),
    lastSoak: soaked === undefined ? '' : soakLine(soaked),
  };
  const lines = [
    lock === undefined
      ? `${group}: not locked: no upgrade or migration runs`
      : `${group}: locked by ${row.lockKind || 'execution'} ${lock.holder} since ${lock.acquiredAt}`,
    approval === undefined
      ? 'no approval waits'
      : `waiting for approval since ${approval.requestedAt}: ${approval.execution}${step === '' ? '' : ` (step: ${step})`}`,
    ...(aborted === undefined ? [] : [`last abort: ${row.lastAbort}`]),
    ...(soaked === undefined ? [] : [`last soak: ${row.lastSoak}`]),
  ];
  return { text: `${lines.join('\n')}\n`, rows: [row], columns: Object.keys(row) };
}

/** What is left of a group whose upgrade stopped: its steps still to run, as `plan` gives them. */
const LEFT_BY_UPGRADE = 'the group stays as the last step left it; what is left: guardrails plan --resource ';

const STOP_NOTE =
  'a request it already sent still applies and the group stays as that step leaves it; a step still running sends nothing more; the lock, lease and approval it held are released once it has stopped';

/**
 * Abort the group's upgrade: a waiting approval is rejected at once (the execution's failure
 * path releases the lock); a running step is stopped with StopExecution.
 */
async function abort(
  context: RunnerContext,
  commands: CommandContext,
  group: string,
  reason: string,
): Promise<verbs.Aborted> {
  const lock = await upgradeLock(context, group);
  if (lock === undefined) throw new InputValidationError(`no upgrade of ${clip(group)} is running`);
  const by = verbs.operator();
  const cause = `aborted: ${reason}`;
  if (
    await verbs.decide(context, commands, group, {
      approved: false,
      by,
      error: UPGRADE_ERRORS.rejected,
      reason: cause,
    })
  )
    return {
      execution: lock.holder,
      said: `the execution waiting for approval on ${group} stops now (${UPGRADE_ERRORS.rejected}); the group stays as the last step left it`,
      left: `${LEFT_BY_UPGRADE}${group}`,
    };
  // The lock is marked aborting before StopExecution and released once the execution has
  // stopped: a step still running sends nothing, and nobody takes the group meanwhile.
  const stop = { execution: lock.holder, error: UPGRADE_ERRORS.rejected, cause: `${cause} (by ${by})` };
  const stopped = await stopUnderLock(
    context.store,
    commands.runners.runner(context),
    group,
    stop,
    new Date().toISOString(),
  );
  // A stopped execution runs no failure step: give back what else it held, only if it still holds it.
  const arn = lock.details.arn;
  if (typeof arn === 'string')
    await context.store.releaseLease(durabilityLeaseKey(arn), `upgrade/${lock.holder}`);
  await context.store.deleteRecord(RECORD_KINDS.upgradeApproval, group, {
    field: 'execution',
    is: lock.holder,
  });
  return {
    execution: lock.holder,
    said: stopped
      ? `stopped ${lock.holder}: ${STOP_NOTE}`
      : `${lock.holder} was not running (it never started, or had ended already): nothing was stopped; the lock, lease and approval it held are released`,
    left: `${LEFT_BY_UPGRADE}${group}`,
  };
}

/** `--soak 2h`: the window in seconds, refused (naming the flag) outside 5m to 24h. */
function parseSoakWindow(text: string): number {
  const seconds = durationSeconds(text);
  if (seconds === undefined || seconds < SOAK_WINDOW_SECONDS.min || seconds > SOAK_WINDOW_SECONDS.max)
    throw new InvalidArgumentError(
      `--soak: expected a duration from 5m to 24h such as 2h or 90m, got "${text}"`,
    );
  return seconds;
}

/** `upgrade start`, with `--local` only where the entry point offers a local runner. */
function addStart(upgrade: CommandUnknownOpts, context: CommandContext): void {
  const offersLocal = context.runners.local !== undefined;
  const command = withOutput(withTable(withAws(upgrade.command('start'))), 'rows')
    .description(
      `Start a staged durability upgrade of a replication group (Step Functions${offersLocal ? ', or --local against the sandbox' : ''}).`,
    )
    .argument(...GROUP_ARGUMENT, parseGroupId)
    .requiredOption('--target <durability>', 'the durability to reach: async or sync')
    .option('--allow <action...>', `steps that run without an approval: ${STAGED_ACTIONS.join(', ')}`)
    .option('--enforce', 'let the final Durability change run without an approval')
    .option(
      '--shards <count>',
      "reshard to this many shards before durability (the plan's workload fit; cluster mode enabled)",
      decimalFlag('--shards', { min: 1, max: MAX_SHARDS }),
    )
    .option('--dry-run', 'plan and stop: nothing changes')
    .option(
      '--approval-timeout <seconds>',
      'stop without a decision after this long (each approval)',
      parseApprovalTimeout,
    )
    .option(
      '--soak <window>',
      'watch the group this long after the change (5m to 24h, e.g. 2h)',
      parseSoakWindow,
    )
    .addOption(
      new Option(
        '--on-breach <action>',
        'what a breach of the soak does (with --soak; default alert)',
      ).choices(SOAK_BREACH_ACTIONS),
    )
    .option('--unattended-step-back', 'step back to async without an approval (with --on-breach step-back)')
    .option(
      '--state-machine-arn <arn>',
      'the deployed state machine (default: $UPGRADE_STATE_MACHINE_ARN)',
      parseStateMachineArn,
    );
  if (offersLocal)
    command.option('--local', 'run the state machine in this process against the sandbox (--endpoint-url)');
  command.action(async (group, flags) => {
    const raw = {
      replicationGroupId: group,
      target: flags.target,
      allow: flags.allow ?? [],
      enforce: flags.enforce === true,
      dryRun: flags.dryRun === true,
      ...(flags.shards === undefined ? {} : { shards: flags.shards }),
      ...(flags.approvalTimeout === undefined ? {} : { approvalTimeoutSeconds: flags.approvalTimeout }),
      ...(flags.soak === undefined
        ? {}
        : {
            soak: {
              windowSeconds: flags.soak,
              onBreach: flags.onBreach ?? 'alert',
              unattended: flags.unattendedStepBack === true,
            },
          }),
    };
    if (flags.soak === undefined && (flags.onBreach !== undefined || flags.unattendedStepBack === true))
      throw new InputValidationError('--on-breach and --unattended-step-back need --soak <window>');
    // --local is declared only when offered: read it by name.
    const local = command.getOptionValue('local') === true;
    if (local && flags.stateMachineArn !== undefined)
      throw new InputValidationError('--local and --state-machine-arn exclude each other: give one');
    context.exit.code = await start(raw, flags, local, context);
  });
}

const ARN_HELP = "the group's ARN, when groups of several accounts or regions share its id";
const parseArnFlag = idFlag('replication group ARN', '--arn');

/** `upgrade release`: the durability job may raise a group its soak stepped back again. */
function addRelease(upgrade: CommandUnknownOpts, context: CommandContext): void {
  withOutput(withTable(withAws(upgrade.command('release'))), 'rows')
    .description(
      "Release a group whose last soak stepped it back: the durability job holds it (action held) until then, or until its rule's target or soak changes. Recorded (who, when, why) on the soak.",
    )
    .argument(...GROUP_ARGUMENT, parseGroupId)
    .requiredOption('--reason <text>', 'why (recorded on the soak)', parseReason)
    .option('--arn <arn>', ARN_HELP, parseArnFlag)
    .action(async (group, flags) => {
      const { store } = runnerContext(flags, context.io.stdout);
      const release = { by: verbs.operator(), at: new Date().toISOString(), reason: flags.reason };
      const run = await releaseSoakHold(store, group, {
        ...release,
        ...(flags.arn ? { arn: flags.arn } : {}),
      });
      const said = `released ${group}: the next durability run may raise it again (last soak: ${soakLine(run)})`;
      const row = { replicationGroupId: group, result: said };
      await emitResult({ text: `${said}\n`, rows: [row], columns: Object.keys(row) }, flags, context.io);
      context.exit.code = EXIT.compliant;
    });
}

/** Adds `upgrade start|status|release|approve|reject|abort` to `parent`. */
export function addUpgrade(parent: CommandUnknownOpts, context: CommandContext): void {
  const upgrade = parent
    .command('upgrade')
    .description('Operate the staged durability-upgrade state machine.');
  addStart(upgrade, context);
  withOutput(withTable(withAws(upgrade.command('status'))), 'rows')
    .description(
      "A group's upgrade: the execution holding the group's lock, an approval wait, the last abort and the last soak.",
    )
    .argument(...GROUP_ARGUMENT, parseGroupId)
    .option('--arn <arn>', ARN_HELP, parseArnFlag)
    .action(async (group, flags: verbs.TableFlags & OutputFlags & { arn?: string }) => {
      const result = await status(runnerContext(flags, context.io.stdout), group, flags.arn);
      await emitResult(result, flags, context.io);
      context.exit.code = EXIT.compliant;
    });
  addRelease(upgrade, context);
  verbs.addDecisions(
    upgrade,
    WORKFLOWS.upgrade,
    {
      approve: 'Let the waiting upgrade run its next step.',
      reject: `Refuse the waiting step: the execution fails with ${UPGRADE_ERRORS.rejected}, the group stays as the last step left it.`,
      rejected: UPGRADE_ERRORS.rejected,
    },
    context,
  );
  verbs.addAbort(
    upgrade,
    WORKFLOWS.upgrade,
    {
      description: `Abort a running upgrade. An approval waiting is rejected (${UPGRADE_ERRORS.rejected}, the reason says aborted) and the execution releases the group. Otherwise its execution is stopped (StopExecution, --state-machine-arn or $UPGRADE_STATE_MACHINE_ARN): ${STOP_NOTE}.`,
      abort,
    },
    context,
  );
}
