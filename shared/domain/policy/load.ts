import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { GuardrailsError } from '../../runtime/errors.js';
import { type Policy, policySchema } from './schema.js';

/** The policy file cannot be used; the message names file, line and field. */
export class PolicyError extends GuardrailsError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, retryable: false });
    this.name = 'PolicyError';
  }
}

type PathKey = PropertyKey;

/** `rules[2].durability.minimum` */
function formatPath(path: readonly PathKey[]): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

function valueAt(root: unknown, path: readonly PathKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): { path: PathKey[]; message: string } {
  const path = [...issue.path];
  const got = valueAt(input, path);
  switch (issue.code) {
    case 'invalid_value':
      return {
        path,
        message: `expected ${issue.values.length === 1 ? '' : 'one of '}${issue.values.map(String).join('|')}, got ${JSON.stringify(got)}`,
      };
    case 'unrecognized_keys':
      return { path: [...path, issue.keys[0] ?? ''], message: issue.message };
    case 'invalid_type':
      return got === undefined
        ? { path, message: `is required (${issue.expected})` }
        : { path, message: `expected ${issue.expected}, got ${JSON.stringify(got)}` };
    default:
      return { path, message: issue.message };
  }
}

/**
 * Parse and validate a policy: YAML syntax first, then the schema, then cross references
 * (unique rule names, exemptions naming real rules). Every problem is reported as
 * `file:line field: message`, all of them at once.
 *
 * @example
 * const policy = parsePolicy(text, 'policy.yaml');
 */
export function parsePolicy(text: string, fileName: string): Policy {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number) => lineCounter.linePos(offset).line;
  if (document.errors.length > 0) {
    const problems = document.errors.map(
      (error) => `${fileName}:${lineOf(error.pos[0])} ${error.message.split('\n')[0]}`,
    );
    throw new PolicyError(`invalid YAML: ${problems.join('\n')}`);
  }
  const input: unknown = document.toJS();
  const result = policySchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const { path, message } = describeIssue(issue, input);
    // The deepest node that exists in the file gives the line (a missing key points at its parent).
    let line = 1;
    for (let depth = path.length; depth >= 0; depth -= 1) {
      const node = document.getIn(path.slice(0, depth) as unknown[], true);
      if (isNode(node) && node.range !== undefined && node.range !== null) {
        line = lineOf(node.range[0]);
        break;
      }
    }
    return `${fileName}:${line} ${path.length > 0 ? `${formatPath(path)}: ` : ''}${message}`;
  });
  throw new PolicyError(problems.join('\n'));
}

/** Read and parse a policy file; errors name the file as given on the command line. */
export async function loadPolicyFile(path: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new PolicyError(
      `cannot read policy file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      {
        cause: error,
      },
    );
  }
  return parsePolicy(text, basename(path));
}
