/**
 * The upgrade from partitions shared by every target to one per target: the previous version
 * kept every lease under `lease` and every encryption baseline under `baseline#storage-encryption`;
 * a durability lease now lives in its target's `lease#<account>#<region>`, a baseline in its
 * target's `baseline#storage-encryption#<account>#<region>`. For one version, a run that reads a
 * target's records first moves those it finds in the old place, so a change in flight across the
 * upgrade stays held (and is never started a second time) and a baseline still decides drift.
 * Those moves read the two shared partitions; the organisation scan asks once per run whether
 * anything is left there ({@link legacyItemsLeft}) and tells its children when nothing is, so
 * 17 000 targets do not read two partition keys twice each.
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
import {
  baselineKindOf,
  LEASE_PARTITION,
  LEASE_PREFIXES,
  LEGACY_BASELINE_PARTITION,
  leasePartition,
} from './state-keys.js';

type Item = Record<string, unknown>;

/** A layout of the previous version: the partition it used, and where each item lives now. */
export interface LegacyLayout {
  /** The partition the previous version kept these items in. */
  from: string;
  /** The partition the item with sort key `sk` lives in now. */
  to: (sk: string) => string;
  /**
   * The condition that the item in the old place is still the one moved (a newer write there is
   * then moved by its own run): an expression over `#`/`:`-prefixed names and values.
   */
  unchanged: (item: Item) => {
    expression: string;
    names?: Record<string, string>;
    values?: Record<string, unknown>;
  };
}

/** The durability leases (holder and acquiredAt tell one lease from a later one). */
export const LEGACY_LEASES: LegacyLayout = {
  from: LEASE_PARTITION,
  to: leasePartition,
  unchanged: (item) => ({
    expression: 'holder = :holder AND acquiredAt = :acquiredAt',
    values: { ':holder': item.holder, ':acquiredAt': item.acquiredAt },
  }),
};

/** The encryption baselines (their revision tells one record from a later write). */
export const LEGACY_BASELINES: LegacyLayout = {
  from: LEGACY_BASELINE_PARTITION,
  to: (sk) => baselineKindOf(sk).name,
  unchanged: (item) => {
    const revision = (item.value as { revision?: unknown } | undefined)?.revision;
    return revision === undefined
      ? {
          expression: 'attribute_not_exists(#value.#revision)',
          names: { '#value': 'value', '#revision': 'revision' },
        }
      : {
          expression: '#value.#revision = :revision',
          names: { '#value': 'value', '#revision': 'revision' },
          values: { ':revision': revision },
        };
  },
};

/**
 * Move one item from the old partition to its new one: written there only if none is (a run
 * that moved it first, or a newer record, wins), then removed from the old place only while it is
 * still the one moved.
 */
async function move(documents: DynamoDBDocumentClient, table: string, layout: LegacyLayout, item: Item) {
  const key = String(item.sk);
  try {
    await documents.send(
      new PutCommand({
        TableName: table,
        Item: { ...item, pk: layout.to(key) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException))
      throw new AwsCallError('DynamoDB PutItem', error);
  }
  const { expression, names, values } = layout.unchanged(item);
  try {
    await documents.send(
      new DeleteCommand({
        TableName: table,
        Key: { pk: layout.from, sk: key },
        ConditionExpression: expression,
        ...(names === undefined ? {} : { ExpressionAttributeNames: names }),
        ...(values === undefined ? {} : { ExpressionAttributeValues: values }),
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
    documents.send(
      new GetCommand({ TableName: table, Key: { pk: LEASE_PARTITION, sk: key }, ConsistentRead: true }),
    ),
  );
  if (answer.Item !== undefined) await move(documents, table, LEGACY_LEASES, answer.Item);
}

/**
 * Move every item of `layout` whose key starts with `prefix` (one target's, or one group's) from
 * the previous version's partition: one Query of it, for one version. Leases that expired stay
 * (`nowSeconds`: only those whose `expiresAt` is not past are moved).
 */
export async function moveLegacyItems(
  documents: DynamoDBDocumentClient,
  table: string,
  layout: LegacyLayout,
  prefix: string,
  nowSeconds?: number,
) {
  if (layout.to(prefix) === layout.from) return;
  const found: Item[] = [];
  await awsCall('DynamoDB Query', async () => {
    for await (const page of paginateQuery(
      { client: documents },
      {
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': layout.from,
          ':prefix': prefix,
          ...(nowSeconds === undefined ? {} : { ':now': nowSeconds }),
        },
        ...(nowSeconds === undefined ? {} : { FilterExpression: 'expiresAt >= :now' }),
        ConsistentRead: true,
      },
    ))
      found.push(...(page.Items ?? []));
  });
  for (const item of found) await move(documents, table, layout, item);
}

/**
 * Whether the previous version's partitions still hold anything a run would move: a durability
 * lease not yet expired under `lease` (beside the workflows' locks, which stay there), or any
 * baseline under `baseline#storage-encryption`. One Query of each for the first such item (the
 * leases' pages end at the first unexpired one; those that expired are never moved, and TTL
 * removes them).
 */
export async function legacyItemsLeft(
  documents: DynamoDBDocumentClient,
  table: string,
  nowSeconds: number,
): Promise<boolean> {
  const first = async (pk: string, prefix?: string, filter?: { ':now': number }) =>
    awsCall('DynamoDB Query', async () => {
      for await (const page of paginateQuery(
        { client: documents },
        {
          TableName: table,
          KeyConditionExpression: prefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': pk,
            ...(prefix === undefined ? {} : { ':prefix': prefix }),
            ...filter,
          },
          ...(filter === undefined ? { Limit: 1 } : { FilterExpression: 'expiresAt >= :now' }),
          ProjectionExpression: 'pk',
          ConsistentRead: true,
        },
      ))
        if ((page.Items ?? []).length > 0) return true;
      return false;
    });
  const [leases, baselines] = await Promise.all([
    first(LEASE_PARTITION, LEASE_PREFIXES.durability, { ':now': nowSeconds }),
    first(LEGACY_BASELINE_PARTITION),
  ]);
  return leases || baselines;
}
