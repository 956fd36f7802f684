/**
 * The rules of the names and ids the app is given (CLI arguments, state-machine input, the
 * policy), each as the API that receives it states it, so a bad one is refused before any call
 * with the field named, never sent to fail there (a 10 KB id reaching DynamoDB, `../../etc`
 * read as a group). One rule, one place: the CLI, the workflow input schemas and the policy
 * schema all use these.
 */
import * as z from 'zod';
import { echo } from '../runtime/echo.js';
import { InputValidationError } from '../runtime/errors.js';
import { parseArn } from './arn.js';
import { regionProblem } from './regions.js';

/**
 * What CreateReplicationGroup says of `ReplicationGroupId` (client-elasticache
 * CreateReplicationGroupMessage): 1 to 40 alphanumeric characters or hyphens, a letter first,
 * no hyphen last and no two hyphens in a row.
 */
function replicationGroupIdProblem(id: string): string | undefined {
  if (id.length < 1 || id.length > 40) return `must have 1 to 40 characters (has ${id.length})`;
  if (!/^[a-zA-Z0-9-]+$/.test(id)) return 'must hold only letters, digits and hyphens';
  if (!/^[a-zA-Z]/.test(id)) return 'must start with a letter';
  if (id.includes('--')) return 'must not hold two hyphens in a row';
  if (id.endsWith('-')) return 'must not end with a hyphen';
  return undefined;
}

/**
 * What StartExecution says of an execution `name`: 1 to 80 characters, none of white space,
 * brackets, wildcards, `"#%\^|~`$&,;:/` or control characters; only `0-9A-Za-z-_` keeps its
 * logs readable, and that is what the app writes.
 */
function executionNameProblem(name: string): string | undefined {
  if (name.length < 1 || name.length > 80) return `must have 1 to 80 characters (has ${name.length})`;
  if (!/^[0-9A-Za-z_-]+$/.test(name)) return 'must hold only letters, digits, hyphens and underscores';
  return undefined;
}

/** A Step Functions ARN of `kind` (`stateMachine` or `execution`): partition, region, account, names. */
function statesArnProblem(arn: string, kind: 'stateMachine' | 'execution'): string | undefined {
  const parts = arn.split(':');
  const [prefix, partition, service, region = '', account = '', type, machine = '', ...rest] = parts;
  const shape =
    kind === 'stateMachine'
      ? `arn:aws:states:<region>:<account>:stateMachine:<name>`
      : `arn:aws:states:<region>:<account>:execution:<state machine>:<name>`;
  if (
    prefix !== 'arn' ||
    !/^aws(-[a-z-]+)?$/.test(partition ?? '') ||
    service !== 'states' ||
    type !== kind ||
    !/^\d{12}$/.test(account) ||
    rest.length !== (kind === 'execution' ? 1 : 0)
  )
    return `expected ${shape}`;
  const region_ = regionProblem(region);
  if (region_ !== undefined) return region_;
  return (
    executionNameProblem(machine) ?? (kind === 'execution' ? executionNameProblem(rest[0] ?? '') : undefined)
  );
}

/** What DynamoDB says of a table name: 3 to 255 of a-z, A-Z, 0-9, `_`, `-` and `.`. */
function tableNameProblem(name: string): string | undefined {
  if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(name)) return 'expected 3 to 255 letters, digits, _ - or .';
  return undefined;
}

/** The most characters of a reason an operator gives (a tag value holds 256). */
export const REASON_MAX_CHARS = 256;

function reasonProblem(reason: string): string | undefined {
  if (reason.trim() === '') return 'must not be empty';
  if (reason.length > REASON_MAX_CHARS)
    return `must have at most ${REASON_MAX_CHARS} characters (has ${reason.length})`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(reason)) return 'must not hold control characters';
  return undefined;
}

/** A replication group's ARN: `arn:<partition>:elasticache:<region>:<account>:replicationgroup:<id>`. */
function groupArnProblem(arn: string): string | undefined {
  const parts = parseArn(arn);
  const [kind, id, ...extra] = parts?.resource.split(':') ?? [];
  if (parts?.service !== 'elasticache' || kind !== 'replicationgroup' || id === undefined || extra.length > 0)
    return 'expected arn:aws:elasticache:<region>:<account>:replicationgroup:<id>';
  if (!/^\d{12}$/.test(parts.account)) return 'its account must be 12 digits';
  return regionProblem(parts.region) ?? replicationGroupIdProblem(id);
}

/** Each rule by what it names, as messages and the CLI call it. */
export const ID_RULES = {
  'replication group id': replicationGroupIdProblem,
  'replication group ARN': groupArnProblem,
  'execution name': executionNameProblem,
  'state machine ARN': (arn: string) => statesArnProblem(arn, 'stateMachine'),
  'execution ARN': (arn: string) => statesArnProblem(arn, 'execution'),
  'table name': tableNameProblem,
  region: (name: string) => regionProblem(name),
  reason: reasonProblem,
} as const satisfies Record<string, (value: string) => string | undefined>;
export type IdRule = keyof typeof ID_RULES;

/** Why `value` breaks `rule`, or undefined when it keeps it. */
export const idProblem = (rule: IdRule, value: string): string | undefined => ID_RULES[rule](value);

/**
 * A zod string held to `rule`: for the schemas of the policy and of the state machines' input.
 *
 * @example
 * z.strictObject({ replicationGroupId: idSchema('replication group id') });
 */
export const idSchema = (rule: IdRule) =>
  z.string().superRefine((value, context) => {
    const problem = idProblem(rule, value);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  });

/**
 * `value` when it keeps `rule`; else an {@link InputValidationError} naming `field` (the CLI's
 * argument or flag), the value (clipped) and the rule.
 *
 * @example
 * checkId('replication group id', group, '<replication-group-id>');
 */
export function checkId(rule: IdRule, value: string, field: string): string {
  const problem = idProblem(rule, value);
  if (problem === undefined) return value;
  // A region's problem names the value itself (with the nearest region).
  throw new InputValidationError(
    rule === 'region' ? `${field} ${problem}` : `${field} ${echo(value)}: ${problem}`,
  );
}
