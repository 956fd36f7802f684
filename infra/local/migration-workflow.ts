/**
 * The migration state machine run locally: the ASL file from infra/, each Task mapped to the
 * same `runMigrationTask` dispatch the deployed `migration-*` functions use, and every Wait
 * advancing the emulator's clock instead of sleeping; the sandbox CLI's `migration start --local`
 * runner, and what local runs of both workflows share (the sandbox's clock, the decision left
 * in the state table), which only the sandbox's entry point (infra/local/cli.ts) injects.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalRunSettings, MigrationExecution, RunnerContext } from '../../cli/workflow-runner.js';
import { type AwsClientOptions, createFleetClients } from '../../shared/aws/clients.js';
import { createMetricsClient } from '../../shared/aws/durability-metrics.js';
import { DETAIL_TYPES, type Delivery, EventPublisher, type OutgoingEvent } from '../../shared/aws/notify.js';
import type { MigrationInput } from '../../shared/domain/migration/index.js';
import type {
  ExecutionResult,
  FailedOutcome,
  WorkflowExecution,
  WorkflowStarter,
} from '../../shared/domain/workflow/runner.js';
import {
  MIGRATION_FUNCTIONS,
  type MigrationDeps,
  type MigrationFunction,
  runMigrationTask,
} from '../../shared/jobs/migration/index.js';
import { workflowTaskSchema } from '../../shared/jobs/workflow/task.js';
import { InputValidationError } from '../../shared/runtime/errors.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { redactText } from '../../shared/runtime/redact.js';
import {
  ExecutionFailedError,
  type LocalRunOptions,
  type LocalRunResult,
  type LocalTask,
  loadDefinition,
  runLocalStateMachine,
} from './step-functions.js';

/** The one ASL file the deployment and the local runs share. */
export const MIGRATION_ASL = new URL('../migration.asl.yaml', import.meta.url);

/** Local handlers for every `migration-*` function, bound to `deps`. */
export function migrationTasks(deps: MigrationDeps): Record<MigrationFunction, LocalTask> {
  return Object.fromEntries(
    (Object.keys(MIGRATION_FUNCTIONS) as MigrationFunction[]).map((fn) => [
      fn,
      async (event: unknown) => runMigrationTask(fn, deps, workflowTaskSchema.parse(event)) as never,
    ]),
  ) as unknown as Record<MigrationFunction, LocalTask>;
}

export interface LocalMigrationOptions
  extends Pick<LocalRunOptions, 'onTaskToken' | 'maxTransitions' | 'executionName'> {
  /** The sandbox's clock (in process, or through its control endpoint): each Wait moves it on. */
  clock: { advance(ms: number): void | Promise<void> };
  /**
   * Real milliseconds each Wait also lasts (default 0): where real data moves (redis-server),
   * the emulator's clock jumps but replication needs a little real time between looks.
   */
  realMsPerWait?: number;
  /** Replace the handler of some functions (to inject a failure or act between steps). */
  wrap?: Partial<Record<MigrationFunction, (task: LocalTask) => LocalTask>>;
}

/**
 * Run one migration execution against the sandbox; throws ExecutionFailedError when it fails.
 *
 * @example
 * const run = await runMigrationLocally(deps, { replicationGroupId: 'orders', customerEndpoints }, { clock });
 */
export function runMigrationLocally(
  deps: MigrationDeps,
  input: object,
  options: LocalMigrationOptions,
): Promise<LocalRunResult> {
  const tasks = migrationTasks(deps);
  for (const [fn, wrap] of Object.entries(options.wrap ?? {})) {
    const name = fn as MigrationFunction;
    tasks[name] = wrap(tasks[name]);
  }
  return runLocalStateMachine(loadDefinition(MIGRATION_ASL), input as never, {
    tasks,
    onWait: async (seconds) => {
      await options.clock.advance(seconds * 1000);
      if ((options.realMsPerWait ?? 0) > 0) await sleep(options.realMsPerWait);
    },
    onTaskToken: options.onTaskToken,
    maxTransitions: options.maxTransitions ?? 2000,
    executionName: options.executionName,
  });
}

/** An event publisher that also keeps the run's outcome, for the CLI to print. */
class OutcomeKeeper extends EventPublisher {
  outcome: FailedOutcome | undefined;

  override async deliver<Event extends OutgoingEvent>(events: readonly Event[]): Promise<Delivery<Event>> {
    for (const event of events)
      if (event.detailType === DETAIL_TYPES.migrationOutcome) this.outcome = event.detail as FailedOutcome;
    return super.deliver(events);
  }
}

/**
 * The sandbox's clock, moved through the emulator's control endpoint: steps stamp times on it,
 * and each Wait moves it on instead of sleeping.
 */
export class SandboxClock {
  #skewMs = 0;

  constructor(readonly endpoint: string) {}

  async advance(advanceMs: number): Promise<void> {
    const answer = await fetch(new URL('/_control/clock', this.endpoint), {
      method: 'POST',
      body: JSON.stringify({ advanceMs }),
    });
    this.#skewMs = Date.parse(((await answer.json()) as { now: string }).now) - Date.now();
  }

  now = () => new Date(Date.now() + this.#skewMs);
}

/** The sandbox a local run talks to: its endpoint as client options, and its clock. */
export interface Sandbox {
  aws: AwsClientOptions;
  clock: SandboxClock;
}

/**
 * Run one execution in this process against the sandbox (`--endpoint-url`): `run` drives the
 * state machine, a failed execution becomes a `failed` result with `outcome()` (what it reported).
 */
export async function runInSandbox(
  context: RunnerContext,
  execution: WorkflowExecution,
  run: (sandbox: Sandbox) => Promise<LocalRunResult>,
  outcome: () => FailedOutcome | undefined = () => undefined,
): Promise<ExecutionResult> {
  const endpoint = context.aws.endpoint ?? process.env.AWS_ENDPOINT_URL;
  if (endpoint === undefined || endpoint === '')
    throw new InputValidationError(
      `${context.workflow.name} start --local: give --endpoint-url (or AWS_ENDPOINT_URL) of the sandbox`,
    );
  const clock = new SandboxClock(endpoint);
  await clock.advance(0);
  context.out(`running ${execution.name} locally against ${redactText(endpoint)}\n`);
  try {
    const { output } = await run({ aws: { ...context.aws, endpoint }, clock });
    return { status: 'succeeded', output };
  } catch (error) {
    if (!(error instanceof ExecutionFailedError)) throw error;
    return { status: 'failed', error: error.error, cause: error.causeText, outcome: outcome() };
  }
}

/**
 * `guardrails migration start --local`: the state machine runs in this process against the
 * sandbox (`--endpoint-url`), its approval step waiting for a decision left in the state table.
 */
export class LocalMigrationRunner implements WorkflowStarter<MigrationInput> {
  constructor(
    readonly context: RunnerContext,
    readonly settings: LocalRunSettings,
  ) {}

  start(execution: MigrationExecution): Promise<ExecutionResult> {
    const { context } = this;
    const { input } = execution;
    let events: OutcomeKeeper | undefined;
    return runInSandbox(
      context,
      execution,
      ({ aws, clock }) => {
        events = new OutcomeKeeper(undefined, aws);
        return runMigrationLocally(this.#deps(aws, events, clock.now, execution.name), input, {
          clock: {
            advance: async (ms: number) => {
              await clock.advance(ms);
              // A real source needs real time to sync (redis waits 5 s before a full sync by default).
              await sleep(250);
            },
          },
          executionName: execution.name,
          onTaskToken: () => waitForDecision(context, input.replicationGroupId, input.approvalTimeoutSeconds),
        });
      },
      () => events?.outcome,
    );
  }

  #deps(aws: AwsClientOptions, events: EventPublisher, now: () => Date, name: string): MigrationDeps {
    const clients = createFleetClients(aws);
    const { store } = this.context;
    const logger = createLogger('cli');
    logger.setLogLevel('SILENT');
    return {
      elasticache: clients.elasticache,
      store,
      events,
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
        settings: { policy: this.settings.policy, dryRun: !this.settings.applyDurability },
      }),
    };
  }
}

/**
 * A local execution's approval step: poll the table for the decision `approve`/`reject`/`abort`
 * left there (a local token cannot be sent to AWS), bounded by the timeout.
 */
export async function waitForDecision(
  context: RunnerContext,
  group: string,
  timeoutSeconds: number,
): Promise<never> {
  const { name, decisionKind } = context.workflow;
  context.out(`waiting for: guardrails ${name} approve ${group}   (or reject / abort)\n`);
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    const decision = await context.store.readRecord(decisionKind, group);
    if (decision !== undefined) {
      await context.store.deleteRecord(decisionKind, group);
      if (decision.approved) return { approved: true, by: decision.by } as never;
      throw Object.assign(new Error(decision.reason), { name: decision.error });
    }
    await sleep(250);
  }
  throw Object.assign(new Error('no decision in time'), { name: 'States.Timeout' });
}
