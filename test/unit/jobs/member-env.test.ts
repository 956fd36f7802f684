import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { DEFAULT_MEMBER_ROLE } from '../../../shared/domain/targets.js';
import { MEMBER_ENV, memberRoleOf, perMemberAccess } from '../../../shared/jobs/member-env.js';
import { memberCredentialsFor } from '../../../shared/jobs/org-scan.js';
import { parseEnv } from '../../../shared/runtime/config.js';

const RULES = `rules:
  - name: encrypted
    storageEncryption: { allowed: [sse-elasticache] }
`;
const noTargets = parsePolicy(`version: 1\n${RULES}`, 'policy.yaml');
const withTargets = (roleName?: string) =>
  parsePolicy(
    `version: 1
settings:
  targets: { accounts: ['111111111111'], regions: [eu-west-1]${roleName === undefined ? '' : `, roleName: ${roleName}`} }
${RULES}`,
    'policy.yaml',
  );

describe('Constant: MEMBER_ENV', () => {
  it('reads empty settings as unset', () => {
    // Act
    const config = parseEnv(MEMBER_ENV, { MEMBER_ROLE_NAME: '', MEMBER_EXTERNAL_ID_PARAMETER: '' });

    // Assess
    expect(config).toEqual({ MEMBER_ROLE_NAME: undefined, MEMBER_EXTERNAL_ID_PARAMETER: undefined });
  });

  it('rejects a role name IAM would not take, naming the variable', () => {
    // Act & Assess
    expect(() => parseEnv(MEMBER_ENV, { MEMBER_ROLE_NAME: 'member/*' })).toThrow(/MEMBER_ROLE_NAME: /);
  });

  it.each([
    ['a space', '/guardrails/member external id'],
    ['the reserved prefix aws', '/aws/member-external-id'],
    ['the reserved prefix ssm', 'SSM-member-external-id'],
    ['an empty level', '/guardrails//member-external-id'],
  ])('rejects a parameter name with %s, naming the variable', (_name, parameter) => {
    // Act & Assess
    expect(() => parseEnv(MEMBER_ENV, { MEMBER_EXTERNAL_ID_PARAMETER: parameter })).toThrow(
      /MEMBER_EXTERNAL_ID_PARAMETER: expected an SSM parameter name/,
    );
  });

  it('takes a parameter name with or without its leading slash', () => {
    // Act & Assess
    for (const parameter of ['/guardrails/prod/member-external-id', 'guardrails.member_external-id'])
      expect(parseEnv(MEMBER_ENV, { MEMBER_EXTERNAL_ID_PARAMETER: parameter })).toEqual({
        MEMBER_EXTERNAL_ID_PARAMETER: parameter,
      });
  });
});

describe('Function: memberRoleOf', () => {
  it("takes the deployment's role name over the policy's", () => {
    // Act & Assess
    expect(memberRoleOf({ MEMBER_ROLE_NAME: 'deployed-role' }, withTargets('policy-role'))).toBe(
      'deployed-role',
    );
  });

  it("takes the policy's role name when the deployment names none", () => {
    // Act & Assess
    expect(memberRoleOf({}, withTargets('policy-role'))).toBe('policy-role');
  });

  it('takes the default role when neither names one, with or without a policy', () => {
    // Act & Assess
    expect(memberRoleOf({})).toBe(DEFAULT_MEMBER_ROLE);
    expect(memberRoleOf({}, noTargets)).toBe(DEFAULT_MEMBER_ROLE);
    expect(memberRoleOf({}, withTargets())).toBe(DEFAULT_MEMBER_ROLE);
  });
});

describe('Function: perMemberAccess', () => {
  it('makes one value per member role and keeps it', () => {
    // Prepare
    const made: string[] = [];
    const membersFor = perMemberAccess({}, {}, (access) => {
      made.push(access.roleName);
      return { access };
    });

    // Act
    const first = membersFor(withTargets('role-a'));
    const again = membersFor(withTargets('role-a'));
    const other = membersFor(withTargets('role-b'));

    // Assess
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(made).toEqual(['role-a', 'role-b']);
  });

  it('gives every role one reader of the external id parameter, and none without a parameter', () => {
    // Prepare
    const readers: unknown[] = [];
    const make = (access: { externalId?: unknown }) => readers.push(access.externalId);

    // Act
    const membersFor = perMemberAccess(
      { MEMBER_EXTERNAL_ID_PARAMETER: '/guardrails/member-external-id' },
      {},
      make,
    );
    membersFor(withTargets('role-a'));
    membersFor(withTargets('role-b'));
    perMemberAccess({}, {}, make)(withTargets('role-a'));

    // Assess
    expect(typeof readers[0]).toBe('function');
    expect(readers[1]).toBe(readers[0]);
    expect(readers[2]).toBeUndefined();
  });
});

describe('Function: memberCredentialsFor', () => {
  it('gives the scan no member credentials when the policy names no targets', () => {
    // Prepare
    const membersFor = memberCredentialsFor({ MEMBER_ROLE_NAME: 'deployed-role' }, {});

    // Act & Assess
    expect(membersFor(noTargets)).toBeUndefined();
    expect(membersFor(withTargets())?.access).toEqual({ roleName: 'deployed-role' });
  });
});
