/**
 * The finding store: the last finding per resource, rule and check, and its outbox (the events
 * that belong to it and are not yet published). A finding and its new events are written in one
 * conditional UpdateItem on the finding's item, so no stored state lacks its event and no event
 * is decided twice; publishing is separate (see `jobs/outbox.ts`), and marks what went out.
 */

import { isDeepStrictEqual } from 'node:util';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Finding } from '../domain/finding.js';
import { readItemsByKey } from './batch-get.js';
import { AwsCallError, awsCall } from './errors.js';
import type { PendingEvent } from './notify.js';
import {
  CLAIM_ATTRIBUTE_PREFIX,
  FINDING_SORT_PREFIX,
  findingKey,
  legacyFindingKey,
  OUTBOX_ATTRIBUTE_PREFIX,
  parseStored,
  pendingEventSchema,
  resourceFindingsPrefix,
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

/** Whether two findings say the same (fields absent or undefined alike). */
const sameFinding = (a: Finding, b: Finding) =>
  isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));

/**
 * The stored findings of the targets a run's findings belong to, as read once before the run
 * writes (one paginated Query per target, or per resource when a target holds one finding's
 * resource only): each item by its key (`pk/sk`).
 */
export type StoredFindings = ReadonlyMap<string, Record<string, unknown>>;

const itemId = (key: { pk: string; sk: string }) => `${key.pk}/${key.sk}`;

/** What a write is decided from: the record it replaces (if any) and where that was found. */
interface Found {
  before: StoredFinding | undefined;
  /** The stored item (its pending events), when one was read. */
  item?: Record<string, unknown>;
  /** The item under the previous version's key, to move into the target's partition. */
  legacy?: Record<string, unknown>;
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
   * Read what is stored for `findings`: one Query per target partition they fall in (only the
   * resource's own findings when they name one resource there, as a reaction's do), and the
   * previous version's keys of those whose resource has nothing there, in batches.
   *
   * @example
   * const stored = await findings.read(run);
   * await findings.record(finding, now, events, stored);
   */
  async read(findings: readonly FindingRef[]): Promise<StoredFindings> {
    const arnsOf = new Map<string, Set<string>>();
    for (const finding of findings) {
      const { pk } = findingKey(finding);
      arnsOf.set(pk, (arnsOf.get(pk) ?? new Set()).add(finding.arn));
    }
    const items = new Map<string, Record<string, unknown>>();
    await Promise.all(
      [...arnsOf].map(([pk, arns]) => {
        const [only] = arns;
        const prefix =
          arns.size === 1 && only !== undefined ? resourceFindingsPrefix(only) : FINDING_SORT_PREFIX;
        return this.#query(pk, prefix, items);
      }),
    );
    // For one version: a resource with nothing in its target's partition may have findings where
    // the previous version kept them (read by key, in batches, so the first run moves them).
    const known = new Set([...items.values()].map((item) => String(item.sk).split('#')[1]));
    const unknown = findings.filter(({ arn }) => !known.has(arn)).map(legacyFindingKey);
    const keys = [...new Map(unknown.map((key) => [itemId(key), key])).values()];
    for (const item of await readItemsByKey(this.#documents, this.#table, keys))
      items.set(itemId({ pk: String(item.pk), sk: String(item.sk) }), item);
    return items;
  }

  /** Every item of partition `pk` whose sort key starts with `prefix`, into `items` (paginated). */
  async #query(pk: string, prefix: string, items: Map<string, Record<string, unknown>>): Promise<void> {
    await awsCall('DynamoDB Query', async () => {
      for await (const page of paginateQuery(
        { client: this.#documents },
        {
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
          ConsistentRead: true,
        },
      )) {
        for (const item of page.Items ?? []) items.set(itemId({ pk, sk: String(item.sk) }), item);
      }
    });
  }

  /**
   * Store `finding` and, in the same write, the events it calls for; answer every event of the
   * finding still pending (older ones included). The events are decided against the record the
   * write replaces: the one in `stored` (read once for the run), or, without it, assuming it is
   * unchanged; a write holds only while the record is still so, and on a conflict the record is
   * read again, so of two runs that see one transition, one stores its event. A finding `stored`
   * holds as it is, with no event to add, is not written at all. One the target's partition lacks
   * is looked up under the previous version's key and, when found there, moved (its pending
   * events and first sighting with it).
   *
   * @example
   * const { pending } = await findings.record(finding, now, { fixed: [], decide: () => [] }, stored);
   */
  async record(
    finding: Finding,
    now: Date,
    events: FindingEvents,
    stored?: StoredFindings,
  ): Promise<FindingOutbox> {
    const key = findingKey(finding);
    let found: Found =
      stored === undefined
        ? { before: { status: finding.status, finding } }
        : await this.#found(finding, stored.get(itemId(key)), stored);
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt += 1) {
      const added = [...events.fixed, ...events.decide(found.before)];
      const { before, item } = found;
      if (
        added.length === 0 &&
        item !== undefined &&
        before !== undefined &&
        sameFinding(before.finding, finding)
      )
        return { finding, pending: pendingOf(item, key.pk, key.sk), added };
      const written = await this.#write(finding, now, added, found);
      if (written !== undefined) {
        if (found.legacy !== undefined) await this.#dropLegacy(finding);
        return { finding, pending: pendingOf(written, key.pk, key.sk), added };
      }
      found = await this.#found(finding, await this.#read(finding));
    }
    throw new AwsCallError(
      'DynamoDB UpdateItem',
      new Error(
        `${key.pk} / ${key.sk} changed under ${WRITE_ATTEMPTS} writes in a row; the next run records it`,
      ),
    );
  }

  /**
   * The record as `item` holds it or, with no item, as the previous version's key does (in
   * `stored` when the run read it, else read now).
   */
  async #found(
    finding: Finding,
    item: Record<string, unknown> | undefined,
    stored?: StoredFindings,
  ): Promise<Found> {
    if (item !== undefined) {
      const { pk, sk } = findingKey(finding);
      return { before: parseStored(storedFindingSchema, item, pk, sk), item };
    }
    const legacyKey = legacyFindingKey(finding);
    const legacy = stored === undefined ? await this.#get(legacyKey) : stored.get(itemId(legacyKey));
    if (legacy === undefined) return { before: undefined };
    return { before: parseStored(storedFindingSchema, legacy, legacyKey.pk, legacyKey.sk), legacy };
  }

  /** The write, or undefined when the record is no longer what `found` says. */
  async #write(
    finding: Finding,
    now: Date,
    events: readonly PendingEvent[],
    found: Found,
  ): Promise<Record<string, unknown> | undefined> {
    // A moved record is new in the target's partition: it must still be absent there.
    const { condition, values: conditionValues } = unchanged(
      found.legacy === undefined ? found.before : undefined,
    );
    const names: Record<string, string> = {
      '#status': 'status',
      ...(condition.includes('#action') ? { '#action': 'action' } : {}),
    };
    const values: Record<string, unknown> = {
      ':status': finding.status,
      ':finding': finding,
      ':now': now.toISOString(),
    };
    const firstSeen = found.legacy?.firstSeen;
    if (typeof firstSeen === 'string') values[':firstSeen'] = firstSeen;
    const sets = [
      '#status = :status',
      'finding = :finding',
      'changedAt = :now',
      typeof firstSeen === 'string' ? 'firstSeen = :firstSeen' : 'firstSeen = if_not_exists(firstSeen, :now)',
    ];
    const carried = Object.entries(found.legacy ?? {}).filter(([name]) =>
      [OUTBOX_ATTRIBUTE_PREFIX, CLAIM_ATTRIBUTE_PREFIX].some((prefix) => name.startsWith(prefix)),
    );
    const attributes = [
      ...carried,
      ...events.map(({ id, ...event }) => [`${OUTBOX_ATTRIBUTE_PREFIX}${id}`, event] as const),
    ];
    attributes.forEach(([name, value], index) => {
      names[`#o${index}`] = name;
      values[`:o${index}`] = value;
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

  /** Remove the previous version's item once its record is in the target's partition. */
  async #dropLegacy(finding: FindingRef): Promise<void> {
    await awsCall('DynamoDB DeleteItem', () =>
      this.#documents.send(new DeleteCommand({ TableName: this.#table, Key: legacyFindingKey(finding) })),
    );
  }

  async #get(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    const answer = await awsCall('DynamoDB GetItem', () =>
      this.#documents.send(new GetCommand({ TableName: this.#table, Key: key, ConsistentRead: true })),
    );
    return answer.Item;
  }

  #read(finding: FindingRef): Promise<Record<string, unknown> | undefined> {
    return this.#get(findingKey(finding));
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
