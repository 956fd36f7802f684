/**
 * How a lease is stored in the state table (its key, its item, the update of its details): the
 * pure half of {@link StateStore}'s leases.
 */
import type * as z from 'zod';
import { leaseItemSchema, leasePartition, parseStored } from './state-keys.js';

/** Lease details read without a kind's schema: an unknown record. */
export const ANY_DETAILS = leaseItemSchema.shape.details;

/**
 * A lease: the right to carry out one change, held by one caller until it expires or is
 * released. `details` is what the holder records of the change's progress.
 */
export interface Lease<Details extends object = Record<string, unknown>> {
  /** `<kind>#<what>`, e.g. `durability#<arn>#<rule>`. */
  key: string;
  holder: string;
  acquiredAt: string;
  /** Epoch seconds; DynamoDB's TTL removes the item some time after. */
  expiresAt: number;
  details: Details;
}

export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);
/** Where the lease `key` is stored (its target's partition for a group's durability change). */
export const leaseKey = (key: string) => ({ pk: leasePartition(key), sk: key });

/**
 * The UpdateItem expressions of {@link StateStore.updateLease}: `details` (and `expiresAt`, and a
 * holder passed on) set, only while `expected` details hold (`undefined`: the detail absent) and,
 * with `holder`, while that holder holds the lease.
 */
export function leaseUpdate(
  expected: Record<string, unknown>,
  details: Record<string, unknown>,
  expiresAt?: Date,
  holder?: string | { from: string; to: string },
) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets = Object.entries(details).map(([name, value], index) => {
    names[`#d${index}`] = name;
    values[`:d${index}`] = value;
    return `details.#d${index} = :d${index}`;
  });
  if (expiresAt !== undefined) {
    sets.push('expiresAt = :expiresAt');
    values[':expiresAt'] = epochSeconds(expiresAt);
  }
  const conditions = ['attribute_exists(pk)'];
  if (typeof holder === 'string') {
    conditions.push('holder = :holder');
    values[':holder'] = holder;
  } else if (holder !== undefined) {
    conditions.push('holder = :holder');
    values[':holder'] = holder.from;
    sets.push('holder = :newHolder');
    values[':newHolder'] = holder.to;
  }
  Object.entries(expected).forEach(([name, value], index) => {
    names[`#e${index}`] = name;
    if (value !== undefined) values[`:e${index}`] = value;
    conditions.push(
      value === undefined ? `attribute_not_exists(details.#e${index})` : `details.#e${index} = :e${index}`,
    );
  });
  return {
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** A stored lease item, its details parsed with `details`; names its key when it is damaged. */
export function toLease<Details extends object>(
  item: Record<string, unknown>,
  details: z.ZodType<Details>,
): Lease<Details> {
  const key = String(item.sk);
  const lease = parseStored(leaseItemSchema, item, leasePartition(key), key);
  return {
    key,
    holder: lease.holder,
    acquiredAt: lease.acquiredAt,
    expiresAt: lease.expiresAt,
    details: parseStored(details, lease.details, leasePartition(key), key),
  };
}
