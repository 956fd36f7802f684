import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
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
