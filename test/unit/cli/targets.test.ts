import { describe, expect, it } from 'vitest';
import { externalIdOf, targetRunOf } from '../../../cli/targets.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import {
  ALL_ENABLED,
  DEFAULT_OPERATOR_ROLE,
  DEFAULT_TARGET_CONCURRENCY,
} from '../../../shared/domain/targets.js';
import { InputValidationError } from '../../../shared/runtime/errors.js';

const RULES = `rules:
  - name: any-durability
    match: { resourceTypes: [replication-group] }
    durability: { minimum: async }
`;
const plain = parsePolicy(`version: 1\n${RULES}`, 'plain.yaml');
/** A policy whose settings.targets is the organisation's OU in two regions, through its own role. */
const withSetting = parsePolicy(
  `version: 1
settings:
  targets:
    organization: { ous: [ou-abcd-12345678] }
    exclude: ['999999999999']
    regions: [eu-west-1, eu-central-1]
    roleName: org-reader
    concurrency: 4
${RULES}`,
  'targets.yaml',
);

const problemOf = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputValidationError);
    return (error as Error).message;
  }
  throw new Error('expected a validation error');
};

describe('Function: targetRunOf', () => {
  it('gives no run, today\u2019s single-account scan, without a target flag or settings.targets', () => {
    expect(targetRunOf({}, plain, { region: 'us-east-1' })).toBeUndefined();
  });

  it('crosses listed accounts with listed regions, through the default role and concurrency', () => {
    const run = targetRunOf({ accounts: ['111111111111', '222222222222'], regions: ['eu-west-1'] }, plain);

    expect(run).toEqual({
      spec: {
        accounts: ['111111111111', '222222222222'],
        organization: undefined,
        exclude: [],
        ouPaths: false,
        regions: ['eu-west-1'],
      },
      own: false,
      access: { roleName: DEFAULT_OPERATOR_ROLE },
      concurrency: DEFAULT_TARGET_CONCURRENCY,
    });
  });

  it('reads --regions alone as the caller\u2019s own account, no role assumed; all as all-enabled', () => {
    expect(targetRunOf({ regions: ['eu-west-1', 'us-east-1'] }, plain)).toMatchObject({
      spec: { regions: ['eu-west-1', 'us-east-1'] },
      own: true,
    });
    expect(targetRunOf({ regions: ['all'] }, plain)?.spec.regions).toBe(ALL_ENABLED);
  });

  it('takes --regions all-enabled, the policy’s word, as all', () => {
    expect(targetRunOf({ regions: ['all-enabled'] }, plain)?.spec.regions).toBe(ALL_ENABLED);
    expect(problemOf(() => targetRunOf({ regions: ['all-enabled', 'eu-west-1'] }, plain))).toBe(
      '--regions: all-enabled stands alone (not in a list)',
    );
  });

  it('scans listed accounts in the CLI\u2019s own region when no region is given, and asks for --regions without one', () => {
    expect(
      targetRunOf({ accounts: ['111111111111'] }, plain, { region: 'ap-south-1' })?.spec.regions,
    ).toEqual(['ap-south-1']);
    expect(problemOf(() => targetRunOf({ accounts: ['111111111111'] }, plain))).toMatch(/^--regions: /);
  });

  it('takes --org with OUs, the external id and the concurrency as given', () => {
    const run = targetRunOf(
      {
        org: true,
        ou: ['ou-abcd-12345678', 'r-ab12'],
        regions: ['all'],
        externalId: 'ext-0123456789-0123456789abcdef',
        concurrency: 3,
      },
      plain,
    );

    expect(run).toMatchObject({
      spec: { organization: { ous: ['ou-abcd-12345678', 'r-ab12'] }, regions: ALL_ENABLED },
      access: { roleName: DEFAULT_OPERATOR_ROLE, externalId: 'ext-0123456789-0123456789abcdef' },
      concurrency: 3,
    });
  });

  it('uses settings.targets when no flag is given', () => {
    expect(targetRunOf({}, withSetting)).toEqual({
      spec: {
        accounts: undefined,
        organization: { ous: ['ou-abcd-12345678'] },
        exclude: ['999999999999'],
        ouPaths: false,
        regions: ['eu-west-1', 'eu-central-1'],
      },
      own: false,
      access: { roleName: DEFAULT_OPERATOR_ROLE },
      concurrency: 4,
    });
  });

  it('lets each flag win over the setting it stands for and keeps the others', () => {
    const run = targetRunOf(
      { accounts: ['111111111111'], regions: ['us-east-1'], concurrency: 2 },
      withSetting,
    );

    expect(run).toMatchObject({
      spec: {
        accounts: ['111111111111'],
        organization: undefined,
        exclude: ['999999999999'],
        regions: ['us-east-1'],
      },
      access: { roleName: DEFAULT_OPERATOR_ROLE },
      concurrency: 2,
    });
  });

  it.each([
    [{ accounts: ['12'], regions: ['eu-west-1'] }, /^--accounts: expected a 12-digit account id, got "12"$/],
    [{ accounts: ['111111111111'], regions: ['eu-west-1', 'Mars'] }, /^--regions: "Mars" is not a region/],
    [{ regions: ['all', 'eu-west-1'] }, /^--regions: all stands alone/],
    [{ org: true as const, ou: ['finance'], regions: ['eu-west-1'] }, /^--ou: expected an OU id/],
    [
      { accounts: ['111111111111'], exclude: ['x'], regions: ['eu-west-1'] },
      /^--exclude: expected a 12-digit/,
    ],
    [
      { accounts: ['111111111111'], roleName: 'a b', regions: ['eu-west-1'] },
      /^--role-name: expected an IAM role name/,
    ],
    [{ ou: ['ou-abcd-12345678'], regions: ['eu-west-1'] }, /^--ou needs --org$/],
    [
      { accounts: ['111111111111'], org: true as const, regions: ['eu-west-1'] },
      /^--accounts and --org exclude each other/,
    ],
    [{ regions: ['eu-west-1'], exclude: ['111111111111'] }, /^--exclude needs member accounts/],
    [{ regions: ['eu-west-1'], roleName: 'reader' }, /^--role-name needs member accounts/],
  ])('refuses %j naming the flag', (flags, message) => {
    expect(problemOf(() => targetRunOf(flags, plain))).toMatch(message);
  });

  it('refuses a malformed external id without repeating it', () => {
    const secret = 'not allowed: spaces and * in it';

    const message = problemOf(() =>
      targetRunOf({ accounts: ['111111111111'], regions: ['eu-west-1'], externalId: secret }, plain),
    );

    expect(message).toMatch(/^--external-id: /);
    expect(message).not.toContain('spaces');
  });

  it('takes the environment\u2019s external id for member accounts only, and names it when malformed', () => {
    const members = { accounts: ['111111111111'], regions: ['eu-west-1'] };

    expect(
      targetRunOf(members, plain, { externalId: 'env-0123456789-0123456789abcdef' })?.access.externalId,
    ).toBe('env-0123456789-0123456789abcdef');
    expect(
      targetRunOf({ regions: ['eu-west-1'] }, plain, { externalId: 'env-0123456789-0123456789abcdef' })
        ?.access,
    ).toEqual({
      roleName: DEFAULT_OPERATOR_ROLE,
    });
    expect(targetRunOf({}, plain, { externalId: 'env-0123456789-0123456789abcdef' })).toBeUndefined();
    expect(problemOf(() => targetRunOf(members, plain, { externalId: 'has spaces' }))).toMatch(
      /^\$GUARDRAILS_EXTERNAL_ID: expected/,
    );
  });

  it('refuses target flags with offline --input, and ignores settings.targets there', () => {
    expect(
      problemOf(() => targetRunOf({ regions: ['eu-west-1'], org: true }, plain, { offline: true })),
    ).toBe("--input reads one account's saved files: it cannot be combined with --regions, --org");
    expect(targetRunOf({}, withSetting, { offline: true })).toBeUndefined();
  });
});

describe('Function: externalIdOf', () => {
  it('finds the external id in either spelling, the last one winning, else in the environment', () => {
    const env = { GUARDRAILS_EXTERNAL_ID: 'from-env-0123456789abcdef' };
    expect(externalIdOf(['scan', '--external-id', 'one'], env)).toBe('one');
    expect(externalIdOf(['scan', '--external-id=one', '--external-id=two'], env)).toBe('two');
    expect(externalIdOf(['scan', '--regions', 'eu-west-1'], env)).toBe('from-env-0123456789abcdef');
    expect(externalIdOf(['scan', '--regions', 'eu-west-1'], {})).toBeUndefined();
  });
});
