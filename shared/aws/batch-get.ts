/**
 * Items of the state table read by key in batches: BatchGetItem, as the DynamoDB guide has it
 * (up to 100 keys a call; what a call leaves in `UnprocessedKeys`, throttled or past its 16 MB,
 * asked again after an exponential back-off).
 */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AwsCallError, awsCall } from './errors.js';

/** BatchGetItem's limit of keys per call. */
const KEYS_PER_CALL = 100;
/** Calls for one batch of keys DynamoDB keeps leaving unprocessed. */
const ATTEMPTS = 5;
/** The first back-off, doubled at each attempt after it. */
const BACKOFF_MS = 50;

/** A state-table item's key. */
export interface ItemKey {
  pk: string;
  sk: string;
}

/**
 * The items of `keys` that exist, strongly consistent, in no set order; throws an AwsCallError
 * naming BatchGetItem when keys stay unprocessed after {@link ATTEMPTS} calls.
 *
 * @example
 * const items = await readItemsByKey(documents, 'guardrails-state', [{ pk: 'resource#arn:…', sk: 'finding#prod#durability' }]);
 */
export async function readItemsByKey(
  documents: DynamoDBDocumentClient,
  table: string,
  keys: readonly ItemKey[],
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < keys.length; start += KEYS_PER_CALL) {
    let pending = keys.slice(start, start + KEYS_PER_CALL);
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      if (attempt > ATTEMPTS)
        throw new AwsCallError(
          'DynamoDB BatchGetItem',
          new Error(`${pending.length} keys left unprocessed after ${ATTEMPTS} attempts`),
        );
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS * 2 ** (attempt - 2)));
      const answer = await awsCall('DynamoDB BatchGetItem', () =>
        documents.send(
          new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
        ),
      );
      items.push(...(answer.Responses?.[table] ?? []));
      pending = (answer.UnprocessedKeys?.[table]?.Keys ?? []) as ItemKey[];
    }
  }
  return items;
}
