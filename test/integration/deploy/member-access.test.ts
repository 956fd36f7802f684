/**
 * infra/member-access.yaml, the role each member account gives the central deployment: the
 * same reads and (only with RemediationEnabled) the same changes under the same conditions as
 * the central roles, and a trust that only the central functions inside the organisation with
 * the external id satisfy; and the rules forwarding the events the central functions react to
 * onto the central bus, through a role that may put events there and nowhere else.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { evaluate, type PolicyStatement } from '../../../infra/local/emulator/iam-policy.js';
import { MemberStack } from '../../../infra/local/emulator/member-stack.js';
import { ACTIONS } from '../../../infra/local/emulator/model.js';
import { EVENT_PATTERNS as patterns } from '../../../shared/aws/event-patterns.js';
import type { EventPattern } from '../../../shared/domain/events.js';
import {
  DEFAULT_MEMBER_ROLE,
  DEFAULT_OPERATOR_ROLE,
  EXTERNAL_ID_PATTERN,
} from '../../../shared/domain/targets.js';
import { TAG_ON_CREATE, TAG_SOMEONE_ELSES_SNAPSHOT } from '../../iam-requests.js';

const template = parse(
  readFileSync(new URL('../../../infra/member-access.yaml', import.meta.url), 'utf8'),
) as {
  Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>;
};
const { actionsOf } = createRequire(import.meta.url)('../../../infra/serverless.cjs') as {
  actionsOf(name: string): string[];
};
const { roleName } = createRequire(import.meta.url)('../../../infra/iam.cjs') as {
  roleName(name: string, where: { stage: string; region: string }): string;
};
const role = template.Resources.MemberRole?.Properties as {
  AssumeRolePolicyDocument: { Statement: PolicyStatement[] };
  Policies: { PolicyDocument: { Statement: PolicyStatement[] } }[];
};
const remediate = template.Resources.RemediatePolicy;
const reads = role.Policies.flatMap((policy) => policy.PolicyDocument.Statement);
const changes =
  (remediate?.Properties.PolicyDocument as { Statement: PolicyStatement[] } | undefined)?.Statement ?? [];
const actions = (statements: PolicyStatement[]) =>
  [...new Set(statements.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat()))].sort();
const MUTATING = /^elasticache:(Modify|Increase|Create|Delete|AddTags)/;
/** Every statement of every role and policy in the template. */
const everyStatement = Object.values(template.Resources).flatMap((resource) => {
  const properties = resource.Properties as {
    PolicyDocument?: { Statement: PolicyStatement[] };
    Policies?: { PolicyDocument: { Statement: PolicyStatement[] } }[];
  };
  return [
    ...(properties.PolicyDocument?.Statement ?? []),
    ...(properties.Policies ?? []).flatMap((policy) => policy.PolicyDocument.Statement),
  ];
});
const forwarding = template.Resources.ForwardingRole?.Properties as {
  AssumeRolePolicyDocument: { Statement: PolicyStatement[] };
  Policies: { PolicyDocument: { Statement: PolicyStatement[] } }[];
};
const forwardingRules = Object.entries(template.Resources).filter(
  ([, resource]) => resource.Type === 'AWS::Events::Rule',
);
const CENTRAL_BUS = 'CentralEventBusArn'; // the parameter, as the evaluator resolves a Ref
const CENTRAL_ACCOUNT = '123456789012';
const MEMBER_ACCOUNT = '111111111111';
const BUS_ARN = `arn:aws:events:eu-west-1:${CENTRAL_ACCOUNT}:event-bus/default`;

/**
 * Whether the template's condition `name` holds for these parameter and pseudo-parameter
 * values (the intrinsic functions its Conditions use: Equals, Not, And, Condition, Ref, Sub).
 */
function conditionHolds(name: string, given: Record<string, string>): boolean {
  const conditions = (template as unknown as { Conditions: Record<string, unknown> }).Conditions;
  const values: Record<string, string> = { 'AWS::Partition': 'aws', ...given };
  const resolve = (node: unknown): unknown => {
    if (typeof node === 'string') return node;
    const [[fn, argument] = []] = Object.entries(node as Record<string, unknown>);
    const list = argument as unknown[];
    switch (fn) {
      case 'Ref':
        return values[argument as string];
      case 'Fn::Sub':
        return (argument as string).replace(/\$\{([^}]+)\}/g, (_whole, key: string) => values[key] ?? '');
      case 'Fn::Equals':
        return resolve(list[0]) === resolve(list[1]);
      case 'Fn::Not':
        return resolve(list[0]) !== true;
      case 'Fn::And':
        return list.every((item) => resolve(item) === true);
      case 'Condition':
        return resolve(conditions[argument as string]);
      default:
        throw new Error(`condition function ${String(fn)} is not supported`);
    }
  };
  return resolve(conditions[name]) === true;
}

const SNAPSHOT = 'arn:aws:elasticache:eu-west-1:123456789012:snapshot:guardrails-orders-1';

describe('Template: member account access', () => {
  it('grants no wildcard action and no mutating action on every resource', () => {
    expect(everyStatement.length).toBeGreaterThan(reads.length + changes.length);
    for (const statement of everyStatement.filter((s) => s.Effect === 'Allow')) {
      const granted = [statement.Action].flat();
      expect(granted.some((action) => action.includes('*'))).toBe(false);
      if (granted.some((action) => MUTATING.test(action) || action === 'events:PutEvents'))
        expect([statement.Resource].flat()).not.toContain('*');
    }
  });

  it('reads what the central scan, reaction and drift functions read, and changes only with RemediationEnabled', () => {
    const fleetFunctions = ['target-scan', 'durability-react', 'encryption-drift', 'snapshot-cleanup'];
    const central = new Set(fleetFunctions.flatMap((name) => actionsOf(name)));
    const centralReads = [...central].filter((action) =>
      /^(elasticache:(Describe|List)|tag:|cloudwatch:)/.test(action),
    );
    // account:ListRegions: the fan-out lists the member's enabled regions with its credentials.
    expect(actions(reads)).toEqual([...centralReads, 'account:ListRegions'].sort());
    expect(actions(reads).some((action) => MUTATING.test(action))).toBe(false);
    expect(remediate?.Condition).toBe('Remediate');
    // Changes: only what the functions that assume it send (not the upgrade's or the cleanup's).
    const assuming = ['target-scan', 'durability-react', 'encryption-drift'];
    const centralChanges = new Set(assuming.flatMap((name) => actionsOf(name)));
    for (const action of actions(changes)) expect(centralChanges).toContain(action);
    expect(actions(changes)).not.toContain('elasticache:IncreaseReplicaCount');
  });

  it('lets a snapshot be tagged only when it is created, and deleted never', () => {
    expect(evaluate(changes, TAG_ON_CREATE)).toBe('allowed');
    expect(evaluate(changes, TAG_SOMEONE_ELSES_SNAPSHOT)).toBe('explicitly denied');
    const remove = (tagged: boolean) =>
      evaluate(changes, {
        action: 'elasticache:DeleteSnapshot',
        resource: SNAPSHOT,
        context: tagged ? { 'aws:ResourceTag/guardrails:managed': 'true' } : {},
      });
    expect(remove(true)).toBe('implicitly denied');
    expect(remove(false)).toBe('implicitly denied');
  });

  it('is assumed only by the central functions, inside the organisation, with the external id', () => {
    const [trust] = role.AssumeRolePolicyDocument.Statement;
    expect(trust?.Action).toBe('sts:AssumeRole');
    expect(trust?.Condition).toMatchObject({
      StringEquals: {
        'sts:ExternalId': { Ref: 'ExternalId' },
        'aws:PrincipalOrgID': { Ref: 'OrganizationId' },
      },
    });
    // Only the roles of the functions that assume it: not the migration's, the upgrade's or the cleanup's.
    const condition = trust?.Condition as
      | { ArnLike: { 'aws:PrincipalArn': Array<{ 'Fn::Sub': string }> } }
      | undefined;
    const patterns = (condition?.ArnLike['aws:PrincipalArn'] ?? []).map((arn) =>
      arn['Fn::Sub'].replace('${AWS::Partition}', 'aws').replace('${CentralAccountId}', '123456789012'),
    );
    const admits = (name: string) =>
      patterns.some((pattern) =>
        new RegExp(
          `^${pattern
            .split('*')
            .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
            .join('.*')}$`,
        ).test(`arn:aws:iam::123456789012:role/${roleName(name, { stage: 'prod', region: 'eu-west-1' })}`),
      );
    for (const name of ['target-scan', 'durability-react', 'encryption-drift', 'org-scan'])
      expect(admits(name), name).toBe(true);
    for (const name of ['migration-finish', 'durability-upgrade', 'snapshot-cleanup', 'migration-preflight'])
      expect(admits(name), name).toBe(false);
    expect(JSON.stringify(template)).not.toMatch(/"Principal":\s*"\*"/);
  });

  it('gives operators a read-only role with the member role\u2019s reads, only with OperatorPrincipalArns', () => {
    // Prepare: the stack in a member account, remediation on, with and without operators.
    const parameters = {
      OrganizationId: 'o-a1b2c3d4e5',
      ExternalId: 'external-id-0123456789',
      RemediationEnabled: 'true',
    };
    const defaults = { centralAccount: CENTRAL_ACCOUNT, region: 'eu-west-1' };
    const sso = `arn:aws:iam::${CENTRAL_ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Operator_0123456789abcdef`;
    const withOperators = new MemberStack(
      { ...parameters, OperatorPrincipalArns: sso.replace(/_[0-9a-f]+$/, '_*') },
      defaults,
    );

    // Act
    const roles = withOperators.rolesIn(MEMBER_ACCOUNT);
    const operator = roles.find((found) => found.name === DEFAULT_OPERATOR_ROLE);
    const memberRole = roles.find((found) => found.name === DEFAULT_MEMBER_ROLE);

    // Assess: no operator role without operators; the operator's reads are the member role's.
    expect(new MemberStack(parameters, defaults).rolesIn(MEMBER_ACCOUNT).map((found) => found.name)).toEqual([
      DEFAULT_MEMBER_ROLE,
    ]);
    expect(actions(operator?.permissions ?? [])).toEqual(actions(reads));
    const changing = Object.keys(ACTIONS).filter((action) => !/^(Describe|List)/.test(action));
    for (const action of changing) {
      const request = {
        action: `elasticache:${action}`,
        resource: `arn:aws:elasticache:eu-west-1:${MEMBER_ACCOUNT}:replicationgroup:orders`,
        context: {
          'elasticache:CreateAction': 'CreateSnapshot',
          'aws:RequestTag/guardrails:managed': 'true',
        },
      };
      expect(evaluate(operator?.permissions ?? [], request), action).not.toBe('allowed');
    }
    expect(
      evaluate(memberRole?.permissions ?? [], {
        action: 'elasticache:ModifyReplicationGroup',
        resource: `arn:aws:elasticache:eu-west-1:${MEMBER_ACCOUNT}:replicationgroup:orders`,
      }),
    ).toBe('allowed');
    // Trusted: the named permission set inside the organisation with the external id, nobody else.
    const assumer = {
      principalArn: sso,
      account: CENTRAL_ACCOUNT,
      orgId: 'o-a1b2c3d4e5',
      externalId: 'external-id-0123456789',
    };
    const trusts = (changes: object) =>
      withOperators.trusts(MEMBER_ACCOUNT, DEFAULT_OPERATOR_ROLE, { ...assumer, ...changes });
    expect(trusts({})).toBe(true);
    expect(trusts({ principalArn: sso.replace('_Operator_', '_Developer_') })).toBe(false);
    expect(trusts({ orgId: 'o-other000001' })).toBe(false);
    expect(trusts({ externalId: 'another-id-0123456789' })).toBe(false);
    expect(withOperators.trusts(MEMBER_ACCOUNT, DEFAULT_MEMBER_ROLE, assumer)).toBe(false);
  });

  it('requires the external id the central side requires: the same pattern, 16 characters or more', () => {
    const declared = (template as unknown as { Parameters: Record<string, Record<string, unknown>> })
      .Parameters.ExternalId;
    expect(declared?.AllowedPattern).toBe(EXTERNAL_ID_PATTERN.source);
    expect(declared?.MinLength).toBe(16);
    expect(declared?.NoEcho).toBe(true);
  });

  it('creates the role once per account, in MemberRoleRegion (IAM is global), and forwards in every region', () => {
    const member = {
      'AWS::AccountId': MEMBER_ACCOUNT,
      MemberRoleRegion: 'eu-west-1',
      CentralEventBusArn: BUS_ARN,
    };
    const holds = (name: string, region: string, remediation = 'true') =>
      conditionHolds(name, { ...member, 'AWS::Region': region, RemediationEnabled: remediation });

    expect(template.Resources.MemberRole?.Condition).toBe('CreateRole');
    expect(holds('CreateRole', 'eu-west-1')).toBe(true);
    expect(holds('CreateRole', 'us-east-1')).toBe(false);
    expect(holds('Remediate', 'eu-west-1')).toBe(true);
    expect(holds('Remediate', 'us-east-1')).toBe(false);
    expect(holds('Remediate', 'eu-west-1', 'false')).toBe(false);
    for (const id of ['ForwardingRole', ...forwardingRules.map(([ruleId]) => ruleId)])
      expect(template.Resources[id]?.Condition).toBe('Forward');
    expect(holds('Forward', 'eu-west-1')).toBe(true);
    expect(holds('Forward', 'ap-southeast-2')).toBe(true);
  });

  it('forwards nothing without a central bus, and not the central bus’s own events onto itself', () => {
    const at = (account: string, region: string, bus: string) =>
      conditionHolds('Forward', {
        'AWS::AccountId': account,
        'AWS::Region': region,
        CentralEventBusArn: bus,
      });

    expect(at(MEMBER_ACCOUNT, 'eu-west-1', '')).toBe(false);
    expect(at(CENTRAL_ACCOUNT, 'eu-west-1', BUS_ARN)).toBe(false);
    expect(at(CENTRAL_ACCOUNT, 'us-east-1', BUS_ARN)).toBe(true);
    expect(at(MEMBER_ACCOUNT, 'eu-west-1', BUS_ARN)).toBe(true);
  });

  it('lets the central functions list the account’s enabled regions', () => {
    const request = { action: 'account:ListRegions', resource: 'arn:aws:account::123456789012:account' };
    expect(evaluate(reads, request)).toBe('allowed');
  });

  it('forwards exactly the CloudTrail calls the central functions react to (shared/aws/event-patterns.ts), each once', () => {
    const central = [patterns.durabilityReact.cloudTrail, patterns.encryptionDrift.cloudTrail];
    const forwarded = forwardingRules.map(([, rule]) => rule.Properties.EventPattern as EventPattern);
    expect(forwarded).toHaveLength(1);
    const [{ detail, ...envelope } = central[0] as EventPattern] = forwarded;
    const { eventName, ...filters } = detail;
    expect([...eventName].sort()).toEqual(
      [...new Set(central.flatMap((pattern) => pattern.detail.eventName))].sort(),
    );
    for (const { detail: own, ...ownEnvelope } of central) {
      const { eventName: _names, ...ownFilters } = own;
      expect(envelope).toEqual(ownEnvelope);
      expect(filters).toEqual(ownFilters); // the same eventSource, and errorCode absent
    }
  });

  it('forwards to the central bus only, through the forwarding role', () => {
    for (const [, rule] of forwardingRules)
      expect(rule.Properties.Targets).toEqual([
        {
          Id: 'central-bus',
          Arn: { Ref: CENTRAL_BUS },
          RoleArn: { 'Fn::GetAtt': ['ForwardingRole', 'Arn'] },
        },
      ]);
  });

  it('lets the forwarding role put events on the central bus and do nothing else', () => {
    const statements = forwarding.Policies.flatMap((policy) => policy.PolicyDocument.Statement);
    const put = (action: string, resource: string) => evaluate(statements, { action, resource });
    expect(actions(statements)).toEqual(['events:PutEvents']);
    expect(put('events:PutEvents', CENTRAL_BUS)).toBe('allowed');
    expect(put('events:PutEvents', 'arn:aws:events:eu-west-1:999999999999:event-bus/default')).toBe(
      'implicitly denied',
    );
    expect(put('events:PutRule', CENTRAL_BUS)).toBe('implicitly denied');
    const [trust, ...others] = forwarding.AssumeRolePolicyDocument.Statement as (PolicyStatement & {
      Principal: unknown;
    })[];
    expect(others).toEqual([]);
    expect(trust?.Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(trust?.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
  });
});
