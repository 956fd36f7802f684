import { type CST, type Document, isNode, LineCounter, Parser, parseDocument, visit } from 'yaml';
import { clip, listProblems } from '../../runtime/echo.js';
import { GuardrailsError } from '../../runtime/errors.js';
import { describeIssue, formatPath, issuesOf } from '../../runtime/zod-issues.js';
import { type Policy, policySchema } from './schema.js';
import { policyWarnings } from './warnings.js';

/** The policy file cannot be used; the message names file, line and field. */
export class PolicyError extends GuardrailsError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, retryable: false });
    this.name = 'PolicyError';
  }
}

/** Limits on what a policy may be; a real policy is a few KB, a few levels deep, alias-free. */
export const POLICY_LIMITS = {
  /** Bytes of the file (UTF-8). */
  maxBytes: 1024 * 1024,
  /** Collections inside collections. */
  maxDepth: 64,
  /** Uses of one anchor, counted by the yaml package as it expands aliases. */
  maxAliasCount: 100,
} as const;

/** The longest YAML error message shown (they can quote the file). */
const MAX_YAML_MESSAGE = 200;

/**
 * The offset of the first collection nested deeper than the limit, if any. Walks the CST
 * with a stack: the yaml composer recurses per level and overflows the call stack long before
 * a 1 MiB file runs out of `[`.
 */
function tooDeepAt(tokens: readonly CST.Token[]): number | undefined {
  const stack: [CST.Token | undefined, number][] = tokens.map((token) => [token, 0]);
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [token, depth] = entry;
    if (token === undefined) continue;
    if (token.type === 'document') stack.push([token.value, depth]);
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth + 1 > POLICY_LIMITS.maxDepth) return token.offset;
      for (const item of token.items) {
        stack.push([item.value, depth + 1]);
        if ('key' in item) stack.push([item.key ?? undefined, depth + 1]);
      }
    }
  }
  return undefined;
}

/**
 * Parse and validate a policy: size and text first, YAML syntax and nesting, then the schema,
 * then cross references (unique rule names, exemptions naming real rules). Every problem is
 * reported as `file:line field: message`, all of them at once (the first 10), values shown
 * capped to 80 characters.
 *
 * @example
 * const policy = parsePolicy(text, 'policy.yaml');
 */
export function parsePolicy(text: string, fileName: string): Policy {
  return readPolicy(text, fileName).policy;
}

/** A valid policy and its warnings (see {@link policyWarnings}), each `file:line field: message`. */
export interface CheckedPolicy {
  policy: Policy;
  warnings: string[];
}

/**
 * {@link parsePolicy}, and what in the valid policy can never take effect, each with its line.
 *
 * @example
 * const { policy, warnings } = checkPolicy(text, 'policy.yaml', new Date());
 */
export function checkPolicy(text: string, fileName: string, now: Date): CheckedPolicy {
  const { policy, place } = readPolicy(text, fileName);
  const warnings = policyWarnings(policy, now).map(({ path, message }) => `${place(path)}${message}`);
  return { policy, warnings };
}

/** The first line in `document` of the deepest node of `path` that exists (a missing key: its parent). */
function lineOfPath(document: Document, path: readonly PropertyKey[], lineOf: (offset: number) => number) {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node = document.getIn(path.slice(0, depth) as unknown[], true);
    if (isNode(node) && node.range !== undefined && node.range !== null) return lineOf(node.range[0]);
  }
  return 1;
}

function readPolicy(
  text: string,
  fileName: string,
): { policy: Policy; place: (path: readonly PropertyKey[]) => string } {
  const bytes = Buffer.byteLength(text);
  if (bytes > POLICY_LIMITS.maxBytes)
    throw new PolicyError(`${fileName}: the file is larger than 1 MiB (${bytes} bytes)`);
  if (text.trim() === '') throw new PolicyError(`${fileName}: the file is empty`);
  const lineCounter = new LineCounter();
  const lineOf = (offset: number) => lineCounter.linePos(offset).line;
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  const nul = text.indexOf('\0');
  if (nul >= 0) throw new PolicyError(`${fileName}:${lineOf(nul)} not a text file (a NUL character)`);
  const deep = tooDeepAt(tokens);
  if (deep !== undefined)
    throw new PolicyError(`${fileName}:${lineOf(deep)} nesting deeper than ${POLICY_LIMITS.maxDepth} levels`);

  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    const problems = document.errors.map(
      (error) =>
        `${fileName}:${lineOf(error.pos[0])} ${clip(error.message.split('\n')[0] ?? '', MAX_YAML_MESSAGE)}`,
    );
    throw new PolicyError(`invalid YAML: ${listProblems(problems)}`);
  }
  if (document.contents === null)
    throw new PolicyError(`${fileName}: the file holds no policy, only comments`);
  let input: unknown;
  try {
    input = document.toJS({ maxAliasCount: POLICY_LIMITS.maxAliasCount });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    let aliasAt = 0;
    visit(document, {
      Alias: (_key, node) => {
        aliasAt = node.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    throw new PolicyError(
      `${fileName}:${lineOf(aliasAt)} aliases expand too far (more than ${POLICY_LIMITS.maxAliasCount} uses of an anchor)`,
      { cause: error },
    );
  }
  const place = (path: readonly PropertyKey[]) =>
    `${fileName}:${lineOfPath(document, path, lineOf)} ${path.length > 0 ? `${formatPath(path)}: ` : ''}`;
  const result = policySchema.safeParse(input);
  if (result.success) return { policy: result.data, place };
  const problems = issuesOf(result.error.issues).map((issue) => {
    const { path, message } = describeIssue(issue, input);
    return `${place(path)}${message}`;
  });
  throw new PolicyError(listProblems(problems));
}
