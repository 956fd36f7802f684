import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type AwsClientOptions, createClient } from './clients.js';
import { awsCall } from './errors.js';

/**
 * A group to evaluate again later, and how many times that has been tried; `account` and
 * `region` (both or neither) name where it lives when that is not the function's own.
 */
export interface Recheck {
  replicationGroupId: string;
  attempt: number;
  account?: string;
  region?: string;
}

/** SQS allows at most 15 minutes of delay per message. */
export const MAX_DELAY_SECONDS = 900;

/**
 * Re-checks through an SQS queue's `DelaySeconds`: the Lambda returns at once and the queue
 * invokes it again later, so nothing ever sleeps inside a function.
 */
export class RecheckQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(queueUrl: string, options: AwsClientOptions = {}) {
    this.#client = createClient(SQSClient, options);
    this.#queueUrl = queueUrl;
  }

  async schedule(recheck: Recheck, delaySeconds: number): Promise<void> {
    await awsCall('SQS SendMessage', () =>
      this.#client.send(
        new SendMessageCommand({
          QueueUrl: this.#queueUrl,
          MessageBody: JSON.stringify(recheck),
          DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.round(delaySeconds))),
        }),
      ),
    );
  }
}
