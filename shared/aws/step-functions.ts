import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type {
  ExecutionResult,
  MigrationDecision,
  MigrationExecution,
  MigrationRunner,
  ParkedApproval,
} from '../cli/migration-runner.js';
import { InputValidationError } from '../runtime/errors.js';
import { type AwsClientOptions, createClient } from './clients.js';
import { awsCall } from './errors.js';

/** What an operator does with a state machine: start, look, answer a task token. */
export class StepFunctions {
  readonly #client: SFNClient;

  constructor(options: AwsClientOptions = {}) {
    this.#client = createClient(SFNClient, options);
  }

  /** Start an execution; returns its ARN. */
  async start(stateMachineArn: string, name: string, input: object): Promise<string | undefined> {
    const answer = await awsCall('StartExecution', () =>
      this.#client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) })),
    );
    return answer.executionArn;
  }

  async describe(executionArn: string) {
    const execution = await awsCall('DescribeExecution', () =>
      this.#client.send(new DescribeExecutionCommand({ executionArn })),
    );
    return {
      status: execution.status,
      startDate: execution.startDate?.toISOString(),
      stopDate: execution.stopDate?.toISOString(),
      error: execution.error,
      output: execution.output === undefined ? undefined : (JSON.parse(execution.output) as unknown),
    };
  }

  /** Complete a `.waitForTaskToken` task with this output. */
  async succeed(taskToken: string, output: object): Promise<void> {
    await awsCall('SendTaskSuccess', () =>
      this.#client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })),
    );
  }

  /** Fail a `.waitForTaskToken` task: the state machine's Catch sees `error`. */
  async fail(taskToken: string, error: string, cause: string): Promise<void> {
    await awsCall('SendTaskFailure', () =>
      this.#client.send(new SendTaskFailureCommand({ taskToken, error, cause })),
    );
  }
}

/**
 * The CLI's migration runner for the deployed app: executions run in Step Functions, and a
 * decision completes the parked `.waitForTaskToken` task (its token never leaves the process).
 *
 * @example
 * const runner = new StepFunctionsMigrationRunner({ region: 'eu-west-1' }, stateMachineArn);
 * await runner.start({ name: 'orders-20261125103000', input });
 */
export class StepFunctionsMigrationRunner implements MigrationRunner {
  readonly #stepFunctions: StepFunctions;
  readonly #stateMachineArn: string | undefined;

  constructor(options: AwsClientOptions, stateMachineArn?: string) {
    this.#stepFunctions = new StepFunctions(options);
    this.#stateMachineArn = stateMachineArn;
  }

  async start(execution: MigrationExecution): Promise<ExecutionResult> {
    if (this.#stateMachineArn === undefined)
      throw new InputValidationError(
        'migration start: give --state-machine-arn (or MIGRATION_STATE_MACHINE_ARN)',
      );
    const executionArn = await this.#stepFunctions.start(
      this.#stateMachineArn,
      execution.name,
      execution.input,
    );
    return { status: 'started', executionArn };
  }

  describe(executionArn: string): Promise<object> {
    return this.#stepFunctions.describe(executionArn);
  }

  async decide(approval: ParkedApproval, decision: MigrationDecision): Promise<void> {
    if (decision.approved)
      await this.#stepFunctions.succeed(approval.taskToken, { approved: true, by: decision.by });
    else
      await this.#stepFunctions.fail(
        approval.taskToken,
        decision.error,
        `${decision.reason} (by ${decision.by})`,
      );
  }
}
