import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { DEFAULT_MEMBER_ROLE } from '../../../shared/domain/targets.js';
import { MEMBER_ENV, memberAccessOf, perMemberAccess } from '../../../shared/jobs/member-env.js';
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
    const config = parseEnv(MEMBER_ENV, { MEMBER_ROLE_NAME: '', MEMBER_EXTERNAL_ID: '' });

    // Assess
    expect(config).toEqual({ MEMBER_ROLE_NAME: undefined, MEMBER_EXTERNAL_ID: undefined });
  });

  it('rejects a role name IAM would not take, naming the variable', () => {
    // Act & Assess
    expect(() => parseEnv(MEMBER_ENV, { MEMBER_ROLE_NAME: 'member/*' })).toThrow(/MEMBER_ROLE_NAME: /);
  });

  it('rejects an external id shorter than the member stack requires (16), naming the variable and not the value', () => {
    // Act
    const refused = (() => {
      try {
        parseEnv(MEMBER_ENV, { MEMBER_EXTERNAL_ID: 'short-s3cr3t' });
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    })();

    // Assess
    expect(refused).toMatch(/MEMBER_EXTERNAL_ID: expected 16 to 1224/);
    expect(refused).not.toContain('s3cr3t');
  });

  it('rejects an external id STS would refuse, naming the variable and not the value', () => {
    // Act
    const refused = (() => {
      try {
        parseEnv(MEMBER_ENV, { MEMBER_EXTERNAL_ID: 'has a space s3cr3t' });
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    })();

    // Assess
    expect(refused).toMatch(/MEMBER_EXTERNAL_ID: expected 16 to 1224/);
    expect(refused).not.toContain('s3cr3t');
  });
});

describe('Function: memberAccessOf', () => {
  it("takes the deployment's role name over the policy's", () => {
    // Act
    const access = memberAccessOf({ MEMBER_ROLE_NAME: 'deployed-role' }, withTargets('policy-role'));

    // Assess
    expect(access).toEqual({ roleName: 'deployed-role' });
  });

  it("takes the policy's role name when the deployment names none", () => {
    // Act
    const access = memberAccessOf(
      { MEMBER_EXTERNAL_ID: 'external-0123-0123456789abcdef' },
      withTargets('policy-role'),
    );

    // Assess
    expect(access).toEqual({ roleName: 'policy-role', externalId: 'external-0123-0123456789abcdef' });
  });

  it('takes the default role when neither names one, with or without a policy', () => {
    // Act & Assess
    expect(memberAccessOf({})).toEqual({ roleName: DEFAULT_MEMBER_ROLE });
    expect(memberAccessOf({}, noTargets)).toEqual({ roleName: DEFAULT_MEMBER_ROLE });
    expect(memberAccessOf({}, withTargets())).toEqual({ roleName: DEFAULT_MEMBER_ROLE });
  });
});

describe('Function: perMemberAccess', () => {
  it('makes one value per member access and keeps it', () => {
    // Prepare
    const made: string[] = [];
    const membersFor = perMemberAccess({}, (access) => {
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
