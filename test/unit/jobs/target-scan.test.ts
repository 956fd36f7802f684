import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertPublisher, EventPublisher } from '../../../shared/aws/notify.js';
import { StateStore } from '../../../shared/aws/state-store.js';
import { MemberCredentials } from '../../../shared/aws/targets.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import {
  scanAccount,
  scanTarget,
  type TargetScanDeps,
  targetScanEventSchema,
} from '../../../shared/jobs/target-scan.js';
import { createLogger } from '../../../shared/runtime/logger.js';
import { parseInput } from '../../../shared/runtime/zod-issues.js';
import { DEFAULT_ENABLED_REGIONS } from '../../regions.js';

const sts = mockClient(STSClient);
const elasticache = mockClient(ElastiCacheClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const logger = createLogger('test');
logger.setLogLevel('SILENT');
const TARGET = { account: '111111111111', region: 'eu-west-1' };
const ROLE = 'arn:aws:iam::111111111111:role/guardrails-member';
const POLICY = parsePolicy(
  `version: 1
settings: { targets: { accounts: ['111111111111'], regions: [eu-west-1], roleName: guardrails-member } }
rules:
  - name: at-rest
    match: { resourceTypes: [replication-group] }
    storageEncryption: { allowed: [sse-elasticache] }
`,
  'policy.yaml',
);
const aws = { region: 'us-east-1', maxAttempts: 1 };

function deps(): TargetScanDeps {
  return {
    home: { account: '123456789012', region: 'us-east-1' },
    members: new MemberCredentials(
      { roleName: 'guardrails-member', externalId: 'very-secret-id-0123456789abcdef' },
      aws,
    ),
    aws,
    store: new StateStore('guardrails-test', aws),
    events: new EventPublisher(undefined, aws),
    alerts: new AlertPublisher('arn:aws:sns:us-east-1:123456789012:alerts', aws),
    logger,
    holder: 'test',
  };
}

const failure = (name: string, message: string) => Object.assign(new Error(message), { name });

afterEach(() => {
  sts.reset();
  elasticache.reset();
  dynamo.reset();
  tagging.reset();
});

describe('Function: scanTarget', () => {
  it('returns one error finding naming the role when AssumeRole is denied, and reads nothing', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(failure('AccessDenied', 'not authorized to perform sts:AssumeRole'));

    // Act
    const { result } = await scanTarget(deps(), { policy: POLICY, dryRun: true }, TARGET);

    // Assess
    expect(result).toMatchObject({ target: TARGET, status: 'failed', findings: { error: 1 }, alerts: 0 });
    expect(result.error?.observed).toBe('AccessDenied');
    expect(result.error?.reason).toContain(`the role ${ROLE} cannot be assumed`);
    expect(result.error?.reason).not.toContain('very-secret-id-0123456789abcdef');
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: ROLE,
      ExternalId: 'very-secret-id-0123456789abcdef',
    });
    expect(elasticache).not.toHaveReceivedCommand(DescribeReplicationGroupsCommand);
  });

  it('reads the deployment\u2019s own account in another of its regions with its own credentials, no role assumed', async () => {
    // Prepare: no member role in the central account.
    sts.on(AssumeRoleCommand).rejects(failure('AccessDenied', 'not authorized to perform sts:AssumeRole'));
    elasticache.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [] });
    const own = { account: '123456789012', region: 'eu-west-1' };

    // Act
    const { result } = await scanTarget(deps(), { policy: POLICY, dryRun: true }, own);

    // Assess: the fleet was read (later steps need more than this mock answers), no role assumed.
    expect(result.error?.observed).not.toBe('AccessDenied');
    expect(sts).not.toHaveReceivedCommand(AssumeRoleCommand);
    expect(elasticache).toHaveReceivedCommand(DescribeReplicationGroupsCommand);
  });

  it('names STS throttling as the cause when AssumeRole is throttled', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(failure('ThrottlingException', 'Rate exceeded'));

    // Act
    const { result } = await scanTarget(deps(), { policy: POLICY, dryRun: true }, TARGET);

    // Assess
    expect(result.status).toBe('failed');
    expect(result.error?.reason).toContain(`STS throttled AssumeRole of ${ROLE}`);
  });

  it('names the region as not enabled when the first read is refused with the assumed key', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIAMEMBER',
        SecretAccessKey: 'secret',
        SessionToken: 'token',
        Expiration: new Date(Date.now() + 3_600_000),
      },
    });
    elasticache.onAnyCommand().rejects(failure('InvalidClientTokenId', 'The security token is invalid'));

    // Act
    const { result } = await scanTarget(deps(), { policy: POLICY, dryRun: true }, TARGET);

    // Assess
    expect(result.error).toMatchObject({
      resourceId: '111111111111/eu-west-1',
      observed: 'InvalidClientTokenId',
    });
    expect(result.error?.reason).toContain('region eu-west-1 is not enabled in account 111111111111');
  });
});

describe('Function: scanAccount', () => {
  it('assumes the member role once for 17 regions, and scans each region with it', async () => {
    // Prepare: an empty fleet in every region.
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIAMEMBER',
        SecretAccessKey: 'secret',
        SessionToken: 'token',
        Expiration: new Date(Date.now() + 3_600_000),
      },
    });
    elasticache.onAnyCommand().resolves({});
    dynamo.onAnyCommand().resolves({ Items: [] });
    tagging.onAnyCommand().resolves({});

    // Act
    const outcomes = await scanAccount(
      deps(),
      { policy: POLICY, dryRun: true },
      {
        account: TARGET.account,
        regions: [...DEFAULT_ENABLED_REGIONS],
      },
    );

    // Assess
    expect(outcomes.map(({ result }) => result.target)).toEqual(
      DEFAULT_ENABLED_REGIONS.map((region) => ({ account: TARGET.account, region })),
    );
    expect(outcomes.map(({ result }) => result.error?.reason ?? result.status)).toEqual(
      DEFAULT_ENABLED_REGIONS.map(() => 'complete'),
    );
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(elasticache).toHaveReceivedCommandTimes(
      DescribeReplicationGroupsCommand,
      DEFAULT_ENABLED_REGIONS.length,
    );
  });

  it('gives every region of an account whose role is denied its own failed result, after one AssumeRole', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(failure('AccessDenied', 'not authorized to perform sts:AssumeRole'));

    // Act
    const outcomes = await scanAccount(
      deps(),
      { policy: POLICY, dryRun: true },
      {
        account: TARGET.account,
        regions: [...DEFAULT_ENABLED_REGIONS],
      },
    );

    // Assess
    expect(outcomes).toHaveLength(DEFAULT_ENABLED_REGIONS.length);
    outcomes.forEach(({ result, findings }, index) => {
      const target = { account: TARGET.account, region: DEFAULT_ENABLED_REGIONS[index] };
      expect(result).toMatchObject({ target, status: 'failed', findings: { error: 1 } });
      expect(result.error).toMatchObject({
        resourceId: `${TARGET.account}/${DEFAULT_ENABLED_REGIONS[index]}`,
        observed: 'AccessDenied',
      });
      expect(result.error?.reason).toContain(`the role ${ROLE} cannot be assumed`);
      expect(result.error?.reason).not.toContain('very-secret-id-0123456789abcdef');
      expect(findings).toEqual([result.error]);
    });
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(elasticache).not.toHaveReceivedCommand(DescribeReplicationGroupsCommand);
  });
});

describe('Constant: targetScanEventSchema', () => {
  const ITEM = { account: '111111111111', regions: ['eu-west-1', 'us-east-1'] };
  const problem = (event: unknown) => {
    try {
      parseInput(targetScanEventSchema, event, 'event');
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };

  it('takes an item with or without legacyLayout, a direct invocation, and none', () => {
    // Act / Assess
    expect(parseInput(targetScanEventSchema, { ...ITEM, legacyLayout: false }, 'event')).toEqual({
      ...ITEM,
      legacyLayout: false,
    });
    expect(parseInput(targetScanEventSchema, ITEM, 'event')).toEqual(ITEM);
    expect(parseInput(targetScanEventSchema, { target: TARGET }, 'event')).toEqual({ target: TARGET });
    expect(parseInput(targetScanEventSchema, {}, 'event')).toEqual({});
  });

  it.each([
    [
      'legacyLayout not a boolean',
      { ...ITEM, legacyLayout: 'no' },
      /^invalid event: legacyLayout: .*boolean/,
    ],
    ['a field no item has', { ...ITEM, legacyLayuot: false }, /^invalid event: .*legacyLayuot/],
    ['regions missing', { account: ITEM.account, legacyLayout: false }, /^invalid event: regions: /],
  ])('refuses an item with %s, naming the field', (_, event, message) => {
    // Act / Assess
    expect(problem(event)).toMatch(message);
  });
});
