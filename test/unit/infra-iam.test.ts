import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { evaluate, type PolicyStatement, type Request } from '../../infra/local/emulator/iam-policy.js';
import { CHECKS, checkPermissions } from '../../shared/domain/checks/registry.js';
import { TAG_ON_CREATE, TAG_SOMEONE_ELSES_SNAPSHOT } from '../iam-requests.js';
import { FUNCTIONS, manifestOf } from '../manifests.js';

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: unknown[];
  Condition?: Record<string, Record<string, string>>;
}
const require = createRequire(import.meta.url);
const { actionsOf, statementsFor } = require('../../infra/serverless.cjs') as {
  actionsOf(name: string): string[];
  statementsFor(
    name: string,
    options?: {
      policyParameter?: string;
      changeTag?: string;
      memberRoleName?: string;
      organizationId?: string;
      memberExternalIdParameter?: string;
      memberExternalIdKeyArn?: string;
    },
  ): Statement[];
};

const conditionOf = (statements: Statement[], action: string) =>
  statements.filter((statement) => statement.Action.includes(action)).map((statement) => statement.Condition);

describe('IAM statements of infra/serverless.cjs', () => {
  it('lets durability-react assume only the member role, in any member account', () => {
    const assume = (statements: Statement[], role: string) =>
      evaluate(statements as PolicyStatement[], { action: 'sts:AssumeRole', resource: role });
    const byDefault = statementsFor('durability-react');
    const renamed = statementsFor('durability-react', { memberRoleName: 'guardrails-access' });

    expect(assume(byDefault, 'arn:aws:iam::111111111111:role/elasticache-guardrails-member')).toBe('allowed');
    expect(assume(byDefault, 'arn:aws:iam::222222222222:role/elasticache-guardrails-member')).toBe('allowed');
    expect(assume(byDefault, 'arn:aws:iam::111111111111:role/OrganizationAccountAccessRole')).toBe(
      'implicitly denied',
    );
    expect(assume(renamed, 'arn:aws:iam::111111111111:role/guardrails-access')).toBe('allowed');
    expect(assume(renamed, 'arn:aws:iam::111111111111:role/elasticache-guardrails-member')).toBe(
      'implicitly denied',
    );
    expect(() => statementsFor('durability-react', { memberRoleName: 'a*' })).toThrow(
      'memberRoleName must be an IAM role name, got "a*"',
    );
  });

  it('lets the scans assume the member role only in the organisation the deployment names', () => {
    // Prepare
    const role = 'arn:aws:iam::111111111111:role/elasticache-guardrails-member';
    const assume = (statements: Statement[], orgId: string) =>
      evaluate(statements as PolicyStatement[], {
        action: 'sts:AssumeRole',
        resource: role,
        context: { 'aws:ResourceOrgID': orgId },
      });

    // Act
    const named = ['target-scan', 'org-scan'].map((name) =>
      statementsFor(name, { organizationId: 'o-abcdef1234' }),
    );

    // Assess
    for (const statements of named) {
      expect(assume(statements, 'o-abcdef1234')).toBe('allowed');
      expect(assume(statements, 'o-other00000')).toBe('implicitly denied');
    }
    expect(assume(statementsFor('org-scan'), 'o-other00000')).toBe('allowed');
  });

  it('limits changes to groups with the changeTag when one is given', () => {
    const tagged = statementsFor('migration-control', { changeTag: 'guardrails:allow-changes=true' });
    const open = statementsFor('migration-control');

    for (const action of [
      'elasticache:StartMigration',
      'elasticache:CompleteMigration',
      'elasticache:TestMigration',
    ])
      expect(conditionOf(tagged, action)).toEqual([
        { StringEquals: { 'aws:ResourceTag/guardrails:allow-changes': 'true' } },
      ]);
    expect(conditionOf(open, 'elasticache:StartMigration')).toEqual([undefined]);
    expect(conditionOf(tagged, 'elasticache:DescribeReplicationGroups')).toEqual([undefined]);
    expect(
      conditionOf(
        statementsFor('target-scan', { changeTag: 'team=cache' }),
        'elasticache:ModifyReplicationGroup',
      ),
    ).toEqual([{ StringEquals: { 'aws:ResourceTag/team': 'cache' } }]);
  });

  it('reads only the policy parameter it is given', () => {
    const statements = statementsFor('target-scan', { policyParameter: '/guardrails/policy' });
    const ssm = statements.filter((statement) => statement.Action.includes('ssm:GetParameter'));

    expect(ssm).toHaveLength(1);
    expect(JSON.stringify(ssm[0]?.Resource)).toContain(':parameter/guardrails/policy');
    expect(
      statementsFor('target-scan').some((statement) => statement.Action.includes('ssm:GetParameter')),
    ).toBe(false);
  });

  describe('the external id parameter', () => {
    const PARAMETER = '/guardrails/member-external-id';
    const PARAMETER_ARN = 'arn:aws:ssm:eu-west-1:123456789012:parameter/guardrails/member-external-id';
    const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const VIA_SSM = { 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com' };
    const readers = (options: Parameters<typeof statementsFor>[1], request: Request) =>
      FUNCTIONS.filter(
        (name) => evaluate(statementsFor(name, options) as PolicyStatement[], request) === 'allowed',
      );
    const ASSUMING = FUNCTIONS.filter((name) => manifestOf(name).memberAccess);

    it('lets exactly the functions that assume member roles read that one parameter', () => {
      // Prepare
      const options = { memberExternalIdParameter: PARAMETER };

      // Act & Assess
      expect(readers(options, { action: 'ssm:GetParameter', resource: PARAMETER_ARN })).toEqual(ASSUMING);
      expect(ASSUMING.length).toBeGreaterThan(0);
      expect(readers(options, { action: 'ssm:GetParameter', resource: `${PARAMETER_ARN}-other` })).toEqual(
        [],
      );
      expect(readers({}, { action: 'ssm:GetParameter', resource: PARAMETER_ARN })).toEqual([]);
    });

    it('grants no kms:Decrypt for the AWS managed key, whose key policy lets the account decrypt through SSM', () => {
      // Act & Assess
      expect(
        FUNCTIONS.flatMap((name) => statementsFor(name, { memberExternalIdParameter: PARAMETER })).filter(
          (statement) =>
            statement.Action.includes('kms:Decrypt') &&
            !JSON.stringify(statement.Resource).includes('AlertTopicKey'),
        ),
      ).toEqual([]);
    });

    it('lets them decrypt with a customer managed key only through SSM in the deployment region', () => {
      // Prepare
      const options = { memberExternalIdParameter: PARAMETER, memberExternalIdKeyArn: KEY };
      const decrypt = (context: Record<string, string>, resource = KEY) =>
        readers(options, { action: 'kms:Decrypt', resource, context });

      // Act & Assess
      expect(decrypt(VIA_SSM)).toEqual(ASSUMING);
      expect(decrypt({ 'kms:ViaService': 'ssm.us-east-1.amazonaws.com' })).toEqual([]);
      expect(decrypt({ 'kms:ViaService': 's3.eu-west-1.amazonaws.com' })).toEqual([]);
      expect(decrypt({})).toEqual([]);
      expect(decrypt(VIA_SSM, KEY.replace('1234abcd', '9999abcd'))).toEqual([]);
    });

    it.each([
      [
        { memberExternalIdParameter: '/aws/member-external-id' },
        /memberExternalIdParameter must be an SSM parameter name/,
      ],
      [
        { memberExternalIdParameter: '/guardrails/member external id' },
        /memberExternalIdParameter must be an SSM parameter name/,
      ],
      [
        { memberExternalIdParameter: PARAMETER, memberExternalIdKeyArn: 'alias/aws/ssm' },
        /memberExternalIdKeyArn must be a KMS key ARN/,
      ],
      [{ memberExternalIdKeyArn: KEY }, /memberExternalIdKeyArn is set but memberExternalIdParameter is not/],
    ])('refuses %j at packaging, naming the parameter', (options, refusal) => {
      // Act & Assess: whichever function is generated first, the packaging fails
      expect(() => statementsFor('migration-snapshot', options)).toThrow(refusal);
    });
  });

  it.each(['', 'guardrails:allow-changes=true'])(
    'lets a snapshot get the managed tag only from CreateSnapshot (changeTag "%s")',
    (changeTag) => {
      const allowedTo = (request: Request) =>
        FUNCTIONS.filter((name) => evaluate(statementsFor(name, { changeTag }), request) === 'allowed');

      expect(allowedTo(TAG_SOMEONE_ELSES_SNAPSHOT)).toEqual([]);
      expect(allowedTo(TAG_ON_CREATE)).toEqual(
        FUNCTIONS.filter((name) => manifestOf(name).actions.includes('elasticache:CreateSnapshot')),
      );
    },
  );

  it('grants the scan every read each registered check declares, generated from the registry', () => {
    // Act
    const granted = statementsFor('target-scan').flatMap((statement) => statement.Action);

    // Assess
    for (const [name, check] of Object.entries(CHECKS))
      for (const action of check.permissions) expect(granted, `${name} declares ${action}`).toContain(action);
    expect(actionsOf('target-scan')).toEqual(expect.arrayContaining(checkPermissions()));
    expect(actionsOf('target-scan')).not.toContain('$checks');
  });

  it("adds the checks' reads only where a manifest lists them", () => {
    expect(actionsOf('encryption-drift')).not.toContain('cloudwatch:GetMetricData');
    expect(actionsOf('migration-approval')).toEqual(manifestOf('migration-approval').actions);
  });

  it('refuses a changeTag that is not key=value', () => {
    expect(() => statementsFor('target-scan', { changeTag: 'nokey' })).toThrow(
      'changeTag must be key=value, got "nokey"',
    );
  });
});

describe('Function: roleName', () => {
  const { roleName } = require('../../infra/iam.cjs') as {
    roleName(name: string, where: { stage: string; region: string }): string;
  };

  it('names a role guardrails-<function>-<stage>-<region>', () => {
    expect(roleName('org-scan', { stage: 'prod', region: 'eu-west-1' })).toBe(
      'guardrails-org-scan-prod-eu-west-1',
    );
  });

  it('refuses a name over 64 characters, naming it', () => {
    const stage = 'a-stage-much-too-long';
    expect(() => roleName('migration-durability', { stage, region: 'ap-southeast-2' })).toThrow(
      `the role name guardrails-migration-durability-${stage}-ap-southeast-2 has 68 characters, over IAM's 64`,
    );
  });
});
