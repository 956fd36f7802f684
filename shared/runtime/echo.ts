/** The most characters of an input value an error message or a log line repeats. */
export const ECHO_MAX_CHARS = 80;

/** The most problems one error message lists; the rest are counted. */
export const MAX_PROBLEMS = 10;

function asJson(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // Cycles, BigInt, nesting too deep to serialise: say what it is instead.
    return Array.isArray(value) ? '[an array]' : `[${typeof value}]`;
  }
}

/**
 * Text as a message shows it: the first `max` characters, then an ellipsis and the full length.
 *
 * @example
 * clip('a'.repeat(100), 10); // 'aaaaaaaaaa… (100 chars)'
 */
export function clip(text: string, max: number = ECHO_MAX_CHARS, length: number = text.length): string {
  return text.length <= max && length === text.length ? text : `${text.slice(0, max)}… (${length} chars)`;
}

/**
 * A value as an error message or a log shows it: JSON (control characters escaped), cut to
 * `max` characters with an ellipsis and the full length, so a 10 MB value, a 300 KB id or a
 * binary file never floods a terminal or a log.
 *
 * @example
 * echo('orders-1'); // '"orders-1"'
 * echo('x'.repeat(300_000)); // '"xxx…xxx… (300000 chars)' (80 characters shown)
 */
export function echo(value: unknown, max: number = ECHO_MAX_CHARS): string {
  if (typeof value !== 'string') return clip(asJson(value), max);
  // Only a bounded prefix of a long string is serialised (an escape takes at most 6 characters).
  const shown = asJson(value.slice(0, max * 6));
  return shown.length <= max ? shown : clip(shown, max, value.length);
}

/**
 * Problems as lines: the first `max`, then how many more there are.
 *
 * @example
 * throw new InputValidationError(listProblems(problems));
 */
export function listProblems(problems: readonly string[], max: number = MAX_PROBLEMS): string {
  const listed = problems.slice(0, max);
  if (problems.length > max) listed.push(`(and ${problems.length - max} more)`);
  return listed.join('\n');
}
