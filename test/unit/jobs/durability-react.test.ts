import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createElastiCacheClient } from '../../../shared/aws/clients.js';
import { createMetricsClient } from '../../../shared/aws/durability-metrics.js';
import { EventPublisher } from '../../../shared/aws/notify.js';
import { OrganizationUnits } from '../../../shared/aws/organization.js';
import { RecheckQueue } from '../../../shared/aws/recheck-queue.js';
import { StateStore } from '../../../shared/aws/state-store.js';
import type { ResourceEvent } from '../../../shared/domain/events.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import {
  MemberClients,
  partialHomeTarget,
  type ReactionDeps,
  reactToEvent,
  TargetReactionError,
} from '../../../shared/jobs/durability/react.js';
import { createLogger } from '../../../shared/runtime/logger.js';

const CENTRAL = '123456789012';
const HOME_REGION = 'us-east-1';
const MEMBER = { account: '111111111111', region: 'eu-west-1' };
const OWN_KEY = { accessKeyId: 'central-key', secretAccessKey: 'central-secret' };
const ACCESS = { roleName: 'guardrails-member', externalId: 'external-id-of-the-org' };
const policyWith = (targets: string) =>
  parsePolicy(
    `version: 1\n${targets}rules:\n  - name: all\n    durability: { minimum: sync }\n`,
    'policy.yaml',
  );
const settings = {
  policy: policyWith(
    "settings:\n  targets: { organization: {}, exclude: ['222222222222'], regions: [us-east-1, eu-west-1, eu-central-1] }\n",
  ),
  dryRun: true,
};

const elasticache = mockClient(ElastiCacheClient);
const sts = mockClient(STSClient);
/** Where each ElastiCache call went: the region and access key its client would sign with. */
let reached: { region: string; accessKeyId: string }[] = [];

function deps(): ReactionDeps {
  const own = { region: HOME_REGION, credentials: async () => OWN_KEY };
  const logger = createLogger('test');
  logger.setLogLevel('SILENT');
  return {
    clients: { elasticache: createElastiCacheClient(own) },
    cloudwatch: createMetricsClient(own),
    store: new StateStore('state', own),
    events: new EventPublisher(undefined, own),
    logger,
    holder: 'test',
    home: partialHomeTarget(`arn:aws:lambda:${HOME_REGION}:${CENTRAL}:function:react`, HOME_REGION),
    members: new MemberClients(ACCESS, { region: HOME_REGION, credentials: async () => OWN_KEY }),
    units: new OrganizationUnits({ region: HOME_REGION, credentials: async () => OWN_KEY }),
  };
}
const rechecks = {
  queue: new RecheckQueue('https://sqs.example/queue', { region: HOME_REGION }),
  maxRechecks: 3,
};
const event = (target?: { account: string; region: string }): ResourceEvent => ({
  trigger: 'cloudtrail',
  name: 'ModifyReplicationGroup',
  resourceType: 'replication-group',
  resourceId: 'orders',
  attempt: 0,
  ...(target === undefined ? {} : { target }),
});

describe('Function: reactToEvent (where it acts)', () => {
  beforeEach(() => {
    reached = [];
    // Signing resolves the client's region and credentials: do what it would, and answer "no such group".
    elasticache.on(DescribeReplicationGroupsCommand).callsFake(async (_input, getClient) => {
      const { config } = getClient();
      const credentials = await config.credentials();
      reached.push({ region: await config.region(), accessKeyId: credentials.accessKeyId });
      return { ReplicationGroups: [] };
    });
    sts.on(AssumeRoleCommand).callsFake(async (input: { RoleArn: string }) => ({
      Credentials: {
        AccessKeyId: `key-of-${input.RoleArn.split(':')[4]}`,
        SecretAccessKey: 'secret',
        SessionToken: 'token',
        Expiration: new Date(Date.now() + 3_600_000),
      },
    }));
  });
  afterEach(() => {
    elasticache.reset();
    sts.reset();
  });

  it.each([
    ['names no target', undefined],
    ['names the function’s own account and region', { account: CENTRAL, region: HOME_REGION }],
  ])('uses the own clients, assuming no role, when the event %s', async (_name, target) => {
    // Act
    const result = await reactToEvent(deps(), settings, rechecks, event(target));

    // Assess
    expect(result.status).toBe('deleted');
    expect(reached).toEqual([{ region: HOME_REGION, accessKeyId: OWN_KEY.accessKeyId }]);
    expect(sts).not.toHaveReceivedCommand(AssumeRoleCommand);
  });

  it('acts in a member account and region with that account’s assumed role', async () => {
    // Act
    await reactToEvent(deps(), settings, rechecks, event(MEMBER));

    // Assess
    expect(reached).toEqual([{ region: MEMBER.region, accessKeyId: `key-of-${MEMBER.account}` }]);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: `arn:aws:iam::${MEMBER.account}:role/${ACCESS.roleName}`,
      ExternalId: ACCESS.externalId,
    });
  });

  it.each([
    ['the policy names no targets', policyWith(''), MEMBER, 'the policy names no targets'],
    [
      'the account is excluded',
      settings.policy,
      { account: '222222222222', region: 'eu-west-1' },
      'excluded',
    ],
    [
      'the region is not listed',
      settings.policy,
      { account: MEMBER.account, region: 'ap-south-1' },
      'region ap-south-1 is not among',
    ],
    [
      'the account is not listed',
      policyWith("settings:\n  targets: { accounts: ['333333333333'], regions: [eu-west-1] }\n"),
      MEMBER,
      'not among the policy',
    ],
  ])(
    'drops a member event when %s, reading nothing and assuming no role',
    async (_name, policy, target, reason) => {
      // Prepare
      const warnings: unknown[] = [];
      const shared = deps();
      shared.logger.warn = (...args: unknown[]) => void warnings.push(args);

      // Act
      const result = await reactToEvent(shared, { policy, dryRun: true }, rechecks, event(target));

      // Assess
      expect(result.status).toBe('not-a-target');
      expect(reached).toEqual([]);
      expect(sts).not.toHaveReceivedCommand(AssumeRoleCommand);
      expect(JSON.stringify(warnings)).toContain(reason);
    },
  );

  it('goes through the member role for the own account in another region', async () => {
    // Act
    await reactToEvent(deps(), settings, rechecks, event({ account: CENTRAL, region: MEMBER.region }));

    // Assess
    expect(reached).toEqual([{ region: MEMBER.region, accessKeyId: `key-of-${CENTRAL}` }]);
  });

  it('assumes one role per account, whatever the regions and events', async () => {
    // Prepare
    const shared = deps();

    // Act
    for (const region of ['eu-west-1', 'eu-central-1', 'eu-west-1'])
      await reactToEvent(shared, settings, rechecks, event({ account: MEMBER.account, region }));

    // Assess
    expect(reached.map((call) => call.region)).toEqual(['eu-west-1', 'eu-central-1', 'eu-west-1']);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });

  it.each([
    [
      'denied',
      'AccessDenied',
      false,
      /the role arn:aws:iam::111111111111:role\/guardrails-member cannot be assumed/,
    ],
    [
      'throttled',
      'Throttling',
      true,
      /STS throttled AssumeRole of arn:aws:iam::111111111111:role\/guardrails-member/,
    ],
  ])(
    'names the cause when the member role is %s, retryable only when throttled',
    async (_name, code, retryable, cause) => {
      // Prepare
      sts.on(AssumeRoleCommand).rejects(Object.assign(new Error(`${code} by STS`), { name: code }));

      // Act
      const failure = await reactToEvent(deps(), settings, rechecks, event(MEMBER)).catch(
        (error: unknown) => error,
      );

      // Assess
      expect(failure).toBeInstanceOf(TargetReactionError);
      expect((failure as TargetReactionError).message).toMatch(/^reacting in 111111111111\/eu-west-1: /);
      expect((failure as TargetReactionError).message).toMatch(cause);
      expect((failure as TargetReactionError).message).not.toContain(ACCESS.externalId);
      expect((failure as TargetReactionError).retryable).toBe(retryable);
      expect(reached).toEqual([]);
    },
  );
});

describe('Function: partialHomeTarget', () => {
  it('takes the account from the function ARN and the region given', () => {
    expect(partialHomeTarget(`arn:aws:lambda:eu-west-1:${CENTRAL}:function:react`, 'eu-west-1')).toEqual({
      account: CENTRAL,
      region: 'eu-west-1',
    });
  });

  it('knows no account without an ARN (outside Lambda)', () => {
    expect(partialHomeTarget(undefined, 'eu-west-1')).toEqual({ account: undefined, region: 'eu-west-1' });
  });
});
