/**
 * Encryption drift on forwarded events under a policy that names OUs, through the real handler
 * against the multi-account sandbox: an event of an account outside those OUs reads nothing,
 * alerts nothing and is dropped naming the account's OU chain; one of an account inside them is
 * compared in that account.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CENTRAL_ACCOUNT } from '../../../infra/local/emulator/server.js';
import { groupState, REGION, type Stack } from '../harness.js';
import {
  EAST,
  forwardedCall,
  type Handler,
  INSIDE,
  invokeAs,
  OUTSIDE,
  setFunctionEnv,
  startOuStack,
  WEST,
} from './deployed-function.js';

/** Every StorageEncryptionType allowed: the only alerts are drift alerts. */
const POLICY = `version: 1
settings:
  targets: { organization: { ous: [${EAST}] }, regions: [${REGION}] }
rules:
  - name: at-rest
    match: { resourceTypes: [replication-group, serverless-cache] }
    storageEncryption: { allowed: [none, sse-elasticache, sse-kms] }
`;

let stack: Stack;
let handler: Handler;
let logStart = 0;
let messagesStart = 0;
const invoke = (event: unknown) => invokeAs(handler, 'encryption-drift', 'units', event);

/** A ModifyReplicationGroup call on orders forwarded from `account`. */
const forwarded = (account: string) =>
  forwardedCall(`forwarded-${account}`, { account, region: REGION }, 'ModifyReplicationGroup', 'orders');

/** Every request since the test began that reads a member's fleet or assumes a role, answered or refused. */
const memberRequests = () =>
  stack.emulator.faults.log
    .slice(logStart)
    .filter((entry) => ['elasticache', 'tagging', 'sts'].includes(entry.service))
    .map((entry) => `${entry.service}:${entry.action} ${entry.account}`);

beforeAll(async () => {
  stack = await startOuStack();
  setFunctionEnv(stack, POLICY, {
    ALERT_TOPIC_ARN: `arn:aws:sns:${REGION}:${CENTRAL_ACCOUNT}:guardrails-alerts`,
    AWS_MAX_ATTEMPTS: '2',
    MEMBER_ROLE_NAME: 'elasticache-guardrails-member',
    MEMBER_EXTERNAL_ID: '',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  // Unencrypted everywhere: a first comparison in an account records its baseline and alerts.
  for (const { model } of stack.emulator.accounts.pairs())
    model.putGroup(groupState('orders', { encrypted: false, tags: new Map([['env', 'dev']]) }));
  ({ handler } = await import('../../../functions/encryption-drift/handler.js'));
});

beforeEach(() => {
  logStart = stack.emulator.faults.log.length;
  messagesStart = stack.emulator.sinks.messages.length;
});

afterAll(async () => {
  await stack.close();
});

describe('Function: encryption-drift under a policy of OUs', () => {
  it("drops an event of an account outside the policy's OUs, naming its OU chain; reads and alerts nothing", async () => {
    // Act
    const result = await invoke(forwarded(OUTSIDE));

    // Assess
    expect(memberRequests()).toEqual([]);
    expect(stack.emulator.sinks.messages.slice(messagesStart)).toEqual([]);
    expect(result).toEqual({
      status: 'not-a-target',
      reason: `${OUTSIDE}/${REGION}: account ${OUTSIDE} is in none of the policy's OUs (${EAST}); Organizations ListParents places it under ${WEST} < r-sbx1`,
    });
  });

  it('compares the fleet of an account in the OU, read with its member role', async () => {
    // Act
    const result = await invoke(forwarded(INSIDE));

    // Assess
    expect(result).toMatchObject({ summarized: false });
    expect(memberRequests()).toContain(`sts:AssumeRole ${CENTRAL_ACCOUNT}`);
    expect(memberRequests().filter((request) => request.startsWith('elasticache:'))).not.toHaveLength(0);
    expect(
      memberRequests()
        .filter((request) => !request.startsWith('sts:'))
        .every((request) => request.endsWith(INSIDE)),
    ).toBe(true);
  });
});
