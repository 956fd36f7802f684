/**
 * Reactions to forwarded events under a policy that names OUs, through the real handler against
 * the multi-account sandbox: an event of an account outside those OUs changes nothing and is
 * dropped naming why; one of an account inside them is acted on.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CENTRAL_ACCOUNT } from '../../../infra/local/emulator/server.js';
import { groupState, REGION, type Stack, startStack } from '../harness.js';

const INSIDE = '100000000001';
const OUTSIDE = '100000000002';
const EAST = 'ou-sbx1-east0001';
const WEST = 'ou-sbx1-west0001';
/** A unit under EAST: its accounts are EAST's too. */
const NESTED = 'ou-sbx1-nest0001';
const NESTED_MEMBER = '100000000003';
const POLICY = `version: 1
settings:
  targets: { organization: { ous: [${EAST}] }, regions: [${REGION}] }
rules:
  - name: prod-durability
    mode: enforce
    match: { tags: { env: prod } }
    durability: { minimum: sync }
`;
const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${CENTRAL_ACCOUNT}:function:elasticache-guardrails-test-durability-react`;

let stack: Stack;
let handler: (event: unknown, context: Context) => Promise<unknown>;
let logStart = 0;
const invoke = (event: unknown) =>
  handler(event, { awsRequestId: 'units', invokedFunctionArn: FUNCTION_ARN } as Context) as Promise<
    Record<string, unknown>
  >;

/** A CloudTrail call as a member's forwarding rule puts it on the central bus: its own account and region. */
const forwarded = (replicationGroupId: string, account: string) => ({
  version: '0',
  id: `forwarded-${account}`,
  source: 'aws.elasticache',
  'detail-type': 'AWS API Call via CloudTrail',
  account,
  region: REGION,
  detail: {
    eventSource: 'elasticache.amazonaws.com',
    eventName: 'ModifyReplicationGroup',
    requestParameters: { replicationGroupId },
  },
});

/** Every request since the test began that changes something or assumes a role, answered or refused. */
const mutatingRequests = () =>
  stack.emulator.faults.log
    .slice(logStart)
    .filter(
      (entry) => ['elasticache', 'sts'].includes(entry.service) && !/^(Describe|List)/.test(entry.action),
    )
    .map((entry) => `${entry.service}:${entry.action} ${entry.account}`);

beforeAll(async () => {
  stack = await startStack({
    targets: { accounts: [INSIDE, OUTSIDE, NESTED_MEMBER], regions: [REGION] },
    organization: {
      units: [
        { id: EAST, name: 'east', accounts: [INSIDE] },
        { id: WEST, name: 'west', accounts: [OUTSIDE] },
        { id: NESTED, name: 'nested', parentId: EAST, accounts: [NESTED_MEMBER] },
      ],
    },
  });
  stack.emulator.clock.freeze(Date.now());
  const dir = mkdtempSync(join(tmpdir(), 'guardrails-units-'));
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  Object.assign(process.env, stack.env, {
    POLICY_FILE: join(dir, 'policy.yaml'),
    DRY_RUN: 'false',
    RECHECK_QUEUE_URL: `${stack.emulator.endpoint}/${CENTRAL_ACCOUNT}/durability-recheck`,
    MAX_RECHECKS: '3',
    AWS_MAX_ATTEMPTS: '2',
    MEMBER_ROLE_NAME: 'elasticache-guardrails-member',
    MEMBER_EXTERNAL_ID_PARAMETER: '',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  for (const { model } of stack.emulator.accounts.pairs()) model.putGroup(groupState('orders'));
  ({ handler } = await import('../../../functions/durability-react/handler.js'));
});

beforeEach(() => {
  logStart = stack.emulator.faults.log.length;
});

afterAll(async () => {
  await stack.close();
});

const durabilityIn = (account: string) =>
  stack.emulator.fleetOf(account, REGION).groups.get('orders')?.durability;

describe('Function: durability-react under a policy of OUs', () => {
  it("drops an event of an account outside the policy's OUs, naming why, and changes nothing", async () => {
    // Act
    const result = await invoke(forwarded('orders', OUTSIDE));

    // Assess
    expect(result).toMatchObject({ status: 'not-a-target' });
    expect(result.reason).toBe(
      `${OUTSIDE}/${REGION}: account ${OUTSIDE} is in none of the policy's OUs (${EAST}); Organizations ListParents places it under ${WEST} < r-sbx1`,
    );
    expect(mutatingRequests()).toEqual([]);
    expect(durabilityIn(OUTSIDE)).toBe('default');
  });

  it.each([
    ['in the OU', INSIDE],
    ['in an OU under it', NESTED_MEMBER],
  ])('acts on an event of an account %s', async (_where, account) => {
    // Act
    const result = await invoke(forwarded('orders', account));

    // Assess
    expect(result).toMatchObject({ status: 'available' });
    expect(mutatingRequests()).toEqual([
      `sts:AssumeRole ${CENTRAL_ACCOUNT}`,
      `elasticache:ModifyReplicationGroup ${account}`,
    ]);
    expect(durabilityIn(account)).toBe('sync');
  });
});
