/**
 * The sandbox organisation through the real Organizations and Account clients over HTTP:
 * accounts paginated, units (nested) filtering by parent, each account's State (and no
 * Status, retired on 2026-09-09), the central
 * account as the only caller, and each account's regions.
 */
import { AccountClient, ListRegionsCommand, paginateListRegions } from '@aws-sdk/client-account';
import {
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
  paginateListAccounts,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, describe, expect, it } from 'vitest';
import { CENTRAL_ACCOUNT, memberAccounts } from '../../../infra/local/emulator/accounts.js';
import { startEmulator } from '../../../infra/local/emulator/server.js';

const base = { accessKeyId: 'test', secretAccessKey: 'test' };
const members = memberAccounts(6);
const [first = '', second = '', third = '', fourth = '', fifth = '', sixth = ''] = members;
const PROD = 'ou-sbx1-prod0001';
const PAYMENTS = 'ou-sbx1-payments1';
const STAGING = 'ou-sbx1-staging01';

const emulator = await startEmulator({
  targets: { accounts: members, regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'] },
  access: { disabledRegions: [{ account: second, region: 'ap-southeast-2' }] },
  organization: {
    units: [
      { id: PROD, name: 'Production', accounts: [first] },
      { id: PAYMENTS, name: 'Payments', parentId: PROD, accounts: [second, third] },
      { id: STAGING, name: 'Staging', accounts: [fourth] },
    ],
    states: { [fifth]: 'SUSPENDED', [sixth]: 'PENDING_CLOSURE' },
  },
});
afterAll(() => emulator.close());

const organizations = new OrganizationsClient({
  endpoint: emulator.endpoint,
  region: 'us-east-1',
  credentials: base,
  maxAttempts: 1,
});

async function memberCredentials(account: string) {
  const sts = new STSClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: base });
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/reader`, RoleSessionName: 'test' }),
  );
  return {
    accessKeyId: Credentials?.AccessKeyId ?? '',
    secretAccessKey: Credentials?.SecretAccessKey ?? '',
    sessionToken: Credentials?.SessionToken ?? '',
  };
}

async function failure(call: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await call;
  } catch (error) {
    const fault = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: fault.name, message: fault.message, status: fault.$metadata?.httpStatusCode };
  }
  throw new Error('the call succeeded');
}

describe('Organizations', () => {
  it('lists every served account, central first, across pages of MaxResults', async () => {
    // Act
    const pages = [];
    for await (const page of paginateListAccounts({ client: organizations, pageSize: 3 }, {}))
      pages.push(page.Accounts ?? []);

    // Assess
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    const accounts = pages.flat();
    expect(accounts.map((account) => account.Id)).toEqual([CENTRAL_ACCOUNT, ...members]);
    expect(accounts[1]).toMatchObject({
      Id: first,
      Arn: `arn:aws:organizations::${CENTRAL_ACCOUNT}:account/o-sandbox0001/${first}`,
      Email: `member-${first}@example.com`,
      Name: `member-${first}`,
      State: 'ACTIVE',
      JoinedMethod: 'CREATED',
    });
    expect(accounts[1]?.JoinedTimestamp).toBeInstanceOf(Date);
    expect(accounts.filter((account) => account.State !== 'ACTIVE').map((account) => account.State)).toEqual([
      'SUSPENDED',
      'PENDING_CLOSURE',
    ]);
    expect(accounts.filter((account) => 'Status' in account)).toEqual([]);
  });

  it('filters by parent: the root keeps the accounts no unit holds; units nest', async () => {
    // Prepare
    const { Roots = [] } = await organizations.send(new ListRootsCommand({}));
    const rootId = Roots[0]?.Id ?? '';
    const accountsOf = async (ParentId: string) =>
      ((await organizations.send(new ListAccountsForParentCommand({ ParentId }))).Accounts ?? []).map(
        (account) => account.Id,
      );
    const unitsOf = async (ParentId: string) =>
      (
        (await organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId })))
          .OrganizationalUnits ?? []
      ).map((unit) => unit.Id);

    // Act + Assess
    expect(rootId).toMatch(/^r-[0-9a-z]{4,32}$/);
    expect(await accountsOf(rootId)).toEqual([CENTRAL_ACCOUNT, fifth, sixth]);
    expect(await unitsOf(rootId)).toEqual([PROD, STAGING]);
    expect(await unitsOf(PROD)).toEqual([PAYMENTS]);
    expect(await accountsOf(PROD)).toEqual([first]);
    expect(await accountsOf(PAYMENTS)).toEqual([second, third]);
    expect(await unitsOf(PAYMENTS)).toEqual([]);
  });

  it('refuses an unknown parent, a MaxResults over 20 and a member account as AWS does', async () => {
    // Prepare
    const asMember = new OrganizationsClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials: await memberCredentials(first),
      maxAttempts: 1,
    });

    // Act
    const unknownParent = await failure(
      organizations.send(new ListAccountsForParentCommand({ ParentId: 'ou-sbx1-missing01' })),
    );
    const tooMany = await failure(organizations.send(new ListAccountsCommand({ MaxResults: 21 })));
    const member = await failure(asMember.send(new ListAccountsCommand({})));

    // Assess
    expect(unknownParent).toMatchObject({ name: 'ParentNotFoundException', status: 404 });
    expect(tooMany).toMatchObject({ name: 'InvalidInputException', status: 400 });
    expect(member).toEqual({
      name: 'AccessDeniedException',
      message: "You don't have permissions to access this resource.",
      status: 403,
    });
    expect(emulator.faults.log.at(-1)).toMatchObject({
      service: 'organizations',
      action: 'ListAccounts',
      account: first,
      fault: 'AccessDeniedException',
    });
  });

  it('follows units and States set through /_control/organization', async () => {
    // Act
    const answer = await fetch(`${emulator.endpoint}/_control/organization`, {
      method: 'POST',
      body: JSON.stringify({
        units: [{ id: STAGING, name: 'Staging', accounts: [sixth] }],
        states: { [sixth]: 'CLOSED' },
      }),
    });
    const accounts = (await organizations.send(new ListAccountsForParentCommand({ ParentId: STAGING })))
      .Accounts;
    const bad = await fetch(`${emulator.endpoint}/_control/organization`, {
      method: 'POST',
      body: JSON.stringify({ units: [{ id: 'prod', name: 'Prod' }] }),
    });
    const badState = await fetch(`${emulator.endpoint}/_control/organization`, {
      method: 'POST',
      body: JSON.stringify({ states: { [sixth]: 'RETIRED' } }),
    });

    // Assess
    expect(answer.status).toBe(200);
    expect(accounts?.map((account) => [account.Id, account.State])).toEqual([[sixth, 'CLOSED']]);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: 'organization.units[0].id must look like ou-ab12-cd34ef56 (got prod)',
    });
    expect(badState.status).toBe(400);
    expect(await badState.json()).toEqual({
      error: `organization.states.${sixth} must be one of ACTIVE, SUSPENDED, PENDING_ACTIVATION, PENDING_CLOSURE, CLOSED`,
    });
  });
});

describe('Account ListRegions', () => {
  const account = (credentials: typeof base) =>
    new AccountClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });

  it('lists the served regions as enabled and the others as disabled, for the caller’s account', async () => {
    // Act
    const central = await account(base).send(new ListRegionsCommand({}));
    const member = await account(await memberCredentials(second)).send(new ListRegionsCommand({}));

    // Assess
    const statuses = (answer: typeof central) =>
      Object.fromEntries((answer.Regions ?? []).map((region) => [region.RegionName, region.RegionOptStatus]));
    expect(statuses(central)).toEqual({
      'af-south-1': 'DISABLED',
      'ap-east-1': 'DISABLED',
      'ap-southeast-2': 'ENABLED_BY_DEFAULT',
      'eu-south-1': 'DISABLED',
      'eu-west-1': 'ENABLED_BY_DEFAULT',
      'me-south-1': 'DISABLED',
      'us-east-1': 'ENABLED_BY_DEFAULT',
    });
    expect(statuses(member)['ap-southeast-2']).toBe('DISABLED');
    expect(emulator.faults.log.at(-1)).toMatchObject({
      service: 'account',
      action: 'ListRegions',
      account: second,
    });
  });

  it('filters by RegionOptStatusContains and pages with MaxResults', async () => {
    // Act
    const names: string[][] = [];
    const pages = paginateListRegions(
      { client: account(base), pageSize: 2 },
      { RegionOptStatusContains: ['ENABLED', 'ENABLED_BY_DEFAULT'] },
    );
    for await (const page of pages) names.push((page.Regions ?? []).map((region) => region.RegionName ?? ''));
    const bad = await failure(account(base).send(new ListRegionsCommand({ MaxResults: 51 })));

    // Assess
    expect(names).toEqual([['ap-southeast-2', 'eu-west-1'], ['us-east-1']]);
    expect(bad).toMatchObject({ name: 'ValidationException', status: 400 });
  });
});
