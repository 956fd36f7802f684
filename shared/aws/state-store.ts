import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Finding, FindingStatus } from '../domain/finding.js';
import { type AwsClientOptions, clientConfig } from './clients.js';
import { AwsCallError, awsCall } from './errors.js';

/**
 * The app's memory between runs, one DynamoDB table (`pk`, `sk`, TTL on `expiresAt`):
 * - `resource#<arn>` / `finding#<rule>#<check>`: the last finding per resource and rule;
 * - `resource#<arn>` / `lease#<name>`: a lease that makes one change happen once, across
 *   duplicate events and concurrent runs (conditional writes, never read-then-write).
 */
export class StateStore {
  readonly #documents: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(tableName: string, options: AwsClientOptions = {}) {
    this.#table = tableName;
    this.#documents = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(options)), {
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  /**
   * Store a finding and return the status it had before (undefined when first seen),
   * in one atomic write, so "new violation" is decided once even with concurrent runs.
   */
  async recordFinding(finding: Finding, now: Date): Promise<FindingStatus | undefined> {
    const answer = await awsCall('DynamoDB UpdateItem', () =>
      this.#documents.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: `resource#${finding.arn}`, sk: `finding#${finding.rule}#${finding.check}` },
          UpdateExpression:
            'SET #status = :status, finding = :finding, lastSeen = :now, firstSeen = if_not_exists(firstSeen, :now), ' +
            'since = if_not_exists(since, :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': finding.status,
            ':finding': finding,
            ':now': now.toISOString(),
          },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    const previous = answer.Attributes?.status;
    return typeof previous === 'string' ? (previous as FindingStatus) : undefined;
  }

  /**
   * Take the lease `name` on a resource until `expiresAt`; false when someone else holds an
   * unexpired one. The winner alone may act.
   */
  async acquireLease(
    arn: string,
    name: string,
    holder: string,
    expiresAt: Date,
    now: Date,
    details: Record<string, unknown> = {},
  ): Promise<boolean> {
    try {
      await this.#documents.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            pk: `resource#${arn}`,
            sk: `lease#${name}`,
            holder,
            acquiredAt: now.toISOString(),
            expiresAt: Math.floor(expiresAt.getTime() / 1000),
            ...details,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': Math.floor(now.getTime() / 1000) },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw new AwsCallError('DynamoDB PutItem', error);
    }
  }

  /** Read a lease, expired or not, with its details. */
  async readLease(arn: string, name: string): Promise<Record<string, unknown> | undefined> {
    const answer = await awsCall('DynamoDB GetItem', () =>
      this.#documents.send(
        new GetCommand({
          TableName: this.#table,
          Key: { pk: `resource#${arn}`, sk: `lease#${name}` },
          ConsistentRead: true,
        }),
      ),
    );
    return answer.Item;
  }

  /** Add details to a lease this holder has (the outcome of the change it guards). */
  async updateLease(arn: string, name: string, details: Record<string, unknown>): Promise<void> {
    const keys = Object.keys(details);
    if (keys.length === 0) return;
    await awsCall('DynamoDB UpdateItem', () =>
      this.#documents.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: `resource#${arn}`, sk: `lease#${name}` },
          UpdateExpression: `SET ${keys.map((_, index) => `#k${index} = :v${index}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(keys.map((key, index) => [`#k${index}`, key])),
          ExpressionAttributeValues: Object.fromEntries(
            keys.map((key, index) => [`:v${index}`, details[key]]),
          ),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      ),
    );
  }

  /** Give a lease back so the next run may act again. */
  async releaseLease(arn: string, name: string): Promise<void> {
    await awsCall('DynamoDB DeleteItem', () =>
      this.#documents.send(
        new DeleteCommand({ TableName: this.#table, Key: { pk: `resource#${arn}`, sk: `lease#${name}` } }),
      ),
    );
  }
}
