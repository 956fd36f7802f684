/**
 * infra/member-access.yaml as the sandbox deploys it into every served account (one stack,
 * its parameters checked as CloudFormation checks them): the roles it creates, each with its
 * trust and permission statements resolved, and the decision STS's `AssumeRole` takes on a
 * role's trust (principal, `sts:ExternalId`, `aws:PrincipalOrgID`, `aws:PrincipalArn`).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { evaluate, type PolicyStatement, type Request } from './iam-policy.js';
import type { Params } from './protocol.js';

const TEMPLATE_URL = new URL('../../member-access.yaml', import.meta.url);

interface TemplateParameter {
  Type: string;
  Default?: string;
  AllowedPattern?: string;
  AllowedValues?: string[];
  MinLength?: number;
  MaxLength?: number;
}

interface TemplateResource {
  Type: string;
  Condition?: string;
  Properties: Record<string, unknown>;
}

interface Template {
  Parameters: Record<string, TemplateParameter>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, TemplateResource>;
}

/** A trust statement: who (`Principal`) may call `sts:AssumeRole`, under which conditions. */
interface TrustStatement extends Omit<PolicyStatement, 'Resource'> {
  Principal: { AWS?: string | string[]; Service?: string | string[] };
}

/** A role of the stack in one account. */
export interface DeployedRole {
  name: string;
  trust: TrustStatement[];
  permissions: PolicyStatement[];
}

/** Who asks to assume a role, as STS knows them. */
export interface Assumer {
  /** `aws:PrincipalArn`: the IAM user or role (not the session) behind the request. */
  principalArn: string;
  account: string;
  /** `aws:PrincipalOrgID`: absent when the principal's account is in no organisation. */
  orgId?: string;
  externalId?: string;
}

/** The intrinsic functions the template uses, resolved against parameter values. */
function resolver(template: Template, values: Record<string, string | string[]>) {
  const condition = (name: string): boolean => {
    if (!(name in template.Conditions)) throw new Error(`member stack: no condition ${name}`);
    return resolve(template.Conditions[name]) === true;
  };
  const resolve = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(resolve);
    if (typeof node !== 'object' || node === null) return node;
    const [[fn, argument] = []] = Object.entries(node);
    const list = argument as unknown[];
    switch (fn) {
      case 'Ref':
        if (!((argument as string) in values)) throw new Error(`member stack: no value for Ref ${argument}`);
        return values[argument as string];
      case 'Fn::Sub':
        return (argument as string).replace(/\$\{([^}]+)\}/g, (_whole, name: string) => String(values[name]));
      case 'Fn::Join':
        return (resolve(list[1]) as unknown[]).join(list[0] as string);
      case 'Fn::Equals':
        return resolve(list[0]) === resolve(list[1]);
      case 'Fn::Not':
        return resolve(list[0]) !== true;
      case 'Fn::And':
        return list.every((item) => resolve(item) === true);
      case 'Condition':
        return condition(argument as string);
      default:
        return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, resolve(value)]));
    }
  };
  return { resolve, condition };
}

/** The parameter values CloudFormation would accept, or an Error naming the parameter. */
function checkedParameters(
  template: Template,
  given: Record<string, string>,
): Record<string, string | string[]> {
  const unknown = Object.keys(given).filter((name) => !(name in template.Parameters));
  if (unknown.length > 0) throw new Error(`member stack: unknown parameters ${unknown.join(', ')}`);
  const values: Record<string, string | string[]> = {};
  for (const [name, declared] of Object.entries(template.Parameters)) {
    const value = given[name] ?? declared.Default;
    if (value === undefined) throw new Error(`member stack: parameter ${name} must have a value`);
    const problem =
      (declared.MinLength !== undefined && value.length < declared.MinLength) ||
      (declared.MaxLength !== undefined && value.length > declared.MaxLength) ||
      (declared.AllowedPattern !== undefined && !new RegExp(declared.AllowedPattern).test(value)) ||
      (declared.AllowedValues !== undefined && !declared.AllowedValues.includes(value));
    // The message never repeats the value: ExternalId is a secret (NoEcho).
    if (problem) throw new Error(`member stack: parameter ${name} does not satisfy its constraints`);
    values[name] = declared.Type === 'CommaDelimitedList' ? value.split(',') : value;
  }
  return values;
}

/** Whether a trust statement's `Principal` names the assumer (`*`, its account's root, or its ARN). */
function names(statement: TrustStatement, assumer: Assumer): boolean {
  return [statement.Principal.AWS ?? []]
    .flat()
    .some(
      (principal) =>
        principal === '*' ||
        principal === assumer.principalArn ||
        principal === `arn:aws:iam::${assumer.account}:root`,
    );
}

/**
 * The member-access stack deployed in every served account with `parameters` (CentralAccountId
 * and MemberRoleRegion default to the sandbox's central account and region).
 *
 * @example
 * const stack = new MemberStack({ OrganizationId: 'o-sandbox0001', ExternalId: '…16 or more…' }, defaults);
 * stack.trusts('100000000001', 'elasticache-guardrails-operator', assumer);
 */
export class MemberStack {
  readonly #template: Template;
  readonly #values: Record<string, string | string[]>;

  constructor(parameters: Record<string, string>, defaults: { centralAccount: string; region: string }) {
    if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters))
      throw new Error('access.memberStack must map parameter names to values');
    this.#template = parse(readFileSync(TEMPLATE_URL, 'utf8')) as Template;
    this.#values = checkedParameters(this.#template, {
      CentralAccountId: defaults.centralAccount,
      MemberRoleRegion: defaults.region,
      ...parameters,
    });
  }

  /** The roles the stack creates in `account` (the role's own region instance creates them). */
  rolesIn(account: string): DeployedRole[] {
    const pseudo = {
      'AWS::Partition': 'aws',
      'AWS::AccountId': account,
      'AWS::Region': String(this.#values.MemberRoleRegion),
    };
    const { resolve, condition } = resolver(this.#template, { ...this.#values, ...pseudo });
    const created = Object.entries(this.#template.Resources).filter(
      ([, resource]) => resource.Condition === undefined || condition(resource.Condition),
    );
    const statementsOf = (document: unknown) =>
      (resolve(document) as { Statement: PolicyStatement[] }).Statement;
    return created
      .filter(
        ([, resource]) => resource.Type === 'AWS::IAM::Role' && resource.Properties.RoleName !== undefined,
      )
      .map(([id, role]) => ({
        name: String(resolve(role.Properties.RoleName)),
        trust: statementsOf(role.Properties.AssumeRolePolicyDocument) as unknown as TrustStatement[],
        permissions: [
          ...((role.Properties.Policies ?? []) as { PolicyDocument: unknown }[]).flatMap((policy) =>
            statementsOf(policy.PolicyDocument),
          ),
          ...created
            .filter(
              ([, policy]) =>
                policy.Type === 'AWS::IAM::Policy' &&
                JSON.stringify(policy.Properties.Roles).includes(JSON.stringify({ Ref: id })),
            )
            .flatMap(([, policy]) => statementsOf(policy.Properties.PolicyDocument)),
        ],
      }));
  }

  /**
   * What the stack's role `roleName` in `account` may do: undefined for a role the stack did not
   * create (the sandbox then allows everything, as before a stack is deployed).
   */
  permits(account: string, roleName: string, request: Request): boolean | undefined {
    const role = this.rolesIn(account).find((found) => found.name === roleName);
    return role === undefined ? undefined : evaluate(role.permissions, request) === 'allowed';
  }

  /** Whether `roleName` exists in `account` and its trust lets `assumer` assume it. */
  trusts(account: string, roleName: string, assumer: Assumer): boolean {
    const role = this.rolesIn(account).find((found) => found.name === roleName);
    if (role === undefined) return false;
    const statements = role.trust
      .filter((statement) => names(statement, assumer))
      .map((statement) => ({ ...statement, Resource: '*' }));
    const context = {
      'aws:PrincipalArn': assumer.principalArn,
      'aws:PrincipalAccount': assumer.account,
      ...(assumer.orgId === undefined ? {} : { 'aws:PrincipalOrgID': assumer.orgId }),
      ...(assumer.externalId === undefined ? {} : { 'sts:ExternalId': assumer.externalId }),
    };
    return evaluate(statements, { action: 'sts:AssumeRole', resource: '*', context }) === 'allowed';
  }
}

/** The resource types of ElastiCache ARNs, by the parameter naming the resource. */
const RESOURCE_PARAMETERS = [
  ['SnapshotName', 'snapshot'],
  ['ReplicationGroupId', 'replicationgroup'],
  ['ServerlessCacheName', 'serverlesscache'],
  ['CacheClusterId', 'cluster'],
  ['CacheParameterGroupName', 'parametergroup'],
] as const;

/**
 * An ElastiCache Query request as IAM sees it: `elasticache:<Action>` on the ARN of the resource
 * it names (`ResourceName`, else the first of {@link RESOURCE_PARAMETERS} given; a list action
 * without one: every resource of the pair), with the tags it puts (`aws:RequestTag/*`,
 * `aws:TagKeys`) and, for a create, `elasticache:CreateAction`.
 */
export function elastiCacheRequest(action: string, params: Params, account: string, region: string): Request {
  const prefix = `arn:aws:elasticache:${region}:${account}:`;
  const named = RESOURCE_PARAMETERS.find(([parameter]) => typeof params[parameter] === 'string');
  const resource =
    typeof params.ResourceName === 'string'
      ? params.ResourceName
      : named === undefined
        ? `${prefix}*`
        : `${prefix}${named[1]}:${String(params[named[0]])}`;
  const tags = (Array.isArray(params.Tags) ? params.Tags : []) as { Key?: string; Value?: string }[];
  return {
    action: `elasticache:${action}`,
    resource,
    context: {
      ...Object.fromEntries(tags.map((tag) => [`aws:RequestTag/${tag.Key}`, String(tag.Value ?? '')])),
      ...(tags.length === 0 ? {} : { 'aws:TagKeys': tags.map((tag) => String(tag.Key)) }),
      ...(action.startsWith('Create') ? { 'elasticache:CreateAction': action } : {}),
    },
  };
}
