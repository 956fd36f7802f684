/**
 * The durability-upgrade state machine run locally: the ASL file from infra/, its Task
 * mapped to the same steps the deployed `durability-upgrade` function runs, and every Wait
 * advancing the emulator's clock instead of sleeping; and the sandbox CLI's
 * `upgrade start --local` runner.
 */

import type { RunnerContext } from '../../cli/workflow-runner.js';
import { createFleetClients } from '../../shared/aws/clients.js';
import { createMetricsClient, durabilityHealthReader } from '../../shared/aws/durability-metrics.js';
import { EventPublisher } from '../../shared/aws/notify.js';
import type { UpgradeInput } from '../../shared/domain/durability/upgrade.js';
import type {
  ExecutionResult,
  WorkflowExecution,
  WorkflowStarter,
} from '../../shared/domain/workflow/runner.js';
import type { UpgradeDeps } from '../../shared/jobs/upgrade/deps.js';
import { upgradeSteps } from '../../shared/jobs/upgrade/steps.js';
import { runSteps, workflowTaskSchema } from '../../shared/jobs/workflow/task.js';
import { runInSandbox, waitForDecision } from './migration-workflow.js';
import {
  type LocalRunOptions,
  type LocalRunResult,
  type LocalTask,
  loadDefinition,
  runLocalStateMachine,
} from './step-functions.js';

/** The one ASL file the deployment and the local runs share. */
export const UPGRADE_ASL = new URL('../durability-upgrade.asl.yaml', import.meta.url);

export interface LocalUpgradeOptions extends Pick<LocalRunOptions, 'onTaskToken' | 'maxTransitions'> {
  /** The sandbox's clock: each Wait moves it on. */
  clock: { advance(ms: number): void | Promise<void> };
  executionName?: string;
  /** Replace the task handler (to inject a failure or act between steps). */
  wrap?: (task: LocalTask) => LocalTask;
}

/**
 * Run one upgrade execution against the sandbox; throws ExecutionFailedError when it fails.
 *
 * @example
 * const run = await runUpgradeLocally(deps, { replicationGroupId: 'orders', target: 'sync' }, { clock });
 */
export function runUpgradeLocally(
  deps: UpgradeDeps,
  input: object,
  options: LocalUpgradeOptions,
): Promise<LocalRunResult> {
  const execution = options.executionName ?? 'local-upgrade';
  const task: LocalTask = async (event) =>
    (await runSteps(
      'durability-upgrade',
      upgradeSteps,
      deps,
      workflowTaskSchema.parse(event),
      execution,
    )) as never;
  return runLocalStateMachine(loadDefinition(UPGRADE_ASL), input as never, {
    tasks: { 'durability-upgrade': options.wrap?.(task) ?? task },
    onWait: (seconds) => options.clock.advance(seconds * 1000),
    onTaskToken: options.onTaskToken,
    maxTransitions: options.maxTransitions ?? 1000,
    executionName: execution,
  });
}

/**
 * `guardrails upgrade start --local`: the state machine runs in this process against the
 * sandbox (`--endpoint-url`), each approval waiting for a decision left in the state table by
 * `upgrade approve|reject|abort` from another terminal.
 */
export class LocalUpgradeRunner implements WorkflowStarter<UpgradeInput> {
  constructor(readonly context: RunnerContext) {}

  start(execution: WorkflowExecution<UpgradeInput>): Promise<ExecutionResult> {
    const { context } = this;
    const { input, name } = execution;
    return runInSandbox(context, execution, ({ aws, clock }) => {
      const deps: UpgradeDeps = {
        elasticache: createFleetClients(aws).elasticache,
        store: context.store,
        events: new EventPublisher(undefined, aws),
        now: clock.now,
        readHealth: durabilityHealthReader(createMetricsClient(aws)),
      };
      return runUpgradeLocally(deps, input, {
        clock,
        executionName: name,
        onTaskToken: () => waitForDecision(context, input.replicationGroupId, input.approvalTimeoutSeconds),
      });
    });
  }
}
