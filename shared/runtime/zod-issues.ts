/**
 * How zod's issues are written in messages: every bad field named by its path, with what the
 * input held. Pure, so the domain, the handler stack and the CLI refuse input in one voice.
 */
import type * as z from 'zod';
import { echo } from './echo.js';
import { InputValidationError } from './errors.js';

type PathKey = PropertyKey;

/**
 * A field path as written in messages: `rules[2].durability.minimum`.
 *
 * @example
 * formatPath(['ReplicationGroups', 3, 'NodeGroups']); // 'ReplicationGroups[3].NodeGroups'
 */
export function formatPath(path: readonly PathKey[]): string {
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

/**
 * One zod issue as a path and a message that shows what the input held (capped by `echo`).
 *
 * @example
 * const { path, message } = describeIssue(issue, input); // message: 'expected array, got "x"'
 */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): { path: PathKey[]; message: string } {
  const path = [...issue.path];
  const got = valueAt(input, path);
  // YAML and JSON read a number too large for a double (1e400) as Infinity.
  if (typeof got === 'number' && !Number.isFinite(got) && issue.code !== 'custom')
    return {
      path,
      message: `number out of range (expected ${'expected' in issue ? issue.expected : 'a finite number'})`,
    };
  switch (issue.code) {
    case 'invalid_value':
      return {
        path,
        message: `expected ${issue.values.length === 1 ? '' : 'one of '}${issue.values.map(String).join('|')}, got ${echo(got)}`,
      };
    case 'unrecognized_keys':
      return { path: [...path, issue.keys[0] ?? ''], message: issue.message };
    case 'invalid_type':
      if (got === undefined) return { path, message: `is required (${issue.expected})` };
      return { path, message: `expected ${issue.expected}, got ${echo(got)}` };
    case 'invalid_union':
      // zod's own words here are "Invalid input": say what each alternative expected instead.
      if (issue.message !== 'Invalid input' || issue.errors.length === 0)
        return { path, message: issue.message };
      return { path, message: `expected ${issue.errors.map(alternative).join(' or ')}, got ${echo(got)}` };
    default:
      return { path, message: issue.message };
  }
}

/**
 * The issues as they are told: a union whose input has the type of exactly one alternative (an
 * object where `false` or an object may stand) is told by that alternative's own issues, each at
 * its field; any other issue as it is.
 *
 * @example
 * const problems = issuesOf(result.error.issues).map((issue) => describeIssue(issue, input));
 */
export function issuesOf(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union') return [issue];
    const typed = issue.errors.filter(
      (inner) => inner.length > 0 && inner.every((each) => each.path.length > 0),
    );
    const [only] = typed;
    if (typed.length !== 1 || only === undefined) return [issue];
    return issuesOf(only.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })));
  });
}

/** What one alternative of a union expected, from its first issue. */
function alternative(issues: readonly z.core.$ZodIssue[]): string {
  const [first] = issues;
  if (first?.code === 'invalid_value') return first.values.map(String).join('|');
  if (first?.code === 'invalid_type') return first.expected;
  return first?.message ?? 'something else';
}

/**
 * Every issue as `path: message` (`listProblems` caps how many a message shows).
 *
 * @example
 * throw new InputValidationError(listProblems(fieldProblems(result.error, raw)));
 */
export function fieldProblems(error: z.ZodError, input: unknown): string[] {
  return issuesOf(error.issues).map((issue) => {
    const { path, message } = describeIssue(issue, input);
    return path.length > 0 ? `${formatPath(path)}: ${message}` : message;
  });
}

/** Describe zod issues as `path: message` pairs, the path written as in the event (`detail.eventName`). */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/**
 * `value` parsed with `schema`, or an InputValidationError that names each bad field
 * (`invalid <what>: detail.eventName: …`).
 *
 * @example
 * const body = parseInput(RECHECK_BODY, JSON.parse(text), 're-check');
 */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  what: string,
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (!result.success) throw new InputValidationError(`invalid ${what}: ${describeIssues(result.error)}`);
  return result.data;
}
