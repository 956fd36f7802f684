/**
 * A condition on a record of the state table: its `value[field]` is (or is not) a given value,
 * as DynamoDB's ConditionExpression of a conditional put or delete.
 */

/** A condition on a stored record's value: `value[field]` is, is not, or is older than the given value. */
export interface RecordCondition {
  field: string;
  is?: string | number;
  isNot?: string;
  /** An ISO timestamp: the stored one must be earlier, absent, or the record not kept at all. */
  olderThan?: string;
}

/** The DynamoDB condition of `when` (none without it). */
export function conditionOf(when: RecordCondition | undefined) {
  if (when === undefined) return {};
  if (when.olderThan !== undefined)
    return {
      ConditionExpression:
        'attribute_not_exists(pk) OR attribute_not_exists(#value.#field) OR #value.#field < :mine',
      ExpressionAttributeNames: { '#value': 'value', '#field': when.field },
      ExpressionAttributeValues: { ':mine': when.olderThan },
    };
  return {
    ConditionExpression:
      when.isNot !== undefined
        ? 'attribute_not_exists(#value.#field) OR #value.#field <> :expected'
        : '#value.#field = :expected',
    ExpressionAttributeNames: { '#value': 'value', '#field': when.field },
    ExpressionAttributeValues: { ':expected': when.isNot ?? when.is },
  };
}
