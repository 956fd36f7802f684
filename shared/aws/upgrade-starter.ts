/**
 * The durability scan's way into the durability-upgrade state machine: StartExecution by
 * name. While the execution of that name runs, a start with the same input answers it again,
 * so a retry after a lost answer (the SDK's own) cannot start a second one; another input, or
 * any start once that execution has closed, is ExecutionAlreadyExists (an AwsCallError with
 * that fault): the caller knows what its name means.
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { UpgradeStarter } from '../domain/workflow/runner.js';
import { type AwsClientOptions, createClient } from './clients.js';
import { AwsCallError, awsCall } from './errors.js';

/** The start was refused because its name is taken (a closed execution, or another input). */
export const nameTaken = (error: unknown): boolean =>
  error instanceof AwsCallError && error.fault === 'ExecutionAlreadyExists';

export class StepFunctionsUpgradeStarter implements UpgradeStarter {
  readonly #client: SFNClient;
  readonly #stateMachineArn: string;

  constructor(stateMachineArn: string, options: AwsClientOptions = {}) {
    this.#client = createClient(SFNClient, options);
    this.#stateMachineArn = stateMachineArn;
  }

  /**
   * @example
   * await starter.start('orders-durability-2026112510', { replicationGroupId: 'orders', target: 'sync', allow: [], enforce: true });
   */
  async start(name: string, input: object): Promise<string> {
    const answer = await awsCall('StartExecution', () =>
      this.#client.send(
        new StartExecutionCommand({
          stateMachineArn: this.#stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      ),
    );
    return answer.executionArn ?? name;
  }
}
