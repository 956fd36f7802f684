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

/**
 * The CLI's migration runner for the deployed app: executions run in Step Functions, and a
 * decision completes the parked `.waitForTaskToken` task (its token never leaves the process).
 *
 * @example
 * const runner = new StepFunctionsMigrationRunner({ region: 'eu-west-1' }, stateMachineArn);
 * await runner.start({ name: 'orders-20261125103000', input });
 */
export class StepFunctionsMigrationRunner implements MigrationRunner {
  readonly #client: SFNClient;
  readonly #stateMachineArn: string | undefined;

  constructor(options: AwsClientOptions = {}, stateMachineArn?: string) {
    this.#client = createClient(SFNClient, options);
    this.#stateMachineArn = stateMachineArn;
  }

  /** Start an execution; it runs on in Step Functions. */
  async start(execution: MigrationExecution): Promise<ExecutionResult> {
    const stateMachineArn = this.#stateMachineArn;
    if (stateMachineArn === undefined)
      throw new InputValidationError(
        'migration start: give --state-machine-arn (or MIGRATION_STATE_MACHINE_ARN)',
      );
    const answer = await awsCall('StartExecution', () =>
      this.#client.send(
        new StartExecutionCommand({
          stateMachineArn,
          name: execution.name,
          input: JSON.stringify(execution.input),
        }),
      ),
    );
    return { status: 'started', executionArn: answer.executionArn };
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

  /** Complete the parked task (SendTaskSuccess), or fail it with the decision's error: the state machine's Catch sees it. */
  async decide(approval: ParkedApproval, decision: MigrationDecision): Promise<void> {
    const { taskToken } = approval;
    if (decision.approved)
      await awsCall('SendTaskSuccess', () =>
        this.#client.send(
          new SendTaskSuccessCommand({
            taskToken,
            output: JSON.stringify({ approved: true, by: decision.by }),
          }),
        ),
      );
    else
      await awsCall('SendTaskFailure', () =>
        this.#client.send(
          new SendTaskFailureCommand({
            taskToken,
            error: decision.error,
            cause: `${decision.reason} (by ${decision.by})`,
          }),
        ),
      );
  }
}
