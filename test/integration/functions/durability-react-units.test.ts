/**
 * Reactions to forwarded events under a policy that names OUs, through the real handler against
 * the multi-account sandbox: an event of an account outside those OUs changes nothing and is
 * dropped naming why; one of an account inside them is acted on.
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
  reactSettings,
  setFunctionEnv,
  startOuStack,
  WEST,
} from './deployed-function.js';

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

let stack: Stack;
let handler: Handler;
let logStart = 0;
const invoke = (event: unknown) => invokeAs(handler, 'durability-react', 'units', event);

/** A ModifyReplicationGroup call forwarded from `account`. */
const forwarded = (replicationGroupId: string, account: string) =>
  forwardedCall(
    `forwarded-${account}`,
    { account, region: REGION },
    'ModifyReplicationGroup',
    replicationGroupId,
  );

/** Every request since the test began that changes something or assumes a role, answered or refused. */
const mutatingRequests = () =>
  stack.emulator.faults.log
    .slice(logStart)
    .filter(
      (entry) => ['elasticache', 'sts'].includes(entry.service) && !/^(Describe|List)/.test(entry.action),
    )
    .map((entry) => `${entry.service}:${entry.action} ${entry.account}`);

beforeAll(async () => {
  stack = await startOuStack([{ id: NESTED, name: 'nested', parentId: EAST, accounts: [NESTED_MEMBER] }]);
  setFunctionEnv(stack, POLICY, {
    ...reactSettings(stack),
    AWS_MAX_ATTEMPTS: '2',
    MEMBER_ROLE_NAME: 'elasticache-guardrails-member',
    MEMBER_EXTERNAL_ID_PARAMETER: '',
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
