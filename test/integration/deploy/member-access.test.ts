/**
 * infra/member-access.yaml, the role each member account gives the central deployment: the
 * same reads and (only with RemediationEnabled) the same changes under the same conditions as
 * the central roles, and a trust that only the central functions inside the organisation with
 * the external id satisfy.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  evaluate,
  type PolicyStatement,
  TAG_ON_CREATE,
  TAG_SOMEONE_ELSES_SNAPSHOT,
} from '../../iam-evaluation.js';

const template = parse(
  readFileSync(new URL('../../../infra/member-access.yaml', import.meta.url), 'utf8'),
) as {
  Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>;
};
const { actionsOf } = createRequire(import.meta.url)('../../../infra/serverless.cjs') as {
  actionsOf(name: string): string[];
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
const SNAPSHOT = 'arn:aws:elasticache:eu-west-1:123456789012:snapshot:guardrails-orders-1';

describe('Template: member account access', () => {
  it('grants no wildcard action and no mutating action on every resource', () => {
    for (const statement of [...reads, ...changes].filter((s) => s.Effect === 'Allow')) {
      expect([statement.Action].flat().some((action) => action.includes('*'))).toBe(false);
      if ([statement.Action].flat().some((action) => MUTATING.test(action)))
        expect([statement.Resource].flat()).not.toContain('*');
    }
  });

  it('reads what the central scan, reaction and drift functions read, and changes only with RemediationEnabled', () => {
    const fleetFunctions = ['durability-scan', 'durability-react', 'encryption-drift', 'snapshot-cleanup'];
    const central = new Set(fleetFunctions.flatMap((name) => actionsOf(name)));
    const centralReads = [...central].filter((action) =>
      /^(elasticache:(Describe|List)|tag:|cloudwatch:)/.test(action),
    );
    expect(actions(reads)).toEqual(centralReads.sort());
    expect(actions(reads).some((action) => MUTATING.test(action))).toBe(false);
    expect(remediate?.Condition).toBe('Remediate');
    const centralChanges = new Set(
      ['durability-upgrade', ...fleetFunctions].flatMap((name) => actionsOf(name)),
    );
    for (const action of actions(changes)) expect(centralChanges).toContain(action);
  });

  it('lets a snapshot be tagged only when it is created, and deleted only when it is ours', () => {
    expect(evaluate(changes, TAG_ON_CREATE)).toBe('allowed');
    expect(evaluate(changes, TAG_SOMEONE_ELSES_SNAPSHOT)).toBe('explicitly denied');
    const remove = (tagged: boolean) =>
      evaluate(changes, {
        action: 'elasticache:DeleteSnapshot',
        resource: SNAPSHOT,
        context: tagged ? { 'aws:ResourceTag/guardrails:managed': 'true' } : {},
      });
    expect(remove(true)).toBe('allowed');
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
      ArnLike: {
        'aws:PrincipalArn': { 'Fn::Sub': expect.stringContaining(':role/elasticache-guardrails-') },
      },
    });
    expect(JSON.stringify(template)).not.toMatch(/"Principal":\s*"\*"/);
  });
});
