/**
 * The organisation of the served accounts, as AWS Organizations (JSON 1.1) answers it to
 * the central (management) account: `ListRoots`, `ListAccounts`, `ListAccountsForParent`,
 * `ListOrganizationalUnitsForParent`, `ListParents`, with organizational units (nested) and each account's
 * `State` set through `EmulatorOptions.organization` or `/_control/organization` (never the
 * `Status` Organizations retired on 2026-09-09).
 */

import type { Caller } from './accounts.js';
import { CENTRAL_ACCOUNT } from './accounts.js';
import { QueryFault } from './protocol.js';

export const ORGANIZATIONS_PREFIX = 'AWSOrganizationsV20161128.';
export const ROOT_ID = 'r-sbx1';
/** Every served account is a member of this organisation (`aws:PrincipalOrgID`). */
export const ORGANIZATION_ID = 'o-sandbox0001';
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
/** When every sandbox account joined (fixed, so answers are stable). */
const JOINED = Date.UTC(2024, 0, 15) / 1000;

export interface OrganizationalUnitSettings {
  /** `ou-<4-32 of [0-9a-z]>-<8-32 of [a-z0-9]>`, as AWS forms them. */
  id: string;
  name: string;
  /** The root (default) or an OU listed in the same settings. */
  parentId?: string;
  /** Served accounts moved from the root into this OU. */
  accounts?: string[];
}

/** The lifecycle states of an account (Organizations `Account.State`). */
export const ACCOUNT_STATES = [
  'ACTIVE',
  'SUSPENDED',
  'PENDING_ACTIVATION',
  'PENDING_CLOSURE',
  'CLOSED',
] as const;
export type AccountState = (typeof ACCOUNT_STATES)[number];

export interface OrganizationSettings {
  units?: OrganizationalUnitSettings[];
  /** The State of the accounts named (the others are ACTIVE). */
  states?: Record<string, AccountState>;
}

/** Bad input, in the service's own code (Organizations: InvalidInputException; Account: ValidationException). */
export type InputFaultCode = 'InvalidInputException' | 'ValidationException';

/** One page of `items`: MaxResults 1..max (default max), NextToken the next offset. */
export function page<T>(items: T[], input: Record<string, unknown>, max: number, code: InputFaultCode) {
  const fault = (message: string) => new QueryFault(code, message, 400);
  const size = input.MaxResults ?? max;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > max)
    throw fault(`MaxResults must be a whole number from 1 to ${max} (got ${String(size)})`);
  let start = 0;
  if (input.NextToken !== undefined) {
    const decoded = /^page:(\d+)$/.exec(Buffer.from(String(input.NextToken), 'base64url').toString());
    start = Number(decoded?.[1] ?? Number.NaN);
    if (!Number.isInteger(start) || start > items.length)
      throw fault('NextToken is not one this API handed out');
  }
  const end = start + size;
  const NextToken = end < items.length ? Buffer.from(`page:${end}`).toString('base64url') : undefined;
  return { items: items.slice(start, end), NextToken };
}

export class Organization {
  readonly #accounts: readonly string[];
  #units: Required<OrganizationalUnitSettings>[] = [];
  #states: Record<string, AccountState> = {};

  /** `accounts`: the served accounts, all members of the organisation. */
  constructor(accounts: readonly string[], settings: OrganizationSettings = {}) {
    this.#accounts = accounts;
    this.configure(settings);
  }

  /** Replace the layout given (others stay); bad input is an Error naming the field. */
  configure(settings: OrganizationSettings): void {
    const served = (list: unknown, field: string): string[] => {
      if (!Array.isArray(list) || list.some((account) => !this.#accounts.includes(account)))
        throw new Error(`${field} must list served accounts (${this.#accounts.join(', ')})`);
      return list as string[];
    };
    if (settings.states !== undefined) this.#states = this.#checkedStates(settings.states);
    if (settings.units === undefined) return;
    if (!Array.isArray(settings.units)) throw new Error('organization.units must be a list');
    const ids = settings.units.map((unit) => unit?.id);
    const units = settings.units.map((unit, index) => {
      const field = `organization.units[${index}]`;
      if (typeof unit.id !== 'string' || !OU_ID.test(unit.id))
        throw new Error(`${field}.id must look like ou-ab12-cd34ef56 (got ${String(unit.id)})`);
      if (typeof unit.name !== 'string' || unit.name === '') throw new Error(`${field}.name is required`);
      const parentId = unit.parentId ?? ROOT_ID;
      if (parentId !== ROOT_ID && (!ids.includes(parentId) || parentId === unit.id))
        throw new Error(`${field}.parentId must be ${ROOT_ID} or another unit's id (got ${parentId})`);
      return {
        id: unit.id,
        name: unit.name,
        parentId,
        accounts: served(unit.accounts ?? [], `${field}.accounts`),
      };
    });
    const placed = units.flatMap((unit) => unit.accounts);
    if (new Set(placed).size !== placed.length)
      throw new Error('organization.units: an account is in two units');
    this.#units = units;
  }

  #checkedStates(states: unknown): Record<string, AccountState> {
    const entries = typeof states === 'object' && states !== null ? Object.entries(states) : undefined;
    if (entries === undefined || Array.isArray(states))
      throw new Error('organization.states must map served accounts to a State');
    for (const [account, state] of entries) {
      if (!this.#accounts.includes(account))
        throw new Error(
          `organization.states: ${account} is not a served account (${this.#accounts.join(', ')})`,
        );
      if (!ACCOUNT_STATES.includes(state))
        throw new Error(`organization.states.${account} must be one of ${ACCOUNT_STATES.join(', ')}`);
    }
    return Object.fromEntries(entries) as Record<string, AccountState>;
  }

  describe(): object {
    return { rootId: ROOT_ID, units: this.#units, states: this.#states };
  }

  #parentOf(account: string): string {
    return this.#units.find((unit) => unit.accounts.includes(account))?.id ?? ROOT_ID;
  }

  #account(id: string) {
    const name = id === CENTRAL_ACCOUNT ? 'central' : `member-${id}`;
    return {
      Id: id,
      Arn: `arn:aws:organizations::${CENTRAL_ACCOUNT}:account/${ORGANIZATION_ID}/${id}`,
      Email: `${name}@example.com`,
      Name: name,
      State: this.#states[id] ?? 'ACTIVE',
      JoinedMethod: id === CENTRAL_ACCOUNT ? 'INVITED' : 'CREATED',
      JoinedTimestamp: JOINED,
    };
  }

  #parentId(input: Record<string, unknown>): string {
    const parentId = input.ParentId;
    if (
      typeof parentId !== 'string' ||
      !/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/.test(parentId)
    )
      throw new QueryFault('InvalidInputException', 'ParentId must be a root (r-…) or OU (ou-…) id', 400);
    if (parentId !== ROOT_ID && !this.#units.some((unit) => unit.id === parentId))
      throw new QueryFault(
        'ParentNotFoundException',
        "We can't find a root or OU with the ParentId that you specified.",
        404,
      );
    return parentId;
  }

  /** One Organizations action for `caller`; only the central (management) account may call. */
  handle(action: string, input: Record<string, unknown>, caller: Caller): unknown {
    if (caller.account !== CENTRAL_ACCOUNT)
      throw new QueryFault(
        'AccessDeniedException',
        "You don't have permissions to access this resource.",
        403,
      );
    if (action === 'ListRoots') {
      const root = {
        Id: ROOT_ID,
        Arn: `arn:aws:organizations::${CENTRAL_ACCOUNT}:root/${ORGANIZATION_ID}/${ROOT_ID}`,
        Name: 'Root',
        PolicyTypes: [],
      };
      const { items, NextToken } = page([root], input, 20, 'InvalidInputException');
      return { Roots: items, NextToken };
    }
    if (action === 'ListAccounts' || action === 'ListAccountsForParent') {
      const parentId = action === 'ListAccounts' ? undefined : this.#parentId(input);
      const ids = this.#accounts.filter((id) => parentId === undefined || this.#parentOf(id) === parentId);
      const { items, NextToken } = page(ids, input, 20, 'InvalidInputException');
      return { Accounts: items.map((id) => this.#account(id)), NextToken };
    }
    if (action === 'ListOrganizationalUnitsForParent') {
      const parentId = this.#parentId(input);
      const children = this.#units.filter((unit) => unit.parentId === parentId);
      const { items, NextToken } = page(children, input, 20, 'InvalidInputException');
      const arn = (id: string) => `arn:aws:organizations::${CENTRAL_ACCOUNT}:ou/${ORGANIZATION_ID}/${id}`;
      return {
        OrganizationalUnits: items.map(({ id, name }) => ({ Id: id, Arn: arn(id), Name: name })),
        NextToken,
      };
    }
    if (action === 'ListParents') {
      const parent = this.#parentOfChild(input.ChildId);
      const { items, NextToken } = page([parent], input, 20, 'InvalidInputException');
      return {
        Parents: items.map((id) => ({ Id: id, Type: id === ROOT_ID ? 'ROOT' : 'ORGANIZATIONAL_UNIT' })),
        NextToken,
      };
    }
    throw new QueryFault('UnknownOperationException', `Unsupported target ${ORGANIZATIONS_PREFIX}${action}`);
  }

  /** The one parent (a child has a single parent) of a served account or a unit. */
  #parentOfChild(childId: unknown): string {
    if (typeof childId !== 'string' || !/^(\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/.test(childId))
      throw new QueryFault('InvalidInputException', 'ChildId must be an account id or an OU (ou-…) id', 400);
    if (this.#accounts.includes(childId)) return this.#parentOf(childId);
    const unit = this.#units.find((candidate) => candidate.id === childId);
    if (unit === undefined)
      throw new QueryFault(
        'ChildNotFoundException',
        "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
        404,
      );
    return unit.parentId;
  }
}
