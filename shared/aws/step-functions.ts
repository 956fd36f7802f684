import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type {
  ExecutionResult,
  ParkedApproval,
  StopRequest,
  WorkflowDecision,
  WorkflowExecution,
  WorkflowMachine,
  WorkflowRunner,
} from '../domain/workflow/runner.js';
import { InputValidationError } from '../runtime/errors.js';
import { type AwsClientOptions, createClient } from './clients.js';
import { AwsCallError, awsCall } from './errors.js';

/**
 * The CLI's runner for the deployed app, for either workflow (migration, upgrade): executions
 * run in Step Functions, and a decision completes the parked `.waitForTaskToken` task (its
 * token never leaves the process).
 *
 * @example
 * const runner = new StepFunctionsRunner(WORKFLOWS.upgrade, { region: 'eu-west-1' }, stateMachineArn);
 * await runner.start({ name: 'orders-20261125103000', input });
 */
export class StepFunctionsRunner implements WorkflowRunner {
  readonly #client: SFNClient;

  constructor(
    readonly workflow: WorkflowMachine,
    options: AwsClientOptions = {},
    readonly stateMachineArn?: string,
  ) {
    this.#client = createClient(SFNClient, options);
  }

  #stateMachine(verb: string): string {
    if (this.stateMachineArn !== undefined) return this.stateMachineArn;
    const { name, arnVariable } = this.workflow;
    throw new InputValidationError(`${name} ${verb}: give --state-machine-arn (or ${arnVariable})`);
  }

  /** Start an execution; it runs on in Step Functions. */
  async start(execution: WorkflowExecution): Promise<ExecutionResult> {
    const stateMachineArn = this.#stateMachine('start');
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
  async decide(approval: ParkedApproval, decision: WorkflowDecision): Promise<void> {
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

  /**
   * StopExecution of the named execution of this state machine: no Catch runs, so nothing the
   * execution holds is released and the group stays as its last request leaves it.
   */
  async stop({ execution, error, cause }: StopRequest): Promise<void> {
    const executionArn = this.#executionArn(execution);
    await awsCall('StopExecution', () =>
      this.#client.send(new StopExecutionCommand({ executionArn, error, cause })),
    );
  }

  /**
   * Whether the named execution of this state machine is still RUNNING. One that does not exist
   * (ExecutionDoesNotExist: never started, as an upgrade a migration handed its lock to before
   * StartExecution went through) is not running.
   */
  async running(execution: string): Promise<boolean> {
    const executionArn = this.#executionArn(execution);
    try {
      const answer = await awsCall('DescribeExecution', () =>
        this.#client.send(new DescribeExecutionCommand({ executionArn })),
      );
      return answer.status === 'RUNNING';
    } catch (error) {
      if (error instanceof AwsCallError && error.fault === 'ExecutionDoesNotExist') return false;
      throw error;
    }
  }

  /** An execution's ARN is its state machine's, `execution` for `stateMachine`, then its name. */
  #executionArn(execution: string): string {
    return `${this.#stateMachine('abort').replace(':stateMachine:', ':execution:')}:${execution}`;
  }
}
