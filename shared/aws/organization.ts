/**
 * The organisation's tree through Organizations: the accounts of the organisation or of some OUs
 * (with each account's OU path when asked for, and one failure per OU that cannot be listed), and
 * the OUs above one account. Read with the deployment's own credentials (the management account
 * or a delegated administrator).
 */
import {
  type Account,
  ListParentsCommand,
  OrganizationsClient,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  paginateListRoots,
} from '@aws-sdk/client-organizations';
import type { SkippedAccount, TargetFailure } from '../domain/targets.js';
import { type AwsClientOptions, createClient } from './clients.js';
import { AwsCallError, awsCall } from './errors.js';

/** An OU (or root) that could not be listed: its accounts are not scanned, and said so. */
export interface UnitFailure {
  unit: string;
  failure: TargetFailure;
}

/** The accounts of the organisation: those `ACTIVE` (with their OU path when it was read), the others, and the OUs not listed. */
interface OrganizationAccounts {
  active: string[];
  skipped: SkippedAccount[];
  /** Each account's OUs, the root first: read only when asked for (`TargetSpec.ouPaths`). */
  ouPaths: Map<string, string[]>;
  units: UnitFailure[];
}

/**
 * Walk the organisation's tree from `starts` (each with its path): every account below, with
 * the path of the OU that holds it. An OU that cannot be listed (`ParentNotFoundException`: it
 * no longer exists) is one failure, and the other OUs go on. Answers the failures and every OU
 * that was read.
 */
async function walkTree(
  organizations: OrganizationsClient,
  starts: readonly string[][],
  take: (page: { Accounts?: Account[] }, path: string[]) => void,
): Promise<{ units: UnitFailure[]; seen: Set<string> }> {
  const units: UnitFailure[] = [];
  const pending = [...starts];
  const seen = new Set<string>();
  for (let path = pending.shift(); path !== undefined; path = pending.shift()) {
    const parent = path.at(-1);
    if (parent === undefined || seen.has(parent)) continue;
    seen.add(parent);
    try {
      const unit = await listUnit(organizations, parent);
      take({ Accounts: unit.accounts }, path);
      for (const child of unit.children) pending.push([...path, child]);
    } catch (error) {
      if (!(error instanceof AwsCallError)) throw error;
      units.push({ unit: parent, failure: unitFailure(parent, error.fault, error.message) });
    }
  }
  return { units, seen };
}

/** One OU's accounts and child OUs, read whole before any is taken: a failure takes none. */
async function listUnit(organizations: OrganizationsClient, ParentId: string) {
  const accounts: Account[] = [];
  const children: string[] = [];
  await awsCall(`Organizations ListAccountsForParent ${ParentId}`, async () => {
    for await (const page of paginateListAccountsForParent({ client: organizations }, { ParentId }))
      accounts.push(...(page.Accounts ?? []));
  });
  await awsCall(`Organizations ListOrganizationalUnitsForParent ${ParentId}`, async () => {
    for await (const page of paginateListOrganizationalUnitsForParent(
      { client: organizations },
      { ParentId },
    ))
      for (const unit of page.OrganizationalUnits ?? []) if (unit.Id !== undefined) children.push(unit.Id);
  });
  return { accounts, children };
}

/** Why an OU could not be listed, naming it: gone (`ParentNotFoundException`), or the call as answered. */
function unitFailure(unit: string, fault: string, message: string): TargetFailure {
  const gone = fault === 'ParentNotFoundException';
  return {
    code: fault,
    cause: gone
      ? `OU ${unit} of the policy (settings.targets.organization.ous) no longer exists; its accounts are not scanned: ${message}`
      : `OU ${unit} could not be listed; its accounts are not scanned: ${message}`,
  };
}

/** The organisation's roots (one today), each the start of a path. */
async function roots(organizations: OrganizationsClient): Promise<string[][]> {
  const found: string[][] = [];
  await awsCall('Organizations ListRoots', async () => {
    for await (const page of paginateListRoots({ client: organizations }, {}))
      for (const root of page.Roots ?? []) if (root.Id !== undefined) found.push([root.Id]);
  });
  return found;
}

/**
 * The accounts of the organisation, or of `ous` and every OU beneath them: those whose `State`
 * is `ACTIVE`, and the others, skipped. `Status` is not read: Organizations retired it on
 * 2026-09-09 (`State` replaces it). With `ouPaths`, the tree is walked from the root, so each
 * account's whole path is known (an OU named by a rule may sit above the OUs of the targets); an
 * OU of `ous` the walk never met no longer exists, and is one failure as when it is listed.
 */
export async function organizationAccounts(
  organizations: OrganizationsClient,
  ous: readonly string[] | undefined,
  ouPaths: boolean,
): Promise<OrganizationAccounts> {
  const found: OrganizationAccounts = { active: [], skipped: [], ouPaths: new Map(), units: [] };
  const within = new Set(ous ?? []);
  const take = (page: { Accounts?: Account[] }, path?: string[]) => {
    if (ouPaths && ous !== undefined && !path?.some((ou) => within.has(ou))) return;
    for (const { Id: account, State: state } of page.Accounts ?? []) {
      if (account === undefined) continue;
      if (state === 'ACTIVE') found.active.push(account);
      else found.skipped.push({ account, state: state ?? 'NONE' });
      if (ouPaths && path !== undefined) found.ouPaths.set(account, path);
    }
  };
  if (ouPaths) {
    const { units, seen } = await walkTree(organizations, await roots(organizations), take);
    const missing = (ous ?? []).filter((ou) => !seen.has(ou));
    found.units = [
      ...units,
      ...missing.map((unit) => ({
        unit,
        failure: unitFailure(unit, 'ParentNotFoundException', 'not found under the organisation root'),
      })),
    ];
  } else if (ous !== undefined)
    found.units = (
      await walkTree(
        organizations,
        ous.map((ou) => [ou]),
        take,
      )
    ).units;
  else
    await awsCall('Organizations ListAccounts', async () => {
      for await (const page of paginateListAccounts({ client: organizations }, {})) take(page);
    });
  return found;
}

/** OUs nest at most five deep under the root: a longer chain is an answer not to follow. */
const MAX_UNIT_DEPTH = 6;

/**
 * Where an account sits in the organisation, read through Organizations `ListParents` (a child
 * has a single parent): its OU, that OU's parent, …, up to the root, nearest first.
 *
 * @example
 * const chain = await unitsAbove(new OrganizationsClient(options), '111111111111'); // ['ou-ab12-cd34ef56', 'r-ab12']
 */
export async function unitsAbove(organizations: OrganizationsClient, account: string): Promise<string[]> {
  const chain: string[] = [];
  let child = account;
  while (chain.length < MAX_UNIT_DEPTH) {
    const ChildId = child;
    const { Parents: parents } = await awsCall(`Organizations ListParents ${ChildId}`, () =>
      organizations.send(new ListParentsCommand({ ChildId })),
    );
    const parent = parents?.[0];
    if (parent?.Id === undefined) break;
    chain.push(parent.Id);
    if (parent.Type === 'ROOT') break;
    child = parent.Id;
  }
  return chain;
}

/** The OU chain of accounts through one Organizations client in the app's own region. */
export class OrganizationUnits {
  readonly #organizations: OrganizationsClient;

  constructor(options: AwsClientOptions = {}) {
    this.#organizations = createClient(OrganizationsClient, options);
  }

  above(account: string): Promise<string[]> {
    return unitsAbove(this.#organizations, account);
  }
}
