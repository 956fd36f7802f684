/**
 * What `guardrails migration` and `guardrails upgrade` share: the runner context from the
 * flags, execution names, reading the parked approval, handing it a decision (`approve`,
 * `reject`), and printing how a start ended. Each command keeps only what differs.
 */
import { userInfo } from 'node:os';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { AwsCallError } from '../shared/aws/errors.js';
import type {
  ExecutionResult,
  FailedOutcome,
  ParkedApproval,
  WorkflowDecision,
} from '../shared/domain/workflow/runner.js';
import { clip } from '../shared/runtime/echo.js';
import { InputValidationError } from '../shared/runtime/errors.js';
import { redact, redactText } from '../shared/runtime/redact.js';
import { GROUP_ARGUMENT, parseGroupId, parseReason, parseStateMachineArn } from './arguments.js';
import type { CommandContext } from './commands/context.js';
import { EXIT, emitResult, type OutputFlags, withOutput } from './io.js';
import { type AwsFlags, awsOptions, cliEnv, stateStoreOf, tableName, withAws, withTable } from './options.js';
import { readableFields } from './readable.js';
import type { AbortRecord, RunnerContext, Workflow } from './workflow-runner.js';

/** Who decides: the operator's user name, as the decision records it. */
export const operator = () => {
  try {
    return userInfo().username;
  } catch {
    return 'cli';
  }
};

export type TableFlags = AwsFlags & { table?: string; stateMachineArn?: string };

export function runnerContext(
  workflow: Workflow,
  flags: TableFlags,
  out: (text: string) => void,
): RunnerContext {
  return {
    workflow,
    aws: awsOptions(flags),
    store: stateStoreOf(flags, tableName(flags)),
    stateMachineArn: flags.stateMachineArn ?? cliEnv()[workflow.arnVariable],
    out,
  };
}

/**
 * `<group>-<UTC time to the second>`, the time where the command acts (the sandbox's own clock
 * for a sandbox run): Step Functions refuses a second execution of the same name.
 */
export const executionName = (group: string, now: Date) =>
  `${group}-${now
    .toISOString()
    .replace(/[^0-9]/g, '')
    .slice(0, 14)}`;

/** Print how a start ended; a failed run exits `violations` with `advice` (what to do next). */
export function reportRun(
  result: ExecutionResult,
  out: (text: string) => void,
  advice: (outcome: FailedOutcome | undefined) => string,
): number {
  switch (result.status) {
    case 'started':
      out(`started ${result.executionArn}\n`);
      return EXIT.compliant;
    case 'succeeded':
      out(
        planned(result.output)
          ? `planned (a dry run: nothing changed): ${readableFields(redact(result.output), ['status'])}\n`
          : `${JSON.stringify(redact(result.output), null, 2)}\n`,
      );
      return EXIT.compliant;
    case 'failed':
      out(`failed: ${result.error}: ${redactText(result.cause)}\n`);
      out(redactText(advice(result.outcome)));
      return EXIT.violations;
  }
}

/** The approval waiting on `group`, as its approval step parked it (with `step` when recorded). */
export async function approvalOf(
  context: RunnerContext,
  group: string,
): Promise<(ParkedApproval & { step?: unknown }) | undefined> {
  const record = await context.store.readRecord(context.workflow.approvalKind, group);
  return (
    record && {
      ...record,
      replicationGroupId: record.replicationGroupId ?? group,
      requestedAt: record.requestedAt ?? '',
    }
  );
}

/** Hand a decision to the execution waiting for approval on `group`; false when none waits. */
export async function decide(
  context: RunnerContext,
  commands: CommandContext,
  group: string,
  decision: WorkflowDecision,
): Promise<boolean> {
  const approval = await approvalOf(context, group);
  if (approval === undefined) return false;
  try {
    await commands.runners.runner(context).decide(approval, decision);
  } catch (error) {
    // A record left by an approval already answered: its token is spent, nothing waits.
    if (!(error instanceof AwsCallError && SPENT_TOKEN.has(error.fault))) throw error;
    await context.store.deleteRecord(context.workflow.approvalKind, group, {
      field: 'execution',
      is: approval.execution,
    });
    return false;
  }
  return true;
}

/** Step Functions' answers to a task token that no task waits on any more. */
const SPENT_TOKEN: ReadonlySet<string> = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

/** Send `decision` to the execution waiting on `group` and say so; refused when none waits. */
async function answer(
  workflow: Workflow,
  group: string,
  flags: TableFlags & OutputFlags,
  decision: WorkflowDecision,
  context: CommandContext,
) {
  if (!(await decide(runnerContext(workflow, flags, context.io.stdout), context, group, decision)))
    throw new InputValidationError(`no ${workflow.name} of ${clip(group)} waits for approval`);
  const verdict = decision.approved ? 'approved' : 'rejected';
  const row = { replicationGroupId: group, decision: verdict, by: decision.by };
  await emitResult(
    { text: `${verdict}: ${group}\n`, rows: [row], columns: Object.keys(row) },
    flags,
    context.io,
  );
  context.exit.code = EXIT.compliant;
}

/** The parts of `approve` and `reject` that differ between workflows. */
export interface DecisionVerbs {
  approve: string;
  reject: string;
  /** The ASL Error a rejection fails the approval task with. */
  rejected: string;
}

/** Adds `approve` and `reject` to the workflow's command. */
export function addDecisions(
  parent: CommandUnknownOpts,
  workflow: Workflow,
  verbs: DecisionVerbs,
  context: CommandContext,
): void {
  withOutput(withTable(withAws(parent.command('approve'))), 'rows')
    .description(verbs.approve)
    .argument(...GROUP_ARGUMENT, parseGroupId)
    .action((group, flags) => answer(workflow, group, flags, { approved: true, by: operator() }, context));
  withOutput(withTable(withAws(parent.command('reject'))), 'rows')
    .description(verbs.reject)
    .argument(...GROUP_ARGUMENT, parseGroupId)
    .requiredOption('--reason <text>', 'why (recorded in the failure)', parseReason)
    .action((group, flags) =>
      answer(
        workflow,
        group,
        flags,
        { approved: false, by: operator(), error: verbs.rejected, reason: flags.reason },
        context,
      ),
    );
}

/** What `abort` did: the execution it aborted, what it says, and what is left of the group. */
export interface Aborted {
  execution: string;
  said: string;
  left: string;
}

/**
 * Adds `abort` to the workflow's command: `abort(context, group, reason)` stops the group's
 * execution and says how; one row (group, result) for `--format` / `--output`. What was aborted
 * and what is left is recorded, for `status` to say once the lock is gone.
 */
export function addAbort(
  parent: CommandUnknownOpts,
  workflow: Workflow,
  verb: {
    description: string;
    abort: (
      runner: RunnerContext,
      context: CommandContext,
      group: string,
      reason: string,
    ) => Promise<Aborted>;
  },
  context: CommandContext,
): void {
  withOutput(withTable(withAws(parent.command('abort'))), 'rows')
    .description(verb.description)
    .argument(...GROUP_ARGUMENT, parseGroupId)
    .requiredOption('--reason <text>', 'why', parseReason)
    .option(
      '--state-machine-arn <arn>',
      `the deployed state machine (default: $${workflow.arnVariable})`,
      parseStateMachineArn,
    )
    .action(async (group, flags) => {
      const runner = runnerContext(workflow, flags, context.io.stdout);
      const { execution, said, left } = await verb.abort(runner, context, group, flags.reason);
      const record = { execution, at: new Date().toISOString(), by: operator(), reason: flags.reason, left };
      await runner.store.putRecord(workflow.abortKind, group, record);
      const row = { replicationGroupId: group, result: said };
      await emitResult({ text: `${said}\n`, rows: [row], columns: Object.keys(row) }, flags, context.io);
      context.exit.code = EXIT.compliant;
    });
}

/** The line `status` gives the last abort of a group: what was aborted, when, by whom, why, and what is left. */
export const abortLine = (aborted: AbortRecord) =>
  `${aborted.execution} aborted at ${aborted.at} by ${aborted.by} (${aborted.reason}); left: ${aborted.left}`;

/** What a workflow's output says of a run that only planned (`dryRun`): it changed nothing. */
const planned = (output: unknown) =>
  typeof output === 'object' && output !== null && 'status' in output && output.status === 'dry-run';

/**
 * One row of how a start ended, for `--format` / `--output`: a dry run is `planned`, and
 * `detail` gives the output's fields (not its JSON).
 */
export function startRow(group: string, name: string, result: ExecutionResult) {
  const status = result.status === 'succeeded' && planned(result.output) ? 'planned' : result.status;
  const detail =
    result.status === 'started'
      ? (result.executionArn ?? '')
      : result.status === 'failed'
        ? `${result.error}: ${redactText(result.cause)}`
        : readableFields(redact(result.output), ['status', 'replicationGroupId', 'execution']);
  return { replicationGroupId: group, execution: name, status, detail };
}
