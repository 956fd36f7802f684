/**
 * Keeps one log line within {@link MAX_LOG_LINE_BYTES}: a 300 KB event logged as is would fill
 * the log and cost more than the line is worth. Large fields keep their first part and say how
 * much was left out: a long string its first characters and the bytes cut, a large object or
 * array its first members and how many more there were. Small records pass unchanged.
 */

/** The most one log line may take, in UTF-8 bytes. */
export const MAX_LOG_LINE_BYTES = 8192;

/** Rounds of shrinking, gentlest first: the longest string kept, the most members kept. */
const ROUNDS: readonly { chars: number; members: number }[] = [
  { chars: 2048, members: 50 },
  { chars: 1024, members: 25 },
  { chars: 512, members: 12 },
  { chars: 256, members: 8 },
  { chars: 128, members: 5 },
  { chars: 64, members: 3 },
  { chars: 32, members: 2 },
];
const SMALLEST = { chars: 32, members: 2 };
/** The key that stands for an object's members left out. */
export const LEFT_OUT_KEY = '…';

function bytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

function cutString(text: string, chars: number): string {
  if (text.length <= chars) return text;
  const kept = text.slice(0, chars);
  return `${kept}… [${Buffer.byteLength(text, 'utf8') - Buffer.byteLength(kept, 'utf8')} more bytes]`;
}

/** `value` with strings cut to `chars` and objects and arrays below the top cut to `members`. */
function shrink(value: unknown, limits: { chars: number; members: number }, top: boolean): unknown {
  if (typeof value === 'string') return cutString(value, limits.chars);
  if (typeof value !== 'object' || value === null) return value;
  const keep = top ? Number.POSITIVE_INFINITY : limits.members;
  if (Array.isArray(value)) {
    const kept = value.slice(0, keep).map((item) => shrink(item, limits, false));
    if (value.length <= keep) return kept;
    const rest = value.slice(keep);
    return [...kept, `${LEFT_OUT_KEY} ${rest.length} more items (${bytes(rest)} bytes)`];
  }
  const entries = Object.entries(value);
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries.slice(0, keep))
    out[cutString(key, limits.chars)] = shrink(item, limits, false);
  if (entries.length > keep) {
    const rest = Object.fromEntries(entries.slice(keep));
    out[LEFT_OUT_KEY] = `${entries.length - keep} more keys (${bytes(rest)} bytes)`;
  }
  return out;
}

/** Thousands of top-level keys: the first ones that fit, cut short, and a note of the size. */
function firstKeys(record: Record<string, unknown>, size: number, maxBytes: number): Record<string, unknown> {
  const note = `line cut to ${maxBytes} bytes from ${size}`;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const candidate = { ...out, [cutString(key, SMALLEST.chars)]: shrink(value, SMALLEST, false) };
    if (bytes({ ...candidate, [LEFT_OUT_KEY]: note }) > maxBytes) break;
    Object.assign(out, candidate);
  }
  out[LEFT_OUT_KEY] = note;
  return out;
}

/**
 * A record whose JSON takes at most `maxBytes`: unchanged when it fits, else shrunk round by
 * round (its top-level keys kept while they fit, so level, message, timestamp and service stay).
 * The input is JSON data (already redacted, errors already plain objects) and is not changed.
 *
 * @example
 * fitLogRecord({ message: 'event', event: hugeEvent }).event; // its first keys, then '…': '812 more keys (301544 bytes)'
 */
export function fitLogRecord(
  record: Record<string, unknown>,
  maxBytes: number = MAX_LOG_LINE_BYTES,
): Record<string, unknown> {
  const size = bytes(record);
  if (size <= maxBytes) return record;
  for (const limits of ROUNDS) {
    const shrunk = shrink(record, limits, true) as Record<string, unknown>;
    if (bytes(shrunk) <= maxBytes) return shrunk;
  }
  return firstKeys(record, size, maxBytes);
}
