/**
 * The finding store: the last finding per resource, rule and check, and its outbox (the events
 * that belong to it and are not yet published). A finding and its new events are written in one
 * conditional UpdateItem on the finding's item, so no stored state lacks its event and no event
 * is decided twice; publishing is separate (see `jobs/outbox.ts`), and marks what went out.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Finding } from '../domain/finding.js';
import { AwsCallError, awsCall } from './errors.js';
import type { PendingEvent } from './notify.js';
import {
  CLAIM_ATTRIBUTE_PREFIX,
  findingKey,
  OUTBOX_ATTRIBUTE_PREFIX,
  parseStored,
  pendingEventSchema,
  type StoredFinding,
  storedFindingSchema,
} from './state-keys.js';

/** Which stored finding: its resource, rule and check. */
export type FindingRef = Pick<Finding, 'arn' | 'rule' | 'check'>;

/** A finding's events still to publish, read back with the write that stored it. */
export interface FindingOutbox {
  finding: FindingRef;
  /** Oldest first. */
  pending: PendingEvent[];
  /** The events this write stored (the others were pending before). */
  added: PendingEvent[];
}

/**
 * The events a finding's write adds: `fixed` whatever was stored before (a remediation step's),
 * and those `decide` derives from the record it replaces (undefined when first seen).
 */
export interface FindingEvents {
  fixed: readonly PendingEvent[];
  decide: (before: StoredFinding | undefined) => PendingEvent[];
}

/** A stored finding that keeps changing under our writes: give up rather than loop. */
const WRITE_ATTEMPTS = 5;

/** The item's pending events (its `outbox#<id>` attributes), oldest first. */
function pendingOf(item: Record<string, unknown>, pk: string, sk: string): PendingEvent[] {
  const pending: PendingEvent[] = [];
  for (const [name, value] of Object.entries(item)) {
    if (!name.startsWith(OUTBOX_ATTRIBUTE_PREFIX)) continue;
    const event = parseStored(pendingEventSchema, value, pk, `${sk} ${name}`);
    pending.push({ ...event, id: name.slice(OUTBOX_ATTRIBUTE_PREFIX.length) });
  }
  return pending.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** The condition that the stored record is still `before` (what the events were decided from). */
function unchanged(before: StoredFinding | undefined) {
  if (before === undefined) return { condition: 'attribute_not_exists(pk)', values: {} };
  const action =
    before.finding.action === null
      ? 'attribute_type(finding.#action, :nullType)'
      : 'finding.#action = :beforeAction';
  return {
    condition: `#status = :beforeStatus AND ${action}`,
    values: {
      ':beforeStatus': before.status,
      ...(before.finding.action === null
        ? { ':nullType': 'NULL' }
        : { ':beforeAction': before.finding.action }),
    },
  };
}

/** Stores findings with their outbox in the state table (see `state-keys.ts` for the keys). */
export class FindingStore {
  readonly #documents: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(documents: DynamoDBDocumentClient, tableName: string) {
    this.#documents = documents;
    this.#table = tableName;
  }

  /**
   * Store `finding` and, in the same write, the events it calls for; answer every event of the
   * finding still pending (older ones included). The events are decided against the record the
   * write replaces: first assuming it is unchanged (one write in the usual case), otherwise from
   * a consistent read, and the write holds only while the record is still what was read, so of
   * two runs that see one transition, one stores its event.
   *
   * @example
   * const { pending } = await findings.record(finding, now, { fixed: [], decide: () => [] });
   */
  async record(finding: Finding, now: Date, events: FindingEvents): Promise<FindingOutbox> {
    const key = findingKey(finding);
    let before: StoredFinding | undefined = { status: finding.status, finding };
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt += 1) {
      const added = [...events.fixed, ...events.decide(before)];
      const item = await this.#write(finding, now, added, before);
      if (item !== undefined) return { finding, pending: pendingOf(item, key.pk, key.sk), added };
      before = await this.#read(finding);
    }
    throw new AwsCallError(
      'DynamoDB UpdateItem',
      new Error(
        `${key.pk} / ${key.sk} changed under ${WRITE_ATTEMPTS} writes in a row; the next run records it`,
      ),
    );
  }

  /** The write, or undefined when the record is no longer `before`. */
  async #write(
    finding: Finding,
    now: Date,
    events: readonly PendingEvent[],
    before: StoredFinding | undefined,
  ): Promise<Record<string, unknown> | undefined> {
    const { condition, values: conditionValues } = unchanged(before);
    const names: Record<string, string> = {
      '#status': 'status',
      ...(condition.includes('#action') ? { '#action': 'action' } : {}),
    };
    const values: Record<string, unknown> = {
      ':status': finding.status,
      ':finding': finding,
      ':now': now.toISOString(),
    };
    const sets = [
      '#status = :status',
      'finding = :finding',
      'lastSeen = :now',
      'firstSeen = if_not_exists(firstSeen, :now)',
    ];
    events.forEach(({ id, ...event }, index) => {
      names[`#o${index}`] = `${OUTBOX_ATTRIBUTE_PREFIX}${id}`;
      values[`:o${index}`] = event;
      sets.push(`#o${index} = :o${index}`);
    });
    try {
      const answer = await this.#documents.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: findingKey(finding),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ...conditionValues },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return answer.Attributes ?? {};
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw new AwsCallError('DynamoDB UpdateItem', error);
    }
  }

  async #read(finding: FindingRef): Promise<StoredFinding | undefined> {
    const key = findingKey(finding);
    const answer = await awsCall('DynamoDB GetItem', () =>
      this.#documents.send(new GetCommand({ TableName: this.#table, Key: key, ConsistentRead: true })),
    );
    return answer.Item === undefined
      ? undefined
      : parseStored(storedFindingSchema, answer.Item, key.pk, key.sk);
  }

  /** The finding's pending events, oldest first (none when it is not stored), read consistently. */
  async pending(finding: FindingRef): Promise<PendingEvent[]> {
    const key = findingKey(finding);
    const answer = await awsCall('DynamoDB GetItem', () =>
      this.#documents.send(new GetCommand({ TableName: this.#table, Key: key, ConsistentRead: true })),
    );
    return answer.Item === undefined ? [] : pendingOf(answer.Item, key.pk, key.sk);
  }

  /**
   * Claim a pending event for this run until `until`: true when no other run holds an unexpired
   * claim on it and it is still pending, so of the runs that read one pending event, one sends it.
   */
  async claim(finding: FindingRef, id: string, now: Date, until: Date): Promise<boolean> {
    try {
      await this.#documents.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: findingKey(finding),
          UpdateExpression: 'SET #claim = :until',
          ConditionExpression: 'attribute_exists(#event) AND (attribute_not_exists(#claim) OR #claim < :now)',
          ExpressionAttributeNames: {
            '#event': `${OUTBOX_ATTRIBUTE_PREFIX}${id}`,
            '#claim': `${CLAIM_ATTRIBUTE_PREFIX}${id}`,
          },
          ExpressionAttributeValues: { ':until': until.toISOString(), ':now': now.toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw new AwsCallError('DynamoDB UpdateItem', error);
    }
  }

  /** Give back claims this run took (`until` as claimed) on events it could not send. */
  async unclaim(finding: FindingRef, ids: readonly string[], until: Date): Promise<void> {
    await Promise.all(
      ids.map(async (id) => {
        try {
          await this.#documents.send(
            new UpdateCommand({
              TableName: this.#table,
              Key: findingKey(finding),
              UpdateExpression: 'REMOVE #claim',
              ConditionExpression: '#claim = :until',
              ExpressionAttributeNames: { '#claim': `${CLAIM_ATTRIBUTE_PREFIX}${id}` },
              ExpressionAttributeValues: { ':until': until.toISOString() },
            }),
          );
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) return;
          throw new AwsCallError('DynamoDB UpdateItem', error);
        }
      }),
    );
  }

  /**
   * Mark events published: they leave the finding's outbox, with their claims. A finding deleted meanwhile has
   * nothing to mark (no item is created for it).
   */
  async markPublished(finding: FindingRef, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const names = Object.fromEntries(
      ids.flatMap((id, index) => [
        [`#o${index}`, `${OUTBOX_ATTRIBUTE_PREFIX}${id}`],
        [`#c${index}`, `${CLAIM_ATTRIBUTE_PREFIX}${id}`],
      ]),
    );
    try {
      await this.#documents.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: findingKey(finding),
          UpdateExpression: `REMOVE ${Object.keys(names).join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw new AwsCallError('DynamoDB UpdateItem', error);
    }
  }
}
