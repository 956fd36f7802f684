/**
 * EventBridge's matching of an event against a rule's pattern, for the patterns this app writes:
 * every field of the pattern must match; a list matches a value equal to one of its entries (any
 * element of an array value); `{ exists: boolean }` tests presence; an object recurses. Written
 * from "Creating event patterns" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html).
 */
type Pattern = { [field: string]: Pattern | unknown[] };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function matchesValue(entries: unknown[], value: unknown, present: boolean): boolean {
  const values = Array.isArray(value) ? value : [value];
  return entries.some((entry) => {
    if (isObject(entry) && 'exists' in entry) return entry.exists === present;
    return present && values.some((one) => one === entry);
  });
}

/** Whether `event` matches `pattern`. */
export function matchesPattern(pattern: Pattern, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([field, expected]) => {
    const present = field in event && event[field] !== undefined;
    if (Array.isArray(expected)) return matchesValue(expected, event[field], present);
    return (
      isObject(event[field]) && matchesPattern(expected as Pattern, event[field] as Record<string, unknown>)
    );
  });
}
