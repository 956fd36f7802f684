/**
 * Encryption drift across accounts, through the real handler against the multi-account
 * sandbox: a CloudTrail call forwarded from a member account compares that account and
 * region's fleet, read with the key STS issued for its member role, with that target's
 * baselines only; alerts go out centrally, once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CENTRAL_ACCOUNT } from '../../../infra/local/emulator/server.js';
import { putExternalId } from '../../../infra/local/external-id.js';
import { encryptionBaselineKind } from '../../../shared/aws/state-keys.js';
import type { EncryptionBaseline } from '../../../shared/domain/drift.js';
import { memberRoleArn, type Target } from '../../../shared/domain/targets.js';
import { groupState, REGION, type Stack, startStack } from '../harness.js';
import { forwardedCall, type Handler, invokeAs, setFunctionEnv } from './deployed-function.js';

/** Every StorageEncryptionType allowed: the only alerts are drift alerts. */
const POLICY = `version: 1
settings:
  targets: { organization: {}, regions: [us-east-1, eu-west-1] }
rules:
  - name: at-rest
    match: { resourceTypes: [replication-group, serverless-cache] }
    storageEncryption: { allowed: [none, sse-elasticache, sse-kms] }
`;
const MEMBER = '100000000001';
const DENIED = '100000000002';
const OTHER_REGION = 'eu-west-1';
const ROLE = 'guardrails-member-test';
const EXTERNAL_ID = 'org-external-id-0123456789';
const SCHEDULE = { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} };

let stack: Stack;
let handler: Handler;
let invocations = 0;
/** Where the log and the sinks stood when the act began: each test counts only its own. */
let logStart = 0;
let messagesStart = 0;
let eventsStart = 0;
const invoke = (event: unknown) => {
  invocations += 1;
  return invokeAs(handler, 'encryption-drift', `drift-accounts-${invocations}`, event);
};
const markStart = () => {
  logStart = stack.emulator.faults.log.length;
  messagesStart = stack.emulator.sinks.messages.length;
  eventsStart = stack.emulator.sinks.events.length;
};

/** A call forwarded from `target`, its id the invocation count. */
const forwarded = (eventName: string, replicationGroupId: string, target: Target) =>
  forwardedCall(`forwarded-${invocations}`, target, eventName, replicationGroupId);

/** The fleet reads since the act began: where each acted and whose key signed it. */
const fleetRequests = () =>
  stack.emulator.faults.log
    .slice(logStart)
    .filter((entry) => entry.service === 'elasticache' || entry.service === 'tagging')
    .map((entry) => ({
      account: entry.account,
      region: entry.region,
      signedFor: stack.emulator.accounts.issued(entry.accessKeyId)?.roleArn ?? 'the base credentials',
    }));
const assumeRoles = (from = logStart) =>
  stack.emulator.faults.log
    .slice(from)
    .filter((entry) => entry.service === 'sts' && entry.action === 'AssumeRole')
    .map((entry) => (entry.params as Record<string, unknown>).RoleArn);
const alertsSent = () => stack.emulator.sinks.messages.slice(messagesStart);
const eventsSent = () => stack.emulator.sinks.events.slice(eventsStart);
const baselinesOf = (target: Target) =>
  stack.store.listRecords<EncryptionBaseline>(encryptionBaselineKind(target));

/** The same group, by the same id, in every account and region served. */
function seedEverywhere(id: string, encrypted: boolean) {
  for (const { model } of stack.emulator.accounts.pairs())
    model.putGroup(groupState(id, { encrypted, tags: new Map([['env', 'dev']]) }));
}
/** Its at-rest encryption turned off everywhere: every target's baseline now differs. */
function decryptEverywhere(id: string) {
  for (const { model } of stack.emulator.accounts.pairs()) {
    const group = model.groups.get(id);
    if (group !== undefined) group.encrypted = false;
  }
}

const central: Target = { account: CENTRAL_ACCOUNT, region: REGION };
const member: Target = { account: MEMBER, region: OTHER_REGION };

beforeAll(async () => {
  stack = await startStack({
    targets: { accounts: [MEMBER, DENIED], regions: [REGION, OTHER_REGION] },
    access: { externalId: EXTERNAL_ID, deny: [DENIED] },
  });
  // Keys STS issues expire on the emulator's clock: let it follow the real one.
  stack.emulator.clock.freeze(Date.now());
  setFunctionEnv(stack, POLICY, {
    ALERT_TOPIC_ARN: `arn:aws:sns:${REGION}:${CENTRAL_ACCOUNT}:guardrails-alerts`,
    AWS_MAX_ATTEMPTS: '2',
    MEMBER_ROLE_NAME: ROLE,
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  // As deployed: the id in the central account's SSM, the function given only the parameter's name.
  process.env.MEMBER_EXTERNAL_ID_PARAMETER = await putExternalId(
    { endpoint: stack.emulator.endpoint, region: REGION },
    EXTERNAL_ID,
  );
  ({ handler } = await import('../../../functions/encryption-drift/handler.js'));
});

beforeEach(() => {
  markStart();
});

afterAll(async () => {
  await stack.close();
});

describe('Function: encryption-drift across accounts', () => {
  it("compares the member's fleet, read with its role, with its own baselines, and alerts once", async () => {
    // Prepare: baselines of the central target and of the member's, then the group drifts everywhere.
    const testStart = stack.emulator.faults.log.length;
    seedEverywhere('orders', true);
    await invoke(SCHEDULE);
    await invoke(forwarded('CreateReplicationGroup', 'orders', member));
    decryptEverywhere('orders');
    const centralBefore = await baselinesOf(central);
    markStart();

    // Act
    const result = await invoke(forwarded('ModifyReplicationGroup', 'orders', member));

    // Assess
    expect(result).toEqual({ alerts: { drift: 1 }, summarized: false });
    const requests = fleetRequests();
    expect(requests.length).toBeGreaterThan(0);
    expect(new Set(requests.map((request) => JSON.stringify(request)))).toEqual(
      new Set([JSON.stringify({ ...member, signedFor: memberRoleArn(MEMBER, ROLE) })]),
    );
    // One AssumeRole for both of the member's events: its credentials are kept for the container.
    expect(assumeRoles(testStart)).toEqual([memberRoleArn(MEMBER, ROLE)]);
    const arn = `arn:aws:elasticache:${OTHER_REGION}:${MEMBER}:replicationgroup:orders`;
    expect(alertsSent()).toEqual([
      expect.objectContaining({ subject: expect.stringContaining('drift: orders sse-elasticache -> none') }),
    ]);
    expect(alertsSent()[0]?.message).toContain(`ARN:       ${arn}`);
    expect(eventsSent().map((event) => event.resources)).toEqual([[arn]]);
    expect(await baselinesOf(central)).toEqual(centralBefore);
    expect(
      (await baselinesOf(member)).map((baseline) => [baseline.arn, baseline.storageEncryptionType]),
    ).toEqual([[arn, 'none']]);
  });

  it('compares its own fleet with its own credentials on an event of its own account and region', async () => {
    // Prepare
    seedEverywhere('own', true);
    await invoke(SCHEDULE);
    decryptEverywhere('own');
    const memberBefore = await baselinesOf(member);
    markStart();

    // Act
    const result = await invoke(forwarded('ModifyReplicationGroup', 'own', central));

    // Assess
    expect(result).toEqual({ alerts: { drift: 1 }, summarized: false });
    expect(new Set(fleetRequests().map((request) => JSON.stringify(request)))).toEqual(
      new Set([JSON.stringify({ ...central, signedFor: 'the base credentials' })]),
    );
    expect(assumeRoles()).toEqual([]);
    expect(eventsSent().map((event) => event.resources)).toEqual([
      [`arn:aws:elasticache:${REGION}:${CENTRAL_ACCOUNT}:replicationgroup:own`],
    ]);
    expect(await baselinesOf(member)).toEqual(memberBefore);
  });

  it('fails an event of an account whose role is denied, naming the cause, with no alert', async () => {
    // Prepare
    seedEverywhere('denied', false);
    const denied: Target = { account: DENIED, region: REGION };

    // Act
    const result = await invoke(forwarded('ModifyReplicationGroup', 'denied', denied));

    // Assess
    expect(result).toMatchObject({ dropped: true });
    expect(String(result.reason)).toContain(
      `reacting in ${DENIED}/${REGION}: the role ${memberRoleArn(DENIED, ROLE)} cannot be assumed`,
    );
    expect(String(result.reason)).not.toContain(EXTERNAL_ID);
    expect(fleetRequests()).toEqual([]);
    expect(alertsSent()).toEqual([]);
    expect(eventsSent()).toEqual([]);
    expect(await baselinesOf(denied)).toEqual([]);
  });
});
