/**
 * `guardrails migration start|status|approve|reject|abort`: operate the migration state
 * machine through the Step Functions API, or run it in this process against the local
 * sandbox (`--local`). Decisions reach the execution through its task token, which only the
 * state table holds; with `--local` they are left in the table for the running CLI to read.
 */
import { userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AwsClientOptions, createFleetClients } from '../aws/clients.js';
import { createMetricsClient } from '../aws/durability-metrics.js';
import { DETAIL_TYPES, EventPublisher, type OutgoingEvent } from '../aws/notify.js';
import {
  type MigrationApproval as ApprovalRecord,
  migrationLockKey,
  RECORD_KINDS,
} from '../aws/state-keys.js';
import { StateStore } from '../aws/state-store.js';
import { StepFunctions } from '../aws/step-functions.js';
import { parseMigrationInput } from '../domain/migration.js';
import type { Policy } from '../domain/policy/schema.js';
import { ABORT_KIND, type AbortRequest, APPROVAL_KIND } from '../jobs/migration.js';
import { clip } from '../runtime/echo.js';
import { InputValidationError } from '../runtime/errors.js';
import { createLogger } from '../runtime/logger.js';
import { redact, redactText } from '../runtime/redact.js';

/** Where a local execution waits for `approve`/`reject`/`abort` (a local token cannot be sent to AWS). */
export const DECISION_KIND = RECORD_KINDS.migrationDecision;
const LOCAL_TOKEN = /^local-/;

interface Decision {
  approved: boolean;
  by: string;
  error?: string;
  reason?: string;
}

export interface MigrationCliContext {
  aws: AwsClientOptions;
  table: string;
  out: (text: string) => void;
}

/** `--endpoint-url` is ElastiCache's; DynamoDB and Step Functions use their own (AWS_ENDPOINT_URL_<SERVICE>). */
const withoutEndpoint = (context: MigrationCliContext): AwsClientOptions => ({
  ...context.aws,
  endpoint: undefined,
});
const stateStore = (context: MigrationCliContext) => new StateStore(context.table, withoutEndpoint(context));

const operator = () => {
  try {
    return userInfo().username;
  } catch {
    return 'cli';
  }
};

/** `host:port` (IPv6 in brackets) into an endpoint; the schema checks the values. */
export function parseEndpoint(text: string): { address: string; port: number } {
  const match = text.match(/^\[?([^\]]+?)\]?:(\d+)$/);
  if (match === null) throw new InputValidationError(`--source ${clip(text)}: expected host:port`);
  return { address: match[1] ?? '', port: Number(match[2]) };
}

export interface StartFlags {
  sources: string[];
  requireApproval?: boolean;
  dryRun?: boolean;
  approvalTimeout?: string;
  stateMachineArn?: string;
  local?: boolean;
  policy: () => Promise<Policy>;
  applyDurability?: boolean;
}

/** Start an execution: validated here first, so a bad flag never reaches AWS. */
export async function startMigration(
  context: MigrationCliContext,
  group: string,
  flags: StartFlags,
): Promise<number> {
  const input = parseMigrationInput({
    replicationGroupId: group,
    customerEndpoints: flags.sources.map(parseEndpoint),
    requireApproval: flags.requireApproval ?? false,
    dryRun: flags.dryRun ?? false,
    ...(flags.approvalTimeout === undefined ? {} : { approvalTimeoutSeconds: Number(flags.approvalTimeout) }),
  });
  const name = `${group}-${new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}`;
  if (flags.local === true) return runLocally(context, input, name, flags);
  const stateMachineArn = flags.stateMachineArn ?? process.env.MIGRATION_STATE_MACHINE_ARN;
  if (stateMachineArn === undefined || stateMachineArn === '')
    throw new InputValidationError(
      'migration start: give --state-machine-arn (or MIGRATION_STATE_MACHINE_ARN), or --local for the sandbox',
    );
  const executionArn = await new StepFunctions(withoutEndpoint(context)).start(stateMachineArn, name, input);
  context.out(`started ${executionArn}\n`);
  return 0;
}

async function runLocally(
  context: MigrationCliContext,
  input: ReturnType<typeof parseMigrationInput>,
  name: string,
  flags: StartFlags,
): Promise<number> {
  const endpoint = context.aws.endpoint ?? process.env.AWS_ENDPOINT_URL;
  if (endpoint === undefined)
    throw new InputValidationError(
      'migration start --local: give --endpoint-url (or AWS_ENDPOINT_URL) of the sandbox',
    );
  const { runMigrationLocally } = await import('../../infra/local/migration-workflow.js');
  const { ExecutionFailedError } = await import('../../infra/local/step-functions.js');
  const aws = { ...context.aws, endpoint };
  const clients = createFleetClients(aws);
  const store = stateStore(context);
  const events = new OutcomeKeeper(undefined, aws);
  const logger = createLogger('cli');
  logger.setLogLevel('SILENT');
  // The sandbox keeps its own time (waits move it on): steps stamp times on its clock.
  let skewMs = 0;
  const sandboxClock = async (advanceMs: number) => {
    const answer = await fetch(new URL('/_control/clock', endpoint), {
      method: 'POST',
      body: JSON.stringify({ advanceMs }),
    });
    skewMs = Date.parse(((await answer.json()) as { now: string }).now) - Date.now();
  };
  await sandboxClock(0);
  const now = () => new Date(Date.now() + skewMs);
  const policy = await flags.policy();
  const deps = {
    elasticache: clients.elasticache,
    store,
    events,
    logger,
    now,
    durability: async () => ({
      deps: {
        clients,
        cloudwatch: createMetricsClient(aws),
        store,
        events,
        logger,
        holder: `cli/${name}`,
        now,
      },
      settings: { policy, dryRun: flags.applyDurability !== true },
    }),
  };
  const clock = {
    advance: async (ms: number) => {
      await sandboxClock(ms);
      // A real source needs real time to sync (redis waits 5 s before a full sync by default).
      await sleep(250);
    },
  };
  context.out(`running ${name} locally against ${redactText(endpoint)}\n`);
  try {
    const run = await runMigrationLocally(deps, input, {
      clock,
      executionName: name,
      onTaskToken: () =>
        waitForDecision(store, input.replicationGroupId, input.approvalTimeoutSeconds, context.out),
    });
    context.out(`${JSON.stringify(redact(run.output), null, 2)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ExecutionFailedError)) throw error;
    context.out(`failed: ${error.error}: ${redactText(error.causeText)}\n`);
    context.out(redactText(failureAdvice(input.replicationGroupId, events.outcome)));
    return 1;
  }
}

/** A local execution's approval step: poll the table for a decision, bounded by the timeout. */
async function waitForDecision(
  store: StateStore,
  group: string,
  timeoutSeconds: number,
  out: (text: string) => void,
): Promise<never> {
  out(`waiting for: guardrails migration approve ${group}   (or reject / abort)\n`);
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    const decision = await store.readRecord<Decision>(DECISION_KIND, group);
    if (decision !== undefined) {
      await store.deleteRecord(DECISION_KIND, group);
      if (decision.approved) return { approved: true, by: decision.by } as never;
      throw Object.assign(new Error(decision.reason ?? 'rejected'), {
        name: decision.error ?? 'MigrationRejected',
      });
    }
    await sleep(250);
  }
  throw Object.assign(new Error('no decision in time'), { name: 'States.Timeout' });
}

async function approvalOf(store: StateStore, group: string): Promise<ApprovalRecord | undefined> {
  return store.readRecord<ApprovalRecord>(APPROVAL_KIND, group);
}

/** Send a decision to the execution waiting for approval on `group`. */
export async function decide(
  context: MigrationCliContext,
  group: string,
  decision:
    | { approved: true }
    | { approved: false; error: 'MigrationRejected' | 'MigrationAborted'; reason: string },
): Promise<boolean> {
  const store = stateStore(context);
  const approval = await approvalOf(store, group);
  if (approval === undefined) return false;
  const by = operator();
  if (LOCAL_TOKEN.test(approval.taskToken)) {
    await store.putRecord(DECISION_KIND, group, { ...decision, by });
    return true;
  }
  const stepFunctions = new StepFunctions(withoutEndpoint(context));
  if (decision.approved) await stepFunctions.succeed(approval.taskToken, { approved: true, by });
  else await stepFunctions.fail(approval.taskToken, decision.error, `${decision.reason} (by ${by})`);
  return true;
}

/** Ask the group's execution to abort: at once if it waits for approval, else at its next sync check. */
export async function abortMigration(
  context: MigrationCliContext,
  group: string,
  reason: string,
): Promise<string> {
  const store = stateStore(context);
  const lock = await store.readLease(migrationLockKey(group));
  if (lock === undefined) throw new InputValidationError(`no migration of ${clip(group)} is running`);
  const request: AbortRequest = {
    by: operator(),
    reason,
    requestedAt: new Date().toISOString(),
    execution: lock.holder,
  };
  await store.putRecord(ABORT_KIND, group, request);
  const atApproval = await decide(context, group, { approved: false, error: 'MigrationAborted', reason });
  return atApproval
    ? `the execution waiting for approval on ${group} aborts now`
    : `abort requested: the execution migrating ${group} aborts at its next sync check (CompleteMigration Force=true only if it started the migration)`;
}

/** What the state table knows of a group's migration, and Step Functions with `--execution-arn`. */
export async function migrationStatus(
  context: MigrationCliContext,
  group: string,
  executionArn?: string,
): Promise<Record<string, unknown>> {
  const store = stateStore(context);
  const [lock, approval, abort] = await Promise.all([
    store.readLease(migrationLockKey(group)),
    approvalOf(store, group),
    store.readRecord<AbortRequest>(ABORT_KIND, group),
  ]);
  const status: Record<string, unknown> = {
    replicationGroupId: group,
    running: lock === undefined ? false : { execution: lock.holder, since: lock.acquiredAt },
    waitingForApproval:
      approval === undefined ? false : { execution: approval.execution, since: approval.requestedAt },
    abortRequested: abort ?? false,
  };
  if (executionArn !== undefined)
    status.execution = await new StepFunctions(withoutEndpoint(context)).describe(executionArn);
  return status;
}

/** The failure report a run sends as its `Migration Outcome` event. */
interface FailedOutcome {
  migration?: string;
  restoreFrom?: string;
  dataSynced?: boolean;
}

/** An event publisher that also keeps the run's outcome, for the CLI to print. */
class OutcomeKeeper extends EventPublisher {
  outcome: FailedOutcome | undefined;

  override async publish(events: OutgoingEvent[]): Promise<void> {
    for (const event of events)
      if (event.detailType === DETAIL_TYPES.migrationOutcome) this.outcome = event.detail as FailedOutcome;
    await super.publish(events);
  }
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
