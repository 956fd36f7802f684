/**
 * The emulator's accounts and regions, through the real SDK clients over HTTP: each request
 * acts in the account its SigV4 key names and the region it was signed for; STS issues,
 * refuses and expires member credentials; the request log says who called.
 */
import {
  CreateReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  AssumeRoleCommand,
  type Credentials,
  GetCallerIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CENTRAL_ACCOUNT, memberAccounts } from '../../../infra/local/emulator/accounts.js';
import { Clock } from '../../../infra/local/emulator/clock.js';
import { seedFleet } from '../../../infra/local/emulator/fleet.js';
import { REST_ROUTES, startEmulator } from '../../../infra/local/emulator/server.js';
import { expectEvery } from '../../expect-every.js';

const base = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'test' };
const [member, other, outsider = ''] = memberAccounts(3);
const REGIONS = ['us-east-1', 'eu-west-1'];
const roleArn = (account = member) => `arn:aws:iam::${account}:role/elasticache-guardrails-member`;

const clock = new Clock();
clock.freeze(Date.UTC(2026, 5, 10, 12));
const emulator = await startEmulator({
  clock,
  targets: { accounts: [CENTRAL_ACCOUNT, member ?? '', other ?? ''], regions: REGIONS },
});
afterAll(() => emulator.close());
emulator.accounts.pairs().forEach(({ model }, index) => {
  seedFleet(model, clock, { groups: 4, serverless: 1, seed: 100 + index });
});

const sts = new STSClient({
  endpoint: emulator.endpoint,
  region: 'us-east-1',
  credentials: base,
  maxAttempts: 1,
});

function toCredentials(credentials: Credentials | undefined) {
  const { AccessKeyId, SecretAccessKey, SessionToken } = credentials ?? {};
  if (AccessKeyId === undefined || SecretAccessKey === undefined || SessionToken === undefined)
    throw new Error('AssumeRole answered no credentials');
  return { accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey, sessionToken: SessionToken };
}

async function assume(account = member, extra: { ExternalId?: string; DurationSeconds?: number } = {}) {
  const answer = await sts.send(
    new AssumeRoleCommand({ RoleArn: roleArn(account), RoleSessionName: 'guardrails-scan', ...extra }),
  );
  return { answer, credentials: toCredentials(answer.Credentials) };
}

function elastiCache(region: string, credentials: { accessKeyId: string; secretAccessKey: string }) {
  return new ElastiCacheClient({ endpoint: emulator.endpoint, region, credentials, maxAttempts: 1 });
}

async function groupArns(client: ElastiCacheClient): Promise<string[]> {
  const answer = await client.send(new DescribeReplicationGroupsCommand({}));
  return (answer.ReplicationGroups ?? []).map((group) => group.ARN ?? '');
}

/** The fault a call was refused with, as the SDK reports it (fails the test when it succeeds). */
async function refusal(call: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await call;
  } catch (error) {
    const fault = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: fault.name, message: fault.message, status: fault.$metadata?.httpStatusCode };
  }
  throw new Error('the call succeeded');
}

beforeEach(async () => {
  emulator.faults.reset();
  emulator.accounts.configure({ deny: [], throttle: [], disabledRegions: [], externalId: undefined });
});

describe('Routing: the SigV4 key picks the account, the signing region the region', () => {
  it('answers base credentials from the central fleet of the signing region', async () => {
    // Act
    const arns = await groupArns(elastiCache('eu-west-1', base));

    // Assess
    const expected = [...emulator.fleetOf(CENTRAL_ACCOUNT, 'eu-west-1').groups.keys()].map(
      (id) => `arn:aws:elasticache:eu-west-1:${CENTRAL_ACCOUNT}:replicationgroup:${id}`,
    );
    expect(arns.sort()).toEqual(expected.sort());
  });

  it('acts in the member account with its credentials, touching only its fleet, and logs who called', async () => {
    // Prepare
    const { credentials } = await assume(member);
    const client = elastiCache('eu-west-1', credentials);
    const sizes = new Map(emulator.accounts.pairs().map((pair) => [pair.model, pair.model.groups.size]));

    // Act
    const arns = await groupArns(client);
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'member-made',
        ReplicationGroupDescription: 'made with member credentials',
        Engine: 'valkey',
        CacheNodeType: 'cache.r7g.large',
      }),
    );

    // Assess
    const fleet = emulator.fleetOf(member ?? '', 'eu-west-1');
    expect(arns.length).toBe(4);
    expectEvery(arns, (arn) => arn.startsWith(`arn:aws:elasticache:eu-west-1:${member}:replicationgroup:`));
    for (const [model, size] of sizes) expect(model.groups.size).toBe(model === fleet ? size + 1 : size);
    expect(fleet.groups.has('member-made')).toBe(true);
    const calls = emulator.faults.log.filter((entry) => entry.service === 'elasticache');
    expect(
      calls.map(({ action, account, region, accessKeyId }) => ({ action, account, region, accessKeyId })),
    ).toEqual(
      ['DescribeReplicationGroups', 'CreateReplicationGroup'].map((action) => ({
        action,
        account: member,
        region: 'eu-west-1',
        accessKeyId: credentials.accessKeyId,
      })),
    );
    const logged = JSON.stringify(emulator.faults.log);
    expect(logged).not.toContain(credentials.secretAccessKey);
    expect(logged).not.toContain(credentials.sessionToken);
  });

  it('serves the Tagging API from the caller’s pair', async () => {
    // Prepare
    const { credentials } = await assume(other);
    const tagging = new ResourceGroupsTaggingAPIClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });

    // Act
    const answer = await tagging.send(new GetResourcesCommand({}));

    // Assess
    const arns = (answer.ResourceTagMappingList ?? []).map((mapping) => mapping.ResourceARN ?? '');
    expect(arns.length).toBeGreaterThan(0);
    expectEvery(arns, (arn) => arn.includes(`:us-east-1:${other}:`));
    expect(emulator.faults.log.at(-1)).toMatchObject({
      service: 'tagging',
      account: other,
      region: 'us-east-1',
    });
  });

  it('answers a region the account has disabled, or one not served, as AWS answers an opt-in region not enabled', async () => {
    // Prepare
    await fetch(`${emulator.endpoint}/_control/accounts`, {
      method: 'POST',
      body: JSON.stringify({ disabledRegions: [{ account: other, region: 'eu-west-1' }] }),
    });
    const { credentials } = await assume(other);
    const tagging = new ResourceGroupsTaggingAPIClient({
      endpoint: emulator.endpoint,
      region: 'eu-west-1',
      credentials,
      maxAttempts: 1,
    });

    // Act
    const disabled = await refusal(groupArns(elastiCache('eu-west-1', credentials)));
    const disabledJson = await refusal(tagging.send(new GetResourcesCommand({})));
    const unserved = await refusal(groupArns(elastiCache('ap-south-1', credentials)));
    const enabled = await groupArns(elastiCache('us-east-1', credentials));

    // Assess
    expect(disabled).toEqual({
      name: 'InvalidClientTokenId',
      message: 'The security token included in the request is invalid.',
      status: 403,
    });
    expect(disabledJson).toMatchObject({ name: 'UnrecognizedClientException', status: 403 });
    expect(unserved).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
    expect(enabled.length).toBe(4);
    expect(emulator.fleetOf(other ?? '', 'eu-west-1').groups.size).toBe(4);
  });

  it('keeps unsigned requests on the central default pair', async () => {
    // Act
    const answer = await fetch(emulator.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeReplicationGroups&Version=2015-02-02',
    });

    // Assess
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain(`:us-east-1:${CENTRAL_ACCOUNT}:replicationgroup:`);
    expect(emulator.faults.log.at(-1)).toMatchObject({ account: CENTRAL_ACCOUNT, region: 'us-east-1' });
    expect(emulator.faults.log.at(-1)?.accessKeyId).toBeUndefined();
  });

  it('seeds each pair with its own ids and ARNs, KMS keys included', () => {
    // Assess
    const pairs = emulator.accounts.pairs();
    for (const { account, region, model } of pairs) {
      expect(model.arn('replicationgroup', 'x')).toBe(
        `arn:aws:elasticache:${region}:${account}:replicationgroup:x`,
      );
    }
    // A quarter of the seeded groups get a KMS key, so some pairs have none (the central account's
    // us-east-1 with these seeds): the keys are checked together, and they span every account and region.
    const keys = pairs.flatMap(({ account, region, model }) =>
      [...model.groups.values()]
        .flatMap((group) => group.kmsKeyId ?? [])
        .map((key) => ({ account, region, key })),
    );
    expectEvery(
      keys,
      ({ account, region, key }) => key.startsWith(`arn:aws:kms:${region}:${account}:key/`),
      'keys',
    );
    expect(new Set(keys.map(({ account }) => account))).toEqual(new Set(pairs.map(({ account }) => account)));
    expect(new Set(keys.map(({ region }) => region))).toEqual(new Set(REGIONS));
    const fleets = new Set(pairs.map(({ model }) => [...model.groups.keys()].sort().join(',')));
    expect(fleets.size).toBe(pairs.length);
  });

  it('refuses in process a pair it does not serve, naming it', () => {
    expect(() => emulator.fleetOf(outsider, 'us-east-1')).toThrow(
      `the emulator does not serve account ${outsider} in us-east-1`,
    );
  });
});

describe('STS', () => {
  it('issues temporary credentials for the role’s account, expiring on the emulator clock', async () => {
    // Act
    const { answer } = await assume(member, { DurationSeconds: 1800 });
    const identity = await new STSClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials: toCredentials(answer.Credentials),
    }).send(new GetCallerIdentityCommand({}));
    const central = await sts.send(new GetCallerIdentityCommand({}));

    // Assess
    expect(answer.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(answer.Credentials?.Expiration?.getTime()).toBe(clock.now() + 1800 * 1000);
    expect(answer.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::${member}:assumed-role/elasticache-guardrails-member/guardrails-scan`,
    );
    expect(identity).toMatchObject({ Account: member, Arn: answer.AssumedRoleUser?.Arn });
    expect(identity.UserId).toMatch(/^AROA[A-Z2-7]{17}:guardrails-scan$/);
    expect(central.Account).toBe(CENTRAL_ACCOUNT);
    expect(
      emulator.faults.log.filter((entry) => entry.service === 'sts').map((entry) => entry.action),
    ).toEqual(['AssumeRole', 'GetCallerIdentity', 'GetCallerIdentity']);
  });

  it('refuses an expired key on the next call: ExpiredToken (Query), ExpiredTokenException (JSON)', async () => {
    // Prepare
    const { credentials } = await assume(member, { DurationSeconds: 900 });
    const client = elastiCache('us-east-1', credentials);
    await groupArns(client);

    // Act
    await fetch(`${emulator.endpoint}/_control/clock`, { method: 'POST', body: '{"advanceMs": 900000}' });
    const query = await refusal(groupArns(client));
    const json = await refusal(
      new ResourceGroupsTaggingAPIClient({
        endpoint: emulator.endpoint,
        region: 'us-east-1',
        credentials,
      }).send(new GetResourcesCommand({})),
    );

    // Assess
    expect(query).toMatchObject({ name: 'ExpiredToken', status: 403 });
    expect(json).toMatchObject({ name: 'ExpiredTokenException', status: 403 });
    expect(emulator.faults.log.at(-2)).toMatchObject({
      action: 'DescribeReplicationGroups',
      fault: 'ExpiredToken',
    });
  });

  it('refuses a denied account, and an account it does not serve, naming the role', async () => {
    // Prepare
    emulator.accounts.configure({ deny: [other ?? ''] });

    // Act
    const denied = await refusal(assume(other));
    const unknown = await refusal(assume(outsider));

    // Assess
    expect(denied).toEqual({
      name: 'AccessDenied',
      message: `User: arn:aws:iam::${CENTRAL_ACCOUNT}:user/sandbox is not authorized to perform: sts:AssumeRole on resource: ${roleArn(other)}`,
      status: 403,
    });
    expect(unknown).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(unknown.message).toContain(roleArn(outsider));
  });

  it('throttles a throttled account every time', async () => {
    // Prepare
    await fetch(`${emulator.endpoint}/_control/accounts`, {
      method: 'POST',
      body: JSON.stringify({ throttle: [member] }),
    });

    // Act
    const first = await refusal(assume(member));
    const second = await refusal(assume(member));
    const others = await assume(other);

    // Assess
    expect(first).toEqual({ name: 'Throttling', message: 'Rate exceeded', status: 400 });
    expect(second).toEqual(first);
    expect(others.credentials.accessKeyId).toMatch(/^ASIA/);
  });

  it('requires the external id once one is set', async () => {
    // Prepare
    emulator.accounts.configure({ externalId: 'guardrails-7f3a' });

    // Act
    const without = await refusal(assume(member));
    const wrong = await refusal(assume(member, { ExternalId: 'guardrails-0000' }));
    const right = await assume(member, { ExternalId: 'guardrails-7f3a' });

    // Assess
    expect(without).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(wrong).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(right.answer.AssumedRoleUser?.Arn).toContain(`::${member}:assumed-role/`);
  });

  it('validates RoleSessionName and DurationSeconds as AWS does', async () => {
    // Act
    const session = await refusal(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn(), RoleSessionName: 'has space' })),
    );
    const short = await refusal(assume(member, { DurationSeconds: 899 }));
    const long = await refusal(assume(member, { DurationSeconds: 43_201 }));

    // Assess
    expect(session).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(session.message).toContain("at 'roleSessionName' failed to satisfy constraint");
    expect(short.message).toContain('greater than or equal to 900');
    expect(long.message).toContain('less than or equal to 43200');
  });

  it('lets the fault settings throttle AssumeRole like any action', async () => {
    // Prepare
    emulator.faults.failNext({
      action: 'AssumeRole',
      code: 'Throttling',
      message: 'Rate exceeded',
      times: 1,
    });

    // Act
    const throttled = await refusal(assume(member));
    const next = await assume(member);

    // Assess
    expect(throttled).toMatchObject({ name: 'Throttling' });
    expect(next.credentials.accessKeyId).toMatch(/^ASIA/);
    expect(emulator.faults.log.map((entry) => [entry.action, entry.injected])).toEqual([
      ['AssumeRole', true],
      ['AssumeRole', false],
    ]);
  });
});

describe('A default emulator', () => {
  it('serves the central account in its one region, as before', async () => {
    // Prepare
    const single = await startEmulator({ region: 'eu-west-1' });
    seedFleet(single.model, single.clock, { groups: 2, seed: 1 });

    // Act
    const arns = await new ElastiCacheClient({
      endpoint: single.endpoint,
      region: 'eu-west-1',
      credentials: base,
    }).send(new DescribeReplicationGroupsCommand({}));
    const elsewhere = await refusal(
      new ElastiCacheClient({
        endpoint: single.endpoint,
        region: 'us-east-1',
        credentials: base,
        maxAttempts: 1,
      }).send(new DescribeReplicationGroupsCommand({})),
    );
    await single.close();

    // Assess
    expect(single.accounts.pairs().map(({ account, region }) => `${account}/${region}`)).toEqual([
      `${CENTRAL_ACCOUNT}/eu-west-1`,
    ]);
    expect(single.model).toBe(single.fleetOf(CENTRAL_ACCOUNT, 'eu-west-1'));
    expect(arns.ReplicationGroups?.map((group) => group.ARN?.split(':').slice(3, 5))).toEqual([
      ['eu-west-1', CENTRAL_ACCOUNT],
      ['eu-west-1', CENTRAL_ACCOUNT],
    ]);
    expect(elsewhere).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
  });
});

describe('REST routes', () => {
  it('hands a registered route the caller read from the signature, and logs it under the signing service', async () => {
    // Prepare
    const seen: unknown[] = [];
    REST_ROUTES['/test/echo'] = async (_parts, caller, input) => {
      seen.push({ caller, input });
      return { ok: true };
    };
    const authorization =
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260610/eu-west-1/securityhub/aws4_request, SignedHeaders=host, Signature=0';

    // Act
    const answer = await fetch(`${emulator.endpoint}/test/echo`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: '{"Findings": []}',
    });
    delete REST_ROUTES['/test/echo'];

    // Assess
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ ok: true });
    const caller = { account: CENTRAL_ACCOUNT, region: 'eu-west-1', accessKeyId: 'AKIAIOSFODNN7EXAMPLE' };
    expect(seen).toEqual([{ caller, input: { Findings: [] } }]);
    expect(emulator.faults.log.at(-1)).toMatchObject({
      service: 'securityhub',
      action: '/test/echo',
      ...caller,
    });
  });
});
