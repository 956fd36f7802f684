/**
 * The accounts and regions the emulator serves: one ElastiCache store per account × region
 * pair (all on one clock), the access settings STS and the pair check read (denied and
 * throttled accounts, disabled regions, the external id, pairs without Security Hub), and the
 * temporary keys STS issued.
 */
import type { Clock } from './clock.js';
import { MemberStack } from './member-stack.js';
import type { MigrationBackend } from './migration.js';
import { ElastiCacheModel } from './model.js';

/** The account and region a request acts in, and the key id it was signed with (never the secret). */
export interface Caller {
  account: string;
  region: string;
  accessKeyId?: string;
}

/** The account the base (non-STS) credentials belong to; always served. */
export const CENTRAL_ACCOUNT = '123456789012';

/** The regions `npm run sandbox -- --regions N` takes the first N of. */
export const SANDBOX_REGIONS = [
  'us-east-1',
  'eu-west-1',
  'ap-southeast-2',
  'us-west-2',
  'eu-central-1',
  'ap-northeast-1',
  'ca-central-1',
  'eu-north-1',
] as const;

/**
 * The member accounts of a sandbox organisation: `100000000001`, `100000000002`, …
 *
 * @example
 * memberAccounts(2); // ['100000000001', '100000000002']
 */
export function memberAccounts(count: number): string[] {
  return Array.from({ length: count }, (_, index) => String(100_000_000_001 + index));
}

/** Which account × region pairs are served: every account with every region. */
export interface Targets {
  accounts: string[];
  regions: string[];
}

export interface RegionOfAccount {
  account: string;
  region: string;
}

/** What STS and the pair check refuse (settable through `/_control/accounts`). */
export interface AccessSettings {
  /** `AssumeRole` into these accounts is `AccessDenied`. */
  deny?: string[];
  /** `AssumeRole` into these accounts is `Throttling`, every time. */
  throttle?: string[];
  /** These pairs answer as a region the account has not enabled. */
  disabledRegions?: RegionOfAccount[];
  /** Security Hub is not enabled in these pairs: `BatchImportFindings` there is `InvalidAccessException`. */
  securityHubOff?: RegionOfAccount[];
  /** When set, `AssumeRole` without this `ExternalId` is `AccessDenied`. */
  externalId?: string;
  /**
   * infra/member-access.yaml deployed in every served account with these parameters: from then
   * on `AssumeRole` is allowed only into a role the stack created, whose trust the caller meets.
   * `null` removes it (any role of a served account is assumable again).
   */
  memberStack?: Record<string, string> | null;
  /**
   * Base access key ids that stand for other principals than the sandbox user (an operator's
   * IAM Identity Center role, a stranger's role), by the principal's IAM ARN.
   */
  principals?: Record<string, string>;
}

/** A temporary key STS issued (the secret is not kept: the emulator does not check signatures). */
export interface IssuedKey {
  accessKeyId: string;
  sessionToken: string;
  account: string;
  roleArn: string;
  assumedRoleArn: string;
  assumedRoleId: string;
  /** Epoch ms of the emulator clock. */
  expiresAt: number;
}

const ACCOUNT_ID = /^\d{12}$/;
const PRINCIPAL_ARN = /^arn:aws:iam::(\d{12}):(?:role|user)\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

/** A principal a base key stands for: its IAM ARN, its account, and the ARN STS names its session by. */
export interface Principal {
  principalArn: string;
  account: string;
  sessionArn: string;
}
const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

function checkedList(field: string, value: unknown, pattern: RegExp): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || !pattern.test(item)))
    throw new Error(
      `${field} must be a list of ${pattern === ACCOUNT_ID ? '12-digit account ids' : 'region names'}`,
    );
  return value as string[];
}

function checkedPairs(field: string, value: unknown): RegionOfAccount[] {
  const pairs = Array.isArray(value) ? value : [undefined];
  for (const pair of pairs) {
    const { account, region } = (pair ?? {}) as Record<string, unknown>;
    if (typeof account !== 'string' || !ACCOUNT_ID.test(account) || typeof region !== 'string')
      throw new Error(`${field} must be a list of { account: 12 digits, region }`);
  }
  return pairs as RegionOfAccount[];
}

function checkedPrincipals(value: unknown): Record<string, string> {
  const entries = typeof value === 'object' && value !== null ? Object.entries(value) : [];
  if (Array.isArray(value) || entries.some(([, arn]) => typeof arn !== 'string' || !PRINCIPAL_ARN.test(arn)))
    throw new Error('access.principals must map access key ids to IAM role or user ARNs');
  return Object.fromEntries(entries) as Record<string, string>;
}

export interface AccountsOptions {
  clock: Clock;
  migration: MigrationBackend;
  /** The central pair's region: what unsigned requests reach. */
  defaultRegion: string;
}

export class Accounts {
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  readonly defaultRegion: string;
  access: Required<Omit<AccessSettings, 'externalId' | 'memberStack'>> &
    Pick<AccessSettings, 'externalId' | 'memberStack'> = {
    deny: [],
    throttle: [],
    disabledRegions: [],
    securityHubOff: [],
    principals: {},
  };
  /** The deployed member-access stack (`access.memberStack`), if any. */
  memberStack: MemberStack | undefined;
  readonly #fleets = new Map<string, ElastiCacheModel>();
  readonly #keys = new Map<string, IssuedKey>();

  constructor(targets: Targets, options: AccountsOptions) {
    const listed = checkedList('targets.accounts', targets.accounts, ACCOUNT_ID);
    this.accounts = [CENTRAL_ACCOUNT, ...new Set(listed.filter((account) => account !== CENTRAL_ACCOUNT))];
    this.regions = [...new Set(checkedList('targets.regions', targets.regions, REGION_NAME))];
    if (!this.regions.includes(options.defaultRegion))
      throw new Error(`region ${options.defaultRegion} must be one of targets.regions (${this.regions})`);
    this.defaultRegion = options.defaultRegion;
    for (const account of this.accounts) {
      for (const region of this.regions) {
        const model = new ElastiCacheModel({
          clock: options.clock,
          account,
          region,
          migration: options.migration,
        });
        this.#fleets.set(`${account}/${region}`, model);
      }
    }
  }

  /** The store of one served pair; a pair not served is an Error naming it. */
  fleetOf(account: string, region: string): ElastiCacheModel {
    const model = this.#fleets.get(`${account}/${region}`);
    if (model === undefined)
      throw new Error(`the emulator does not serve account ${account} in ${region} (see targets)`);
    return model;
  }

  /** Every served pair with its store, accounts in order, then regions. */
  pairs(): Array<RegionOfAccount & { model: ElastiCacheModel }> {
    return [...this.#fleets.values()].map((model) => ({
      account: model.account,
      region: model.region,
      model,
    }));
  }

  /** Whether calls into the pair are answered: served, and the region not disabled for the account. */
  answers(account: string, region: string): boolean {
    return (
      this.#fleets.has(`${account}/${region}`) &&
      !this.access.disabledRegions.some((pair) => pair.account === account && pair.region === region)
    );
  }

  /** Whether Security Hub is enabled in the pair (it is, unless `securityHubOff` lists it). */
  securityHubEnabled(account: string, region: string): boolean {
    return !this.access.securityHubOff.some((pair) => pair.account === account && pair.region === region);
  }

  /** Replace the settings given (others stay); bad input is an Error naming the field. */
  configure(settings: AccessSettings): void {
    if (settings.deny !== undefined) this.access.deny = checkedList('access.deny', settings.deny, ACCOUNT_ID);
    if (settings.throttle !== undefined)
      this.access.throttle = checkedList('access.throttle', settings.throttle, ACCOUNT_ID);
    if (settings.disabledRegions !== undefined)
      this.access.disabledRegions = checkedPairs('access.disabledRegions', settings.disabledRegions);
    if (settings.securityHubOff !== undefined)
      this.access.securityHubOff = checkedPairs('access.securityHubOff', settings.securityHubOff);
    if ('externalId' in settings) {
      if (settings.externalId !== undefined && typeof settings.externalId !== 'string')
        throw new Error('access.externalId must be a string');
      this.access.externalId = settings.externalId;
    }
    if (settings.principals !== undefined) this.access.principals = checkedPrincipals(settings.principals);
    if (settings.memberStack !== undefined) {
      const defaults = { centralAccount: CENTRAL_ACCOUNT, region: this.defaultRegion };
      this.memberStack =
        settings.memberStack === null ? undefined : new MemberStack(settings.memberStack, defaults);
      this.access.memberStack = settings.memberStack ?? undefined;
    }
  }

  /** The principal a base key stands for (`access.principals`), if it names one. */
  principalOf(accessKeyId: string | undefined): Principal | undefined {
    const principalArn = accessKeyId === undefined ? undefined : this.access.principals[accessKeyId];
    const [, account = '', name = ''] = PRINCIPAL_ARN.exec(principalArn ?? '') ?? [];
    if (principalArn === undefined) return undefined;
    const sessionArn = principalArn.includes(':role/')
      ? `arn:aws:sts::${account}:assumed-role/${name}/operator`
      : principalArn;
    return { principalArn, account, sessionArn };
  }

  /** What `/_control/accounts` answers. */
  describe(): object {
    return {
      accounts: this.accounts,
      regions: this.regions,
      defaultRegion: this.defaultRegion,
      ...this.access,
      // The parameters hold the external id: a secret, not echoed.
      memberStack: this.access.memberStack === undefined ? undefined : 'deployed',
    };
  }

  issue(key: IssuedKey): void {
    this.#keys.set(key.accessKeyId, key);
  }

  /** The issued key, or undefined for any other key id (base credentials). */
  issued(accessKeyId: string | undefined): IssuedKey | undefined {
    return accessKeyId === undefined ? undefined : this.#keys.get(accessKeyId);
  }
}
