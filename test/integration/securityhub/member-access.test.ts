/**
 * infra/member-access.yaml lets the member role import findings into Security Hub from its own
 * account, under its own default product, and nothing more of Security Hub.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { evaluate, type PolicyStatement } from '../../../infra/local/emulator/iam-policy.js';

const template = parse(
  readFileSync(new URL('../../../infra/member-access.yaml', import.meta.url), 'utf8'),
) as {
  Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>;
};
/** Every statement any policy of the template gives the member role. */
const statements = Object.values(template.Resources).flatMap((resource) => {
  if (resource.Type === 'AWS::IAM::Policy')
    return (resource.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement;
  if (resource.Type === 'AWS::IAM::Role')
    return (resource.Properties.Policies as { PolicyDocument: { Statement: PolicyStatement[] } }[]).flatMap(
      (policy) => policy.PolicyDocument.Statement,
    );
  return [];
});
// The evaluator resolves ${AWS::AccountId} to 123456789012.
const product = (region: string, account = '123456789012') =>
  `arn:aws:securityhub:${region}:${account}:product/${account}/default`;

describe('Template: member account access, Security Hub', () => {
  it('lets the member role import findings under its own default product, in every region', () => {
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-2'])
      expect(
        evaluate(statements, { action: 'securityhub:BatchImportFindings', resource: product(region) }),
      ).toBe('allowed');
  });

  it("grants no import under another account's product or a partner's, and no other Security Hub action", () => {
    const other = product('us-east-1', '210987654321');
    const partner = 'arn:aws:securityhub:us-east-1:123456789012:product/some-vendor/scanner';
    for (const resource of [other, partner])
      expect(evaluate(statements, { action: 'securityhub:BatchImportFindings', resource })).toBe(
        'implicitly denied',
      );
    for (const action of [
      'securityhub:BatchUpdateFindings',
      'securityhub:GetFindings',
      'securityhub:DisableSecurityHub',
    ])
      expect(evaluate(statements, { action, resource: product('us-east-1') })).toBe('implicitly denied');
  });

  it('grants the import whatever RemediationEnabled says', () => {
    const [policy] = Object.values(template.Resources).filter((resource) =>
      JSON.stringify(resource.Properties).includes('securityhub:BatchImportFindings'),
    );
    expect(policy?.Type).toBe('AWS::IAM::Policy');
    // Created with the role (in MemberRoleRegion only: IAM is global), not with RemediationEnabled.
    expect(policy?.Condition).toBe(template.Resources.MemberRole?.Condition);
    expect(policy?.Condition).not.toBe('Remediate');
  });
});
