import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod';
import { type AwsClientOptions, createClient } from './clients.js';
import { AwsCallError, awsCall } from './errors.js';
import { FindingStore } from './finding-store.js';
import { ANY_DETAILS, epochSeconds, type Lease, leaseKey, leaseUpdate, toLease } from './lease-items.js';
import {
  LEGACY_BASELINES,
  LEGACY_LEASES,
  legacyItemsLeft,
  moveLegacyItems,
  moveLegacyLease,
} from './legacy-partitions.js';
import { conditionOf, type RecordCondition } from './record-condition.js';
import { leasePartition, parseStored, type RecordKind } from './state-keys.js';

export type { Lease } from './lease-items.js';
export type { StoredFinding } from './state-keys.js';
export { StoredDataError } from './state-keys.js';

/**
 * The app's memory between runs, one DynamoDB table whose keys and stored shapes
 * `state-keys.ts` owns: leases and records here, findings in {@link FindingStore}. Leases make a change happen once across duplicate events and
 * concurrent runs (conditional writes, never read-then-write). Every read is parsed.
 */
export class StateStore {
  readonly #documents: DynamoDBDocumentClient;
  readonly #table: string;
  /** The findings and their outbox, in the same table (their own module: `finding-store.ts`). */
  readonly findings: FindingStore;
  /** Whether this store reads (and moves) what the previous version's shared partitions hold. */
  readonly #legacyLayout: boolean;

  /** With `from`: the same table and client, told the previous version's partitions are empty. */
  constructor(tableName: string, options: AwsClientOptions = {}, from?: StateStore) {
    this.#table = tableName;
    this.#documents =
      from === undefined
        ? DynamoDBDocumentClient.from(createClient(DynamoDBClient, options), {
            marshallOptions: { removeUndefinedValues: true },
          })
        : from.#documents;
    this.findings = from?.findings ?? new FindingStore(this.#documents, tableName);
    this.#legacyLayout = from === undefined;
  }

  /**
   * Whether the previous version's shared partitions still hold a lease or baseline to move: two
   * one-item Queries, asked once per organisation scan run ({@link withoutLegacyLayout}).
   */
  async legacyLayoutLeft(now: Date): Promise<boolean> {
    return legacyItemsLeft(this.#documents, this.#table, epochSeconds(now));
  }

  /**
   * This store for a run told that the previous version's shared partitions hold nothing (an
   * organisation scan's child, {@link legacyLayoutLeft} answered false for its run): it never
   * reads them, so 17 000 targets do not each Query the same two partition keys.
   */
  withoutLegacyLayout(): StateStore {
    return new StateStore(this.#table, {}, this);
  }

  /**
   * Take the lease `key` until `expiresAt`; false when someone else holds an unexpired one.
   * The winner alone may act.
   */
  async acquireLease(
    key: string,
    holder: string,
    expiresAt: Date,
    now: Date,
    details: object = {},
  ): Promise<boolean> {
    const claim = randomUUID();
    // A lease the previous version holds is moved first, so the condition below sees it.
    if (this.#legacyLayout) await moveLegacyLease(this.#documents, this.#table, key);
    try {
      await this.#documents.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            ...leaseKey(key),
            holder,
            claim,
            acquiredAt: now.toISOString(),
            expiresAt: epochSeconds(expiresAt),
            details,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': epochSeconds(now) },
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException))
        throw new AwsCallError('DynamoDB PutItem', error);
      // The SDK retries a write whose answer was lost; its retry then finds our own claim.
      return (await this.#leaseItem(key))?.claim === claim;
    }
  }

  /** Read a lease, expired or not; its details parsed with `details` when given. */
  async readLease(key: string): Promise<Lease | undefined>;
  async readLease<Details extends object>(
    key: string,
    details: z.ZodType<Details>,
  ): Promise<Lease<Details> | undefined>;
  async readLease(key: string, details: z.ZodType<object> = ANY_DETAILS): Promise<Lease<object> | undefined> {
    const item = await this.#leaseItem(key);
    return item === undefined ? undefined : toLease(item, details);
  }

  async #leaseItem(key: string, legacy = true): Promise<Record<string, unknown> | undefined> {
    const answer = await awsCall('DynamoDB GetItem', () =>
      this.#documents.send(
        new GetCommand({ TableName: this.#table, Key: leaseKey(key), ConsistentRead: true }),
      ),
    );
    if (answer.Item !== undefined || !legacy || !this.#legacyLayout) return answer.Item;
    await moveLegacyLease(this.#documents, this.#table, key);
    return this.#leaseItem(key, false);
  }

  /** For one version: move a target's leases under `prefix` from the previous version's `lease` partition. */
  async moveLegacyLeases(prefix: string, now: Date): Promise<void> {
    if (this.#legacyLayout)
      await moveLegacyItems(this.#documents, this.#table, LEGACY_LEASES, prefix, epochSeconds(now));
  }

  /** For one version: move a target's baselines (ARNs under `prefix`) from the previous version's partition. */
  async moveLegacyBaselines(prefix: string): Promise<void> {
    if (this.#legacyLayout) await moveLegacyItems(this.#documents, this.#table, LEGACY_BASELINES, prefix);
  }

  /**
   * Every unexpired lease whose key starts with `prefix`, in the one partition it names (a target's
   * or group's durability leases, or the locks); details parsed with `details` when given.
   */
  async listLeases(prefix: string, now: Date): Promise<Lease[]>;
  async listLeases<Details extends object>(
    prefix: string,
    now: Date,
    details: z.ZodType<Details>,
  ): Promise<Lease<Details>[]>;
  async listLeases(
    prefix: string,
    now: Date,
    details: z.ZodType<object> = ANY_DETAILS,
  ): Promise<Lease<object>[]> {
    const leases: Lease<object>[] = [];
    await awsCall('DynamoDB Query', async () => {
      for await (const page of paginateQuery(
        { client: this.#documents },
        {
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          FilterExpression: 'expiresAt >= :now',
          ExpressionAttributeValues: {
            ':pk': leasePartition(prefix),
            ':prefix': prefix,
            ':now': epochSeconds(now),
          },
          ConsistentRead: true,
        },
      )) {
        for (const item of page.Items ?? []) leases.push(toLease(item, details));
      }
    });
    return leases;
  }

  /**
   * Change a lease's details and expiry, only while `expected` details still hold (for
   * example `{ phase: 'snapshotting' }`; an `undefined` value expects the detail absent) and,
   * with `holder`, while that holder holds it (with `{ from, to }`, passed from `from` to `to`
   * in the same write); false when another caller changed it first.
   */
  async updateLease(
    key: string,
    expected: Record<string, unknown>,
    details: Record<string, unknown>,
    expiresAt?: Date,
    holder?: string | { from: string; to: string },
  ): Promise<boolean> {
    try {
      await this.#documents.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: leaseKey(key),
          ...leaseUpdate(expected, details, expiresAt, holder),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw new AwsCallError('DynamoDB UpdateItem', error);
    }
  }

  /** Every record of a kind (`RECORD_KINDS.encryptionBaseline`, …), read with one paginated Query. */
  async listRecords<Value>(kind: RecordKind<Value>, keyPrefix?: string): Promise<Value[]> {
    const values: Value[] = [];
    await awsCall('DynamoDB Query', async () => {
      for await (const page of paginateQuery(
        { client: this.#documents },
        {
          TableName: this.#table,
          KeyConditionExpression:
            keyPrefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': kind.name,
            ...(keyPrefix === undefined ? {} : { ':prefix': keyPrefix }),
          },
          ConsistentRead: true,
        },
      )) {
        for (const item of page.Items ?? [])
          values.push(parseStored(kind.schema, item.value, kind.name, String(item.sk)));
      }
    });
    return values;
  }

  /** One record of a kind, or undefined. */
  async readRecord<Value>(kind: RecordKind<Value>, key: string): Promise<Value | undefined> {
    const value = await this.#recordValue(kind.name, key);
    return value === undefined ? undefined : parseStored(kind.schema, value, kind.name, key);
  }

  async #recordValue(kind: string, key: string): Promise<unknown> {
    const answer = await awsCall('DynamoDB GetItem', () =>
      this.#documents.send(
        new GetCommand({ TableName: this.#table, Key: { pk: kind, sk: key }, ConsistentRead: true }),
      ),
    );
    return answer.Item?.value;
  }

  /** Write one record of a kind under its key (a resource ARN, usually). */
  async putRecord(kind: RecordKind<object>, key: string, value: object): Promise<void> {
    await awsCall('DynamoDB PutItem', () =>
      this.#documents.send(
        new PutCommand({ TableName: this.#table, Item: { pk: kind.name, sk: key, value } }),
      ),
    );
  }

  /**
   * Write one record only while the stored one meets `when` (its `value[field]` is, is not, or
   * is older than the given value): false when it does not (someone wrote it since it was read,
   * or a newer one is kept: of two runs that overlap, the newer one's record stays, whichever
   * writes last), and nothing is written.
   */
  async putRecordWhile(
    kind: RecordKind<object>,
    key: string,
    value: object,
    when: RecordCondition,
  ): Promise<boolean> {
    try {
      await this.#documents.send(
        new PutCommand({
          TableName: this.#table,
          Item: { pk: kind.name, sk: key, value },
          ...conditionOf(when),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw new AwsCallError('DynamoDB PutItem', error);
    }
  }

  /**
   * Write one record only if it is still at `revision` (its `value.revision`; 0 for a record
   * that does not exist or predates revisions): compare-and-set, so of two runs that read the
   * same record, one wins and the other learns it lost (false). The value is written with
   * `revision + 1` and a claim id that tells a retried write of ours from someone else's; with
   * `expiresAt`, DynamoDB's TTL removes the record some time after.
   */
  async putRecordIf(
    kind: RecordKind<object>,
    key: string,
    value: object,
    revision: number,
    expiresAt?: Date,
  ): Promise<boolean> {
    const claim = randomUUID();
    const expiry = expiresAt === undefined ? {} : { expiresAt: epochSeconds(expiresAt) };
    try {
      await this.#documents.send(
        new PutCommand({
          TableName: this.#table,
          Item: { pk: kind.name, sk: key, value: { ...value, revision: revision + 1, claim }, ...expiry },
          ConditionExpression:
            revision === 0
              ? 'attribute_not_exists(pk) OR attribute_not_exists(#value.#revision)'
              : '#value.#revision = :revision',
          ExpressionAttributeNames: { '#value': 'value', '#revision': 'revision' },
          ...(revision === 0 ? {} : { ExpressionAttributeValues: { ':revision': revision } }),
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException))
        throw new AwsCallError('DynamoDB PutItem', error);
      // The SDK retries a write whose answer was lost; its retry then finds our own claim.
      const stored = await this.#recordValue(kind.name, key);
      return typeof stored === 'object' && stored !== null && 'claim' in stored && stored.claim === claim;
    }
  }

  /**
   * Delete one record; with `when`, only while its `value[field]` is (or is not) the given
   * value, and false when it is not so. Records that belong to one execution are cleared by
   * that execution alone (`{ field: 'execution', is: execution }`).
   */
  async deleteRecord(kind: RecordKind<unknown>, key: string, when?: RecordCondition): Promise<boolean> {
    try {
      await this.#documents.send(
        new DeleteCommand({ TableName: this.#table, Key: { pk: kind.name, sk: key }, ...conditionOf(when) }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw new AwsCallError('DynamoDB DeleteItem', error);
    }
  }

  /**
   * Give a lease back so the next run may act again. With `holder`, only that holder's lease
   * is released (false when someone else holds it, or nobody does).
   */
  async releaseLease(key: string, holder?: string): Promise<boolean> {
    try {
      await this.#documents.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: leaseKey(key),
          ...(holder === undefined
            ? {}
            : { ConditionExpression: 'holder = :holder', ExpressionAttributeValues: { ':holder': holder } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw new AwsCallError('DynamoDB DeleteItem', error);
    }
  }
}
