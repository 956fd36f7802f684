import { AccountClient, ListRegionsCommand } from '@aws-sdk/client-account';
import {
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsCallError } from '../../../shared/aws/errors.js';
import {
  assumeRoleCredentials,
  MemberCredentials,
  REFRESH_MARGIN_MS,
  resolveTargets,
  targetFailure,
} from '../../../shared/aws/targets.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { ALL_ENABLED, targetErrorFinding } from '../../../shared/domain/targets.js';

const sts = mockClient(STSClient);
const organizations = mockClient(OrganizationsClient);
const account = mockClient(AccountClient);
const access = { roleName: 'elasticache-guardrails-member', externalId: 'external-id-0123456789' };
const options = { region: 'us-east-1', maxAttempts: 1 };

/** Credentials that expire `inMs` after `now`, numbered so each AssumeRole's can be told apart. */
function issued(now: number, inMs: number, number: number) {
  return {
    Credentials: {
      AccessKeyId: `ASIA${number}`,
      SecretAccessKey: 'secret',
      SessionToken: 'token',
      Expiration: new Date(now + inMs),
    },
  };
}

beforeEach(() => {
  sts.reset();
  organizations.reset();
  account.reset();
});

describe('Function: assumeRoleCredentials', () => {
  it('assumes the role once for every caller while the credentials are fresh, then renews them before they expire', async () => {
    // Prepare: an hour's credentials; the clock is ours.
    let now = Date.parse('2026-11-26T00:00:00Z');
    let number = 0;
    sts.on(AssumeRoleCommand).callsFake(() => issued(now, 3_600_000, ++number));
    const provider = assumeRoleCredentials(new STSClient(options), '111111111111', access, () => now);

    // Act: three clients ask at once, one later inside the hour, one inside the renewal margin.
    const first = await Promise.all([provider(), provider(), provider()]);
    now += 3_600_000 - REFRESH_MARGIN_MS - 1;
    const later = await provider();
    now += 2;
    const renewed = await provider();

    // Assess
    expect(first.map((credentials) => credentials.accessKeyId)).toEqual(['ASIA1', 'ASIA1', 'ASIA1']);
    expect(later.accessKeyId).toBe('ASIA1');
    expect(renewed.accessKeyId).toBe('ASIA2');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toMatchObject({
      RoleArn: 'arn:aws:iam::111111111111:role/elasticache-guardrails-member',
      ExternalId: access.externalId,
      RoleSessionName: 'elasticache-guardrails',
    });
  });

  it('does not keep a failed AssumeRole: the next call tries again', async () => {
    // Prepare
    const now = Date.now();
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }))
      .resolves(issued(now, 3_600_000, 7));
    const provider = assumeRoleCredentials(new STSClient(options), '111111111111', access, () => now);

    // Act
    const failed = await provider().catch((error: unknown) => error);
    const next = await provider();

    // Assess
    expect(failed).toBeInstanceOf(AwsCallError);
    expect((failed as AwsCallError).message).toContain('STS AssumeRole arn:aws:iam::111111111111:role/');
    expect(next.accessKeyId).toBe('ASIA7');
  });

  it('shares one provider between the regions of an account and keeps accounts apart', async () => {
    // Prepare
    let number = 0;
    sts.on(AssumeRoleCommand).callsFake(() => issued(Date.now(), 3_600_000, ++number));
    const members = new MemberCredentials(access, options);

    // Act
    const east = members.clientOptions({ account: '111111111111', region: 'us-east-1' });
    const west = members.clientOptions({ account: '111111111111', region: 'eu-west-1' });
    const other = members.clientOptions({ account: '222222222222', region: 'eu-west-1' });
    const keys = await Promise.all(
      [east, west, other].map(async (target) => (await target.credentials?.())?.accessKeyId),
    );

    // Assess
    expect(west.region).toBe('eu-west-1');
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[0]);
    expect(sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input.RoleArn)).toEqual([
      'arn:aws:iam::111111111111:role/elasticache-guardrails-member',
      'arn:aws:iam::222222222222:role/elasticache-guardrails-member',
    ]);
  });
});

describe('Function: targetFailure', () => {
  const target = { account: '111111111111', region: 'eu-south-2' };
  const failed = (call: string, name: string, message: string) =>
    new AwsCallError(call, Object.assign(new Error(message), { name, $metadata: {} }));

  it.each([
    ['STS AssumeRole x', 'AccessDenied', 'AccessDenied', 'cannot be assumed'],
    ['STS AssumeRole x', 'Throttling', 'Throttling', 'STS throttled AssumeRole'],
    [
      'ElastiCache DescribeReplicationGroups',
      'InvalidClientTokenId',
      'InvalidClientTokenId',
      'region eu-south-2 is not enabled in account 111111111111',
    ],
    // The JSON protocol's spelling of the same refusal gets the same name: one cause, one name.
    [
      'Tagging GetResources',
      'UnrecognizedClientException',
      'InvalidClientTokenId',
      'region eu-south-2 is not enabled',
    ],
    ['ElastiCache DescribeReplicationGroups', 'InternalFailure', 'InternalFailure', 'boom'],
  ])('names the cause of %s answering %s as %s', (call, name, code, expected) => {
    // Act
    const failure = targetFailure(failed(call, name, 'boom'), target, access);
    const finding = targetErrorFinding(target, failure);

    // Assess
    expect(failure.code).toBe(code);
    expect(failure.cause).toContain(expected);
    expect(finding).toMatchObject({ status: 'error', resourceId: '111111111111/eu-south-2', observed: code });
    // Shown as the target it is (account and region), under no rule.
    expect(finding).toMatchObject({
      resourceType: 'target',
      arn: 'arn:aws:elasticache:eu-south-2:111111111111:*',
      rule: '',
    });
    expect(JSON.stringify(finding)).not.toContain(access.externalId);
  });
});

describe('Function: targetFailure through wrapping', () => {
  it('names the AssumeRole an adapter wrapped in the read it could not sign', () => {
    // Prepare: the read's error holds the AssumeRole's as its cause.
    const denied = new AwsCallError(
      'STS AssumeRole arn:aws:iam::111111111111:role/r',
      Object.assign(new Error('not authorized'), { name: 'AccessDenied' }),
    );
    const read = new AwsCallError('DescribeReplicationGroups', denied);

    // Act
    const failure = targetFailure(read, { account: '111111111111', region: 'us-east-1' }, access);

    // Assess
    expect(failure.code).toBe('AccessDenied');
    expect(failure.cause).toContain('cannot be assumed');
  });
});

describe('Function: targetFailure and the external id', () => {
  const target = { account: '111111111111', region: 'us-east-1' };

  it('never repeats the external id STS quotes back', () => {
    // Prepare: STS refuses the value and quotes it, as AWS does.
    const refused = new AwsCallError(
      'STS AssumeRole arn:aws:iam::111111111111:role/r',
      Object.assign(
        new Error(
          `1 validation error detected: Value '${access.externalId}' at 'externalId' failed to satisfy constraint`,
        ),
        { name: 'ValidationError' },
      ),
    );

    // Act
    const failure = targetFailure(refused, target, access);

    // Assess
    expect(failure.cause).not.toContain(access.externalId);
    expect(failure.cause).toContain("Value '[REDACTED]' at 'externalId'");
    expect(JSON.stringify(targetErrorFinding(target, failure))).not.toContain(access.externalId);
  });

  it('does not blame the region when STS itself refuses the central credentials', () => {
    // Act
    const failure = targetFailure(
      new AwsCallError(
        'STS AssumeRole arn:aws:iam::111111111111:role/r',
        Object.assign(new Error('The security token included in the request is invalid.'), {
          name: 'InvalidClientTokenId',
        }),
      ),
      target,
      access,
    );

    // Assess
    expect(failure.cause).not.toContain('is not enabled');
  });
});

describe('Function: resolveTargets', () => {
  const members = () => new MemberCredentials(access, options);

  it('crosses the listed accounts with the listed regions, without the excluded ones, in a stable order', async () => {
    // Act
    const resolved = await resolveTargets(
      {
        accounts: ['222222222222', '111111111111', '333333333333'],
        exclude: ['333333333333'],
        regions: ['eu-west-1', 'us-east-1'],
      },
      { options, credentials: members() },
    );

    // Assess: no AWS call for listed accounts and regions.
    expect(resolved.targets).toEqual([
      { account: '111111111111', region: 'eu-west-1' },
      { account: '111111111111', region: 'us-east-1' },
      { account: '222222222222', region: 'eu-west-1' },
      { account: '222222222222', region: 'us-east-1' },
    ]);
    expect(sts.calls()).toHaveLength(0);
  });

  it('takes the accounts whose State is ACTIVE across pages, and names the others skipped', async () => {
    // Prepare: answers as Organizations gives them since Status was retired (State alone).
    organizations
      .on(ListAccountsCommand, { NextToken: undefined })
      .resolves({
        Accounts: [
          { Id: '111111111111', State: 'ACTIVE' },
          { Id: '555555555555', State: 'PENDING_ACTIVATION' },
        ],
        NextToken: 'page-2',
      })
      .on(ListAccountsCommand, { NextToken: 'page-2' })
      .resolves({
        Accounts: [
          { Id: '222222222222', State: 'SUSPENDED' },
          { Id: '333333333333', State: 'ACTIVE' },
          { Id: '444444444444', State: 'CLOSED' },
          { Id: '666666666666', State: 'PENDING_CLOSURE' },
          { Id: '777777777777', State: 'SUSPENDED' },
        ],
      });

    // Act
    const resolved = await resolveTargets(
      { organization: {}, exclude: ['777777777777'], regions: ['us-east-1'] },
      { options, credentials: members() },
    );

    // Assess: an excluded account is neither scanned nor counted as skipped.
    expect(resolved.targets.map((target) => target.account)).toEqual(['111111111111', '333333333333']);
    expect(resolved.skipped).toEqual([
      { account: '222222222222', state: 'SUSPENDED' },
      { account: '444444444444', state: 'CLOSED' },
      { account: '555555555555', state: 'PENDING_ACTIVATION' },
      { account: '666666666666', state: 'PENDING_CLOSURE' },
    ]);
  });

  it('walks an OU and every OU beneath it', async () => {
    // Prepare: ou-a holds one account and ou-b, which holds another.
    organizations
      .on(ListAccountsForParentCommand, { ParentId: 'ou-abcd-11111111' })
      .resolves({ Accounts: [{ Id: '111111111111', State: 'ACTIVE' }] })
      .on(ListAccountsForParentCommand, { ParentId: 'ou-abcd-22222222' })
      .resolves({ Accounts: [{ Id: '222222222222', State: 'ACTIVE' }] })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-abcd-11111111' })
      .resolves({ OrganizationalUnits: [{ Id: 'ou-abcd-22222222' }] })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-abcd-22222222' })
      .resolves({ OrganizationalUnits: [] });

    // Act
    const resolved = await resolveTargets(
      { organization: { ous: ['ou-abcd-11111111'] }, regions: ['us-east-1'] },
      { options, credentials: members() },
    );

    // Assess
    expect(resolved.targets.map((target) => target.account)).toEqual(['111111111111', '222222222222']);
  });

  it('reads each account’s enabled regions with its own credentials; an account it cannot reach is one failure', async () => {
    // Prepare: 222222222222's role is denied.
    sts
      .on(AssumeRoleCommand, { RoleArn: 'arn:aws:iam::111111111111:role/elasticache-guardrails-member' })
      .resolves(issued(Date.now(), 3_600_000, 1))
      .on(AssumeRoleCommand, { RoleArn: 'arn:aws:iam::222222222222:role/elasticache-guardrails-member' })
      .rejects(
        Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' }),
      );
    account.on(ListRegionsCommand).resolves({
      Regions: [
        { RegionName: 'us-east-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' },
        { RegionName: 'eu-south-2', RegionOptStatus: 'ENABLED' },
      ],
    });

    // Act
    const resolved = await resolveTargets(
      { accounts: ['111111111111', '222222222222'], regions: ALL_ENABLED },
      { options, credentials: members() },
    );

    // Assess
    expect(resolved.targets).toEqual([
      { account: '111111111111', region: 'eu-south-2' },
      { account: '111111111111', region: 'us-east-1' },
    ]);
    expect(account.commandCalls(ListRegionsCommand)[0]?.args[0].input.RegionOptStatusContains).toEqual([
      'ENABLED',
      'ENABLED_BY_DEFAULT',
    ]);
    expect(resolved.failures).toHaveLength(1);
    expect(resolved.failures[0]?.target).toEqual({ account: '222222222222', region: '*' });
    expect(resolved.failures[0]?.failure.cause).toContain('cannot be assumed');
  });

  it('lists the deployment\u2019s own enabled regions with its own credentials, no role assumed', async () => {
    // Prepare: no member role in the central account.
    sts
      .on(AssumeRoleCommand)
      .rejects(
        Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' }),
      );
    account.on(ListRegionsCommand).resolves({
      Regions: [
        { RegionName: 'us-east-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' },
        { RegionName: 'eu-west-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' },
      ],
    });

    // Act
    const resolved = await resolveTargets(
      { accounts: ['123456789012'], regions: ALL_ENABLED },
      { options, credentials: members(), home: '123456789012' },
    );

    // Assess
    expect(resolved.targets).toEqual([
      { account: '123456789012', region: 'eu-west-1' },
      { account: '123456789012', region: 'us-east-1' },
    ]);
    expect(resolved.failures).toEqual([]);
    expect(sts.calls()).toHaveLength(0);
  });
});

describe('Policy: settings.targets', () => {
  const policy = (targets: string) =>
    `version: 1\nsettings:\n  targets:\n${targets}\nrules:\n  - name: r\n    durability: { minimum: async }\n`;

  it('reads accounts, regions and the defaults', () => {
    // Act
    const parsed = parsePolicy(policy("    accounts: ['111111111111']\n    regions: all-enabled"), 'p.yaml');

    // Assess
    expect(parsed.settings.targets).toEqual({
      accounts: ['111111111111'],
      exclude: [],
      regions: 'all-enabled',
      roleName: 'elasticache-guardrails-member',
      concurrency: 10,
    });
  });

  it.each([
    ["    accounts: ['1111']\n    regions: [us-east-1]", 'expected a 12-digit account id'],
    [
      "    accounts: ['111111111111']\n    regions: [useast1]",
      'useast1 is not a region; did you mean us-east-1?',
    ],
    [
      "    accounts: ['111111111111']\n    organization: {}\n    regions: [us-east-1]",
      'give either accounts or organization',
    ],
    ['    organization: { ous: [x] }\n    regions: [us-east-1]', 'expected an OU id'],
  ])('refuses %j naming the problem', (targets, message) => {
    // Act + Assess
    expect(() => parsePolicy(policy(targets), 'p.yaml')).toThrow(message);
  });
});
