/**
 * The upgrade from one lease partition to one per target: the previous version kept every lease
 * under `lease`; a durability lease now lives in its target's `lease#<account>#<region>`. For one
 * version, a run that looks for a target's leases first moves those it finds in the old place, so
 * a change in flight across the upgrade stays held (and is never started a second time).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import { AwsCallError, awsCall } from './errors.js';
import { LEASE_PARTITION, leasePartition } from './state-keys.js';

/** Where the previous version kept the lease `key`. */
const legacyKey = (key: string) => ({ pk: LEASE_PARTITION, sk: key });

/**
 * Move one lease from the old partition to its target's: written there only if none is (a run
 * that moved it first, or a newer lease, wins), then removed from the old place only while it is
 * still the one moved.
 */
async function move(documents: DynamoDBDocumentClient, table: string, item: Record<string, unknown>) {
  const key = String(item.sk);
  try {
    await documents.send(
      new PutCommand({
        TableName: table,
        Item: { ...item, pk: leasePartition(key) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException))
      throw new AwsCallError('DynamoDB PutItem', error);
  }
  try {
    await documents.send(
      new DeleteCommand({
        TableName: table,
        Key: legacyKey(key),
        ConditionExpression: 'holder = :holder AND acquiredAt = :acquiredAt',
        ExpressionAttributeValues: { ':holder': item.holder, ':acquiredAt': item.acquiredAt },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException))
      throw new AwsCallError('DynamoDB DeleteItem', error);
  }
}

/** Move the lease `key` of a target if the previous version's partition holds it. */
export async function moveLegacyLease(documents: DynamoDBDocumentClient, table: string, key: string) {
  if (leasePartition(key) === LEASE_PARTITION) return;
  const answer = await awsCall('DynamoDB GetItem', () =>
    documents.send(new GetCommand({ TableName: table, Key: legacyKey(key), ConsistentRead: true })),
  );
  if (answer.Item !== undefined) await move(documents, table, answer.Item);
}

/**
 * Move every unexpired lease whose key starts with `prefix` (one target's, or one group's) from
 * the previous version's partition: one Query of it, for one version.
 */
export async function moveLegacyLeases(
  documents: DynamoDBDocumentClient,
  table: string,
  prefix: string,
  nowSeconds: number,
) {
  if (leasePartition(prefix) === LEASE_PARTITION) return;
  const found: Record<string, unknown>[] = [];
  await awsCall('DynamoDB Query', async () => {
    for await (const page of paginateQuery(
      { client: documents },
      {
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: 'expiresAt >= :now',
        ExpressionAttributeValues: { ':pk': LEASE_PARTITION, ':prefix': prefix, ':now': nowSeconds },
        ConsistentRead: true,
      },
    ))
      found.push(...(page.Items ?? []));
  });
  for (const item of found) await move(documents, table, item);
}
