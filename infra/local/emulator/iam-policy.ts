/**
 * A small evaluator of IAM identity-policy statements, enough to ask "may this role call
 * this action on this resource with this request context?" of the statements
 * infra/serverless.cjs generates: Allow/Deny, actions and resources with wildcards, and the
 * condition operators the app uses. An operator it does not know is an error, never a pass.
 * CloudFormation values are resolved: `Fn::Sub` with the pseudo parameters below, and
 * `Fn::GetAtt`/`Ref` to the names `<LogicalId>.<Attribute>` and `<LogicalId>`, which a
 * test passes as the resource.
 */

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Request context: a key's value is one string, or several for a multivalued key (`aws:TagKeys`). */
export type RequestContext = Record<string, string | string[]>;

export interface Request {
  action: string;
  resource: string;
  context?: RequestContext;
}

export type Decision = 'allowed' | 'implicitly denied' | 'explicitly denied';

export const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'eu-west-1',
  'AWS::AccountId': '123456789012',
};

/** A CloudFormation value as the string the test refers to it by. */
export function resolveValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const sub = (value as { 'Fn::Sub'?: unknown })['Fn::Sub'];
    if (typeof sub === 'string')
      return sub.replace(/\$\{([^}]+)\}/g, (whole, name: string) => PSEUDO_PARAMETERS[name] ?? whole);
    const getAtt = (value as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return getAtt.join('.');
    const ref = (value as { Ref?: unknown }).Ref;
    if (typeof ref === 'string') return ref;
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

function like(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

const MATCHERS: Record<string, (policy: string, value: string) => boolean> = {
  StringEquals: (policy, value) => policy === value,
  StringLike: (policy, value) => like(policy, value),
  ArnLike: (policy, value) => like(policy, value),
};

/** One operator of a Condition block against the context: every key must hold. */
function holds(operator: string, keys: Record<string, unknown>, context: RequestContext): boolean {
  return Object.entries(keys).every(([key, expected]) => {
    // A value may be a CloudFormation intrinsic (`kms:ViaService`: ssm.${AWS::Region}.amazonaws.com).
    const values = [expected]
      .flat()
      .map((value) => (typeof value === 'object' ? resolveValue(value) : String(value)));
    const actual = context[key];
    if (operator === 'Null') return (actual === undefined) === (values[0] === 'true');
    // A negated operator holds when the key is absent, as IAM evaluates it.
    if (operator === 'StringNotEquals')
      return actual === undefined || (!Array.isArray(actual) && !values.includes(actual));
    const [qualifier, base] = operator.includes(':') ? operator.split(':') : [undefined, operator];
    const matcher = base === undefined ? undefined : MATCHERS[base];
    if (matcher === undefined) throw new Error(`condition operator ${operator} is not supported`);
    const matches = (value: string) => values.some((policy) => matcher(policy, value));
    if (qualifier === 'ForAllValues') return [actual ?? []].flat().every(matches);
    if (qualifier === 'ForAnyValue') return [actual ?? []].flat().some(matches);
    if (qualifier !== undefined) throw new Error(`condition operator ${operator} is not supported`);
    if (Array.isArray(actual))
      throw new Error(`${key} is multivalued: ${operator} needs ForAllValues/ForAnyValue`);
    return actual !== undefined && matches(actual);
  });
}

function applies(statement: PolicyStatement, request: Request): boolean {
  const actions = [statement.Action].flat();
  const resources = [statement.Resource].flat().map(resolveValue);
  return (
    actions.some((action) => like(action, request.action, true)) &&
    resources.some((resource) => like(resource, request.resource)) &&
    Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
      holds(operator, keys, request.context ?? {}),
    )
  );
}

/**
 * What IAM decides for a request against identity-policy statements: an explicit Deny wins,
 * then any Allow, otherwise the implicit deny.
 *
 * @example
 * evaluate(statements, { action: 'dynamodb:GetItem', resource: 'StateTable.Arn', context: { 'dynamodb:LeadingKeys': ['lease'] } });
 */
export function evaluate(statements: PolicyStatement[], request: Request): Decision {
  const matching = statements.filter((statement) => applies(statement, request));
  if (matching.some((statement) => statement.Effect === 'Deny')) return 'explicitly denied';
  return matching.some((statement) => statement.Effect === 'Allow') ? 'allowed' : 'implicitly denied';
}
