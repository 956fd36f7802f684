/**
 * Reactions across accounts, through the real handler against the multi-account sandbox: an
 * event forwarded from a member account is acted on in that account and region only, signed
 * with the key STS issued for that account's member role.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CENTRAL_ACCOUNT } from '../../../infra/local/emulator/server.js';
import { putExternalId } from '../../../infra/local/external-id.js';
import { memberRoleArn } from '../../../shared/domain/targets.js';
import { groupState, REGION, type Stack, startStack } from '../harness.js';
import { forwardedCall, type Handler, invokeAs, reactSettings, setFunctionEnv } from './deployed-function.js';

const POLICY = `version: 1
settings:
  targets: { organization: {}, regions: [us-east-1, eu-west-1] }
rules:
  - name: prod-durability
    mode: enforce
    match: { tags: { env: prod } }
    durability: { minimum: sync }
`;
const MEMBER = '100000000001';
const DENIED = '100000000002';
/** A member that has not enabled OTHER_REGION. */
const REGIONAL = '100000000003';
const OTHER_REGION = 'eu-west-1';
const ROLE = 'guardrails-member-test';
const EXTERNAL_ID = 'org-external-id-0123456789';

let stack: Stack;
let handler: Handler;
let invocations = 0;
/** Where the log stood when the test began: each test counts only its own requests. */
let logStart = 0;
const invoke = (event: unknown) => {
  invocations += 1;
  return invokeAs(handler, 'durability-react', `accounts-${invocations}`, event);
};

/** A call forwarded from `account` in `region`, its id the invocation count. */
const forwarded = (eventName: string, replicationGroupId: string, account: string, region: string) =>
  forwardedCall(`forwarded-${invocations}`, { account, region }, eventName, replicationGroupId);

/** Every ElastiCache request that changes something, answered or refused, since the test began. */
function mutatingRequests() {
  return stack.emulator.faults.log
    .slice(logStart)
    .filter((entry) => entry.service === 'elasticache' && !/^(Describe|List)/.test(entry.action))
    .map((entry) => ({
      action: entry.action,
      account: entry.account,
      region: entry.region,
      group: (entry.params as Record<string, unknown>).ReplicationGroupId,
      signedFor: stack.emulator.accounts.issued(entry.accessKeyId)?.roleArn ?? 'the base credentials',
      fault: entry.fault,
    }));
}
const assumeRoles = () =>
  stack.emulator.faults.log
    .slice(logStart)
    .filter((entry) => entry.service === 'sts' && entry.action === 'AssumeRole')
    .map((entry) => ({ roleArn: (entry.params as Record<string, unknown>).RoleArn, fault: entry.fault }));

/** The same violating group, by the same id, in every account and region served. */
function seedEverywhere(id: string, overrides: Parameters<typeof groupState>[1] = {}) {
  for (const { model } of stack.emulator.accounts.pairs()) model.putGroup(groupState(id, overrides));
}
const durabilityIn = (account: string, region: string, id: string) =>
  stack.emulator.fleetOf(account, region).groups.get(id)?.durability;

beforeAll(async () => {
  stack = await startStack({
    targets: { accounts: [MEMBER, DENIED, REGIONAL], regions: [REGION, OTHER_REGION] },
    access: {
      externalId: EXTERNAL_ID,
      deny: [DENIED],
      disabledRegions: [{ account: REGIONAL, region: OTHER_REGION }],
    },
  });
  // Keys STS issues expire on the emulator's clock: let it follow the real one.
  stack.emulator.clock.freeze(Date.now());
  setFunctionEnv(stack, POLICY, {
    ...reactSettings(stack),
    AWS_MAX_ATTEMPTS: '2',
    MEMBER_ROLE_NAME: ROLE,
  });
  // As deployed: the id in the central account's SSM, the function given only the parameter's name.
  process.env.MEMBER_EXTERNAL_ID_PARAMETER = await putExternalId(
    { endpoint: stack.emulator.endpoint, region: REGION },
    EXTERNAL_ID,
  );
  ({ handler } = await import('../../../functions/durability-react/handler.js'));
});

beforeEach(() => {
  logStart = stack.emulator.faults.log.length;
  stack.emulator.sinks.takeDueMessages(Number.MAX_SAFE_INTEGER);
});

afterAll(async () => {
  await stack.close();
});

describe('Function: durability-react across accounts', () => {
  it('makes exactly one ModifyReplicationGroup, in the member account and region the event names, with its role', async () => {
    // Prepare
    seedEverywhere('orders');

    // Act
    const result = await invoke(forwarded('ModifyReplicationGroup', 'orders', MEMBER, OTHER_REGION));

    // Assess
    expect(result).toMatchObject({ status: 'available' });
    expect(mutatingRequests()).toEqual([
      {
        action: 'ModifyReplicationGroup',
        account: MEMBER,
        region: OTHER_REGION,
        group: 'orders',
        signedFor: memberRoleArn(MEMBER, ROLE),
        fault: undefined,
      },
    ]);
    expect(assumeRoles()).toEqual([{ roleArn: memberRoleArn(MEMBER, ROLE), fault: undefined }]);
    for (const { account, region } of stack.emulator.accounts.pairs())
      expect(durabilityIn(account, region, 'orders'), `${account}/${region}`).toBe(
        account === MEMBER && region === OTHER_REGION ? 'sync' : 'default',
      );
  });

  it('acts with its own credentials on an event of its own account and region', async () => {
    // Prepare
    seedEverywhere('own');

    // Act
    await invoke(forwarded('ModifyReplicationGroup', 'own', CENTRAL_ACCOUNT, REGION));

    // Assess
    expect(mutatingRequests()).toEqual([
      expect.objectContaining({
        account: CENTRAL_ACCOUNT,
        region: REGION,
        signedFor: 'the base credentials',
      }),
    ]);
    expect(assumeRoles()).toEqual([]);
  });

  it('re-checks a changing member group in the same account and region', async () => {
    // Prepare
    seedEverywhere('busy', { status: 'creating' });

    // Act
    await invoke(forwarded('CreateReplicationGroup', 'busy', MEMBER, REGION));
    const [message] = stack.emulator.sinks.takeDueMessages(Number.MAX_SAFE_INTEGER);
    const group = stack.emulator.fleetOf(MEMBER, REGION).groups.get('busy');
    if (group !== undefined) group.status = 'available';
    const batch = await invoke({ Records: [{ messageId: 'm1', body: message?.body }] });

    // Assess
    expect(JSON.parse(message?.body ?? '{}')).toEqual({
      replicationGroupId: 'busy',
      attempt: 1,
      account: MEMBER,
      region: REGION,
    });
    expect(batch).toEqual({ batchItemFailures: [] });
    expect(mutatingRequests()).toEqual([
      expect.objectContaining({
        account: MEMBER,
        region: REGION,
        group: 'busy',
        signedFor: memberRoleArn(MEMBER, ROLE),
      }),
    ]);
  });

  it('drops an event of an account whose role is denied, naming the cause, and changes nothing', async () => {
    // Prepare
    seedEverywhere('denied');

    // Act
    const result = await invoke(forwarded('ModifyReplicationGroup', 'denied', DENIED, OTHER_REGION));

    // Assess
    expect(result).toMatchObject({ dropped: true });
    expect(String(result.reason)).toContain(
      `reacting in ${DENIED}/${OTHER_REGION}: the role ${memberRoleArn(DENIED, ROLE)} cannot be assumed`,
    );
    expect(String(result.reason)).not.toContain(EXTERNAL_ID);
    expect(mutatingRequests()).toEqual([]);
  });

  it('drops an event of a region the member has not enabled, naming the cause', async () => {
    // Prepare
    seedEverywhere('regional');

    // Act
    const result = await invoke(forwarded('ModifyReplicationGroup', 'regional', REGIONAL, OTHER_REGION));

    // Assess
    expect(result).toMatchObject({ dropped: true });
    expect(String(result.reason)).toContain(
      `reacting in ${REGIONAL}/${OTHER_REGION}: region ${OTHER_REGION} is not enabled in account ${REGIONAL}`,
    );
    expect(mutatingRequests()).toEqual([]);
  });

  it('reports only the record of the unreachable account in a batch of re-checks', async () => {
    // Prepare
    seedEverywhere('batch');
    const recheck = (account: string, region: string) =>
      JSON.stringify({ replicationGroupId: 'batch', attempt: 1, account, region });

    // Act
    const result = await invoke({
      Records: [
        { messageId: 'denied-one', body: recheck(DENIED, REGION) },
        { messageId: 'member-one', body: recheck(MEMBER, OTHER_REGION) },
      ],
    });

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'denied-one' }] });
    expect(mutatingRequests()).toEqual([
      expect.objectContaining({ account: MEMBER, region: OTHER_REGION, group: 'batch' }),
    ]);
  });
});
