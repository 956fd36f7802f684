/**
 * The globs of a policy's `match.ids`: `*` any run of characters (none included), `?` one
 * character, `[abc]` / `[a-z]` one of a set, `[!a-z]` (or `[^a-z]`) one character not in it.
 * Every other character stands for itself. Matching takes at most (n+1)·(m+1) steps for an id
 * of n characters and a pattern of m, whatever the pattern: no regular expression, so no
 * backtracking blow-up on `*a*a*a…`.
 */
import { echo } from '../runtime/echo.js';
import { GuardrailsError } from '../runtime/errors.js';

/** A pattern that is not a glob (an unclosed `[`, an empty class, a reversed range). */
export class GlobError extends GuardrailsError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, retryable: false });
    this.name = 'GlobError';
  }
}

type Token = { kind: 'star' } | { kind: 'one'; matches: (char: string) => boolean };

/** A compiled glob. */
export interface Glob {
  readonly pattern: string;
  /**
   * Whether the whole of `text` matches. `work.steps`, when given, grows by the steps taken
   * (how the bound on the work is tested).
   */
  test(text: string, work?: { steps: number }): boolean;
}

/** `[…]` starting at `open` (the index of `[`): the class and the index after its `]`. */
function parseClass(chars: readonly string[], open: number, pattern: string): { token: Token; next: number } {
  const fail = (reason: string) => new GlobError(`invalid glob ${echo(pattern)}: ${reason}`);
  let index = open + 1;
  const negated = chars[index] === '!' || chars[index] === '^';
  if (negated) index += 1;
  const singles = new Set<string>();
  const ranges: [string, string][] = [];
  for (; index < chars.length && chars[index] !== ']'; index += 1) {
    const char = chars[index] ?? '';
    const end = chars[index + 2];
    if (chars[index + 1] === '-' && end !== undefined && end !== ']') {
      if (end < char) throw fail(`range "${char}-${end}" at position ${index + 1} is reversed`);
      ranges.push([char, end]);
      index += 2;
    } else singles.add(char);
  }
  if (index >= chars.length) throw fail(`"[" at position ${open + 1} is never closed`);
  if (singles.size === 0 && ranges.length === 0) throw fail(`empty character class at position ${open + 1}`);
  const inSet = (char: string) =>
    singles.has(char) || ranges.some(([low, high]) => char >= low && char <= high);
  return { token: { kind: 'one', matches: negated ? (char) => !inSet(char) : inSet }, next: index + 1 };
}

function tokenize(pattern: string): Token[] {
  const chars = Array.from(pattern);
  const tokens: Token[] = [];
  for (let index = 0; index < chars.length; ) {
    const char = chars[index] ?? '';
    if (char === '*') {
      // `**` is `*`: fewer stars, fewer restarts.
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
      index += 1;
    } else if (char === '?') {
      tokens.push({ kind: 'one', matches: () => true });
      index += 1;
    } else if (char === '[') {
      const { token, next } = parseClass(chars, index, pattern);
      tokens.push(token);
      index = next;
    } else {
      tokens.push({ kind: 'one', matches: (other) => other === char });
      index += 1;
    }
  }
  return tokens;
}

/**
 * The classic two-pointer wildcard match: on a mismatch, go back to the last `*` and let it
 * take one more character. Earlier stars never need revisiting, hence the O(n·m) bound.
 */
function matchTokens(tokens: readonly Token[], chars: readonly string[], work?: { steps: number }): boolean {
  let position = 0;
  let next = 0;
  let star = -1;
  let starPosition = 0;
  while (position < chars.length) {
    if (work !== undefined) work.steps += 1;
    const token = tokens[next];
    if (token?.kind === 'one' && token.matches(chars[position] ?? '')) {
      next += 1;
      position += 1;
    } else if (token?.kind === 'star') {
      star = next;
      starPosition = position;
      next += 1;
    } else if (star >= 0) {
      next = star + 1;
      starPosition += 1;
      position = starPosition;
    } else return false;
  }
  while (tokens[next]?.kind === 'star') next += 1;
  return next === tokens.length;
}

/**
 * Compile a glob once; test it against many ids.
 *
 * @throws GlobError when the pattern is not a glob (`orders-[`).
 * @example
 * compileGlob('orders-*').test('orders-1'); // true
 */
export function compileGlob(pattern: string): Glob {
  const tokens = tokenize(pattern);
  return { pattern, test: (text, work) => matchTokens(tokens, Array.from(text), work) };
}

/** The first five parts of an ARN; what follows (`replicationgroup:<id>`) is the resource. */
const ARN_HEAD_PARTS = 5;

/**
 * Compile an ARN glob: `arn`, partition, service, region and account are each a glob of their
 * own part (a `*` never runs across a `:`), the rest one glob of the resource
 * (`replicationgroup:legacy-*`).
 *
 * @throws GlobError when it has fewer than six parts or a part is not a glob.
 * @example
 * compileArnGlob('arn:aws:elasticache:*:222222222201:replicationgroup:g-*')
 *   .test('arn:aws:elasticache:eu-west-1:222222222201:replicationgroup:g-1'); // true
 */
export function compileArnGlob(pattern: string): Glob {
  const parts = pattern.split(':');
  if (parts.length <= ARN_HEAD_PARTS || parts[0] !== 'arn')
    throw new GlobError(
      `invalid ARN ${echo(pattern)}: expected arn:<partition>:elasticache:<region>:<account>:<resource>`,
    );
  const head = parts.slice(0, ARN_HEAD_PARTS).map((part) => tokenize(part));
  const resource = tokenize(parts.slice(ARN_HEAD_PARTS).join(':'));
  return {
    pattern,
    test: (text, work) => {
      const got = text.split(':');
      if (got.length <= ARN_HEAD_PARTS) return false;
      return (
        head.every((tokens, index) => matchTokens(tokens, Array.from(got[index] ?? ''), work)) &&
        matchTokens(resource, Array.from(got.slice(ARN_HEAD_PARTS).join(':')), work)
      );
    },
  };
}
