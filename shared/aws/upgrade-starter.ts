/**
 * The durability scan's way into the durability-upgrade state machine: StartExecution by
 * name. Step Functions answers a start with the same name and input with the same execution,
 * so a retry after a lost answer (the SDK's own) cannot start a second one; another input under
 * that name is ExecutionAlreadyExists, which names the group's running upgrade.
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { UpgradeStarter } from '../jobs/durability.js';
import { type AwsClientOptions, createClient } from './clients.js';
import { awsCall } from './errors.js';

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
