/**
 * A workflow's output or an execution's description as a table cell a person reads: `name value`
 * fields, not JSON.
 */

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const empty = (value: unknown) =>
  value === undefined ||
  value === null ||
  value === '' ||
  (Array.isArray(value) && value.length === 0) ||
  (isRecord(value) && Object.keys(value).length === 0);

/** One value: scalars as they are, a list joined with commas, an object as its fields. */
function valueText(value: unknown): string {
  if (Array.isArray(value))
    return value
      .filter((each) => !empty(each))
      .map(valueText)
      .join(', ');
  if (isRecord(value)) return readableFields(value);
  return String(value);
}

/**
 * `value`'s fields as `name value` joined with `; ` (a nested object in parentheses, a list with
 * commas), leaving out empty fields and the names in `skip` (what other columns already say).
 *
 * @example
 * readableFields({ status: 'dry-run', plan: ['set TLS', 'set Durability=sync'], snapshot: undefined }, ['status']);
 * // 'plan set TLS, set Durability=sync'
 */
export function readableFields(value: unknown, skip: readonly string[] = []): string {
  if (!isRecord(value)) return empty(value) ? '' : valueText(value);
  return Object.entries(value)
    .filter(([name, field]) => !skip.includes(name) && !empty(field))
    .map(([name, field]) =>
      isRecord(field) ? `${name} (${readableFields(field)})` : `${name} ${valueText(field)}`,
    )
    .join('; ');
}
