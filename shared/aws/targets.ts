/**
 * Reaching the targets: which account × region pairs there are (listed, or the organisation's
 * accounts through Organizations, in the regions listed or each account's enabled ones through
 * the Account API), and the credentials of each member account (STS AssumeRole into the
 * member-access role, cached for the run and refreshed before they expire).
 */
import { AccountClient, paginateListRegions } from '@aws-sdk/client-account';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import {
  ALL_ENABLED,
  crossTargets,
  EVERY_REGION,
  type MemberAccess,
  memberRoleArn,
  type SkippedAccount,
  type Target,
  type TargetFailure,
  type TargetSpec,
} from '../domain/targets.js';
import { mapConcurrent } from '../runtime/concurrency.js';
import { REDACTED } from '../runtime/redact.js';
import { isThrottlingError } from '../runtime/retryable.js';
import { type AwsClientOptions, createClient } from './clients.js';
import { AwsCallError, awsCall } from './errors.js';
import { organizationAccounts } from './organization.js';

/** Accounts whose regions are read at once (`all-enabled`). */
const RESOLVE_CONCURRENCY = 8;
/** Session name on the member's CloudTrail entries. */
const SESSION_NAME = 'elasticache-guardrails';
/** The member role's MaxSessionDuration (infra/member-access.yaml). */
const SESSION_SECONDS = 3600;
/** Credentials are renewed this long before they expire, so no call is signed with a dying key. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * How the app reaches a member account, its external id given (the CLI's) or read when an
 * AssumeRole first needs it (the deployment's SSM parameter, shared/aws/external-id.ts).
 */
export interface MemberAccessSource {
  roleName: string;
  externalId?: string | (() => Promise<string>) | undefined;
}

/**
 * One member account's credentials, assumed on first use and shared by every client of that
 * account (one AssumeRole per account and run); renewed when within {@link REFRESH_MARGIN_MS}
 * of expiring. A failed AssumeRole is not cached: the next call tries again.
 *
 * @example
 * const credentials = assumeRoleCredentials(sts, '111111111111', { roleName: 'elasticache-guardrails-member' });
 * const elasticache = createElastiCacheClient({ region: 'eu-west-1', credentials });
 */
export function assumeRoleCredentials(
  sts: STSClient,
  account: string,
  access: MemberAccessSource,
  now: () => number = Date.now,
): AwsCredentialIdentityProvider {
  let cached: Promise<AwsCredentialIdentity> | undefined;
  const assume = async (): Promise<AwsCredentialIdentity> => {
    const roleArn = memberRoleArn(account, access.roleName);
    const externalId =
      typeof access.externalId === 'function' ? await access.externalId() : access.externalId;
    const { Credentials: credentials } = await awsCall(`STS AssumeRole ${roleArn}`, () =>
      sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: SESSION_NAME,
          DurationSeconds: SESSION_SECONDS,
          ...(externalId === undefined ? {} : { ExternalId: externalId }),
        }),
      ),
    );
    if (credentials?.AccessKeyId === undefined || credentials.SecretAccessKey === undefined)
      throw new AwsCallError(`STS AssumeRole ${roleArn}`, new Error('the answer holds no credentials'));
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      expiration: credentials.Expiration,
      accountId: account,
    };
  };
  return async () => {
    const current = cached === undefined ? undefined : await cached.catch(() => undefined);
    const fresh =
      current !== undefined &&
      (current.expiration === undefined || current.expiration.getTime() - now() > REFRESH_MARGIN_MS);
    if (fresh) return current;
    cached = assume();
    cached.catch(() => {
      cached = undefined;
    });
    return cached;
  };
}

/**
 * The credentials of every member account, one provider per account (so the regions of an
 * account share its AssumeRole), over one STS client in the app's own region.
 */
export class MemberCredentials {
  readonly #sts: STSClient;
  readonly #byAccount = new Map<string, AwsCredentialIdentityProvider>();
  readonly #source: MemberAccessSource;
  #access: MemberAccess;

  constructor(
    access: MemberAccessSource,
    options: AwsClientOptions = {},
    readonly now: () => number = Date.now,
  ) {
    this.#sts = createClient(STSClient, options);
    const { roleName, externalId } = access;
    this.#access = typeof externalId === 'function' ? { roleName } : { roleName, externalId };
    this.#source =
      typeof externalId === 'function'
        ? {
            roleName,
            externalId: async () => {
              const read = await externalId();
              this.#access = { roleName, externalId: read };
              return read;
            },
          }
        : this.#access;
  }

  /** The role name and the external id once known (a failure's message is scrubbed of it). */
  get access(): MemberAccess {
    return this.#access;
  }

  of(account: string): AwsCredentialIdentityProvider {
    let provider = this.#byAccount.get(account);
    if (provider === undefined) {
      provider = assumeRoleCredentials(this.#sts, account, this.#source, this.now);
      this.#byAccount.set(account, provider);
    }
    return provider;
  }

  /** Client options for `target`: its region, its account's credentials. */
  clientOptions(target: Target, base: AwsClientOptions = {}): AwsClientOptions {
    return { ...base, region: target.region, credentials: this.of(target.account) };
  }
}

/**
 * Error codes AWS answers a call into a region the account has not enabled: the same refusal
 * ("The security token included in the request is invalid"), spelt by protocol (AWS Query
 * services such as ElastiCache and STS: `InvalidClientTokenId`; JSON ones such as the Tagging
 * API: `UnrecognizedClientException`).
 */
const REGION_NOT_ENABLED = new Set(['InvalidClientTokenId', 'UnrecognizedClientException']);
/**
 * The one name a target failure gives that cause, whichever call met it first (`scan` reads
 * tags, `plan` groups): the Query spelling, which the AWS CLI and STS show for it.
 */
export const REGION_NOT_ENABLED_CODE = 'InvalidClientTokenId';

/**
 * Why a target could not be scanned, in words an operator acts on: the role denied, STS
 * throttling, the region not enabled, or the failed call as it was answered.
 */
export function targetFailure(failed: unknown, target: Target, access: MemberAccess): TargetFailure {
  // An adapter may wrap the call that failed (a read whose credentials could not be assumed).
  const error = innermostCall(failed);
  const cause = error instanceof AwsCallError ? error.cause : error;
  const code = error instanceof AwsCallError ? error.fault : error instanceof Error ? error.name : 'Error';
  // STS quotes what it was sent (`Value '…' at 'externalId'`): the external id never goes further.
  const said = error instanceof Error ? error.message : String(error);
  const message = access.externalId === undefined ? said : said.replaceAll(access.externalId, REDACTED);
  const roleArn = memberRoleArn(target.account, access.roleName);
  const assuming = error instanceof AwsCallError && error.call.startsWith('STS AssumeRole');
  if (assuming && isThrottlingError(cause))
    return { code, cause: `STS throttled AssumeRole of ${roleArn} after every retry: ${message}` };
  if (assuming && /AccessDenied/.test(code))
    return {
      code,
      cause: `the role ${roleArn} cannot be assumed (is the member-access stack deployed there, with this external id?): ${message}`,
    };
  if (REGION_NOT_ENABLED.has(code) && !assuming)
    return {
      code: REGION_NOT_ENABLED_CODE,
      cause: `region ${target.region} is not enabled in account ${target.account}: ${message}`,
    };
  return { code, cause: message };
}

/** The innermost AwsCallError of a cause chain: the call that actually failed. */
function innermostCall(error: unknown): unknown {
  let found = error;
  for (let cause = error; cause instanceof Error; cause = cause.cause)
    if (cause instanceof AwsCallError) found = cause;
  return found;
}

export interface ResolvedTargets {
  targets: Target[];
  /**
   * Accounts whose regions could not be listed (`all-enabled`), by the target `<account>/*`; OUs
   * that could not be listed, by the target `<OU id>/*` (every account and region of that OU).
   */
  failures: Array<{ target: Target; failure: TargetFailure }>;
  /** Accounts of the organisation not scanned for their State (excluded ones not counted). */
  skipped: SkippedAccount[];
}

export interface TargetResolverDeps {
  /** The app's own options (region, endpoint, retries): Organizations is called with them. */
  options: AwsClientOptions;
  credentials: MemberCredentials;
  /** The deployment's own account: read with its own credentials (no member role needed there). */
  home?: string;
}

/**
 * The regions `account` has enabled, read with its own credentials (the deployment's own, at
 * home): the member role's, assumed first, so a denied role fails as the AssumeRole it is, not
 * as a ListRegions. A child of the organisation scan shares that one AssumeRole with its scans.
 *
 * @example
 * const regions = await enabledRegions('111111111111', { options: { region: 'us-east-1' }, credentials, home });
 */
export async function enabledRegions(
  account: string,
  deps: Pick<TargetResolverDeps, 'options' | 'home'> & { credentials?: MemberCredentials },
): Promise<string[]> {
  if (account !== deps.home && deps.credentials === undefined)
    throw new Error(`account ${account}: its regions are read with its member role, and none was given`);
  const credentials = account === deps.home ? undefined : deps.credentials?.of(account);
  await credentials?.();
  const client = createClient(AccountClient, {
    ...deps.options,
    ...(credentials === undefined ? {} : { credentials }),
  });
  const regions: string[] = [];
  await awsCall(`Account ListRegions ${account}`, async () => {
    const input = { RegionOptStatusContains: ['ENABLED' as const, 'ENABLED_BY_DEFAULT' as const] };
    for await (const page of paginateListRegions({ client }, input))
      for (const region of page.Regions ?? [])
        if (region.RegionName !== undefined) regions.push(region.RegionName);
  });
  return regions.sort();
}

/** The accounts of a target spec, before any region is read. */
export interface ListedAccounts {
  /** The accounts to scan, sorted, the excluded ones left out. */
  accounts: string[];
  /** Each account's OU path, when it was read. */
  ouPaths: Map<string, string[]>;
  /** OUs that could not be listed, by the target `<OU id>/*`. */
  failures: Array<{ target: Target; failure: TargetFailure }>;
  skipped: SkippedAccount[];
}

/**
 * The accounts of `spec`: listed, or the organisation's (of its OUs) through Organizations with
 * the app's own credentials; no member role is assumed. An account of the organisation that is
 * not `ACTIVE` is skipped, and said so.
 */
export async function listAccounts(
  spec: TargetSpec,
  deps: Pick<TargetResolverDeps, 'options'>,
): Promise<ListedAccounts> {
  const excluded = new Set(spec.exclude ?? []);
  const listed =
    spec.accounts === undefined
      ? await organizationAccounts(
          createClient(OrganizationsClient, deps.options),
          spec.organization?.ous,
          spec.ouPaths === true,
        )
      : { active: spec.accounts, skipped: [], ouPaths: new Map<string, string[]>(), units: [] };
  return {
    accounts: [...new Set(listed.active)].filter((account) => !excluded.has(account)).sort(),
    ouPaths: listed.ouPaths,
    failures: listed.units.map(({ unit, failure }) => ({
      target: { account: unit, region: EVERY_REGION },
      failure,
    })),
    skipped: listed.skipped
      .filter(({ account }) => !excluded.has(account))
      .sort((a, b) => a.account.localeCompare(b.account)),
  };
}

/**
 * Every target of `spec`, in a stable order, each account's enabled regions read from the
 * account itself (`all-enabled`). An account whose enabled regions cannot be read (its role
 * denied, say) is one failure, and the others go on; an account of the organisation that is not
 * `ACTIVE` is skipped, and said so.
 */
export async function resolveTargets(spec: TargetSpec, deps: TargetResolverDeps): Promise<ResolvedTargets> {
  const { accounts, ouPaths, failures, skipped } = await listAccounts(spec, deps);
  // Each target carries its account's OU path when it was read (a rule selects on OUs).
  const located = (targets: Target[]) =>
    targets.map((target) => {
      const ouPath = ouPaths.get(target.account);
      return ouPath === undefined ? target : { ...target, ouPath };
    });
  if (spec.regions !== ALL_ENABLED)
    return { targets: located(crossTargets(accounts, spec.regions)), failures, skipped };
  const resolved: ResolvedTargets = { targets: [], failures, skipped };
  const regions = await mapConcurrent(accounts, RESOLVE_CONCURRENCY, (account) =>
    enabledRegions(account, deps).catch((error: unknown) => error as Error),
  );
  accounts.forEach((account, index) => {
    const found = regions[index];
    if (Array.isArray(found)) resolved.targets.push(...located(crossTargets([account], found)));
    else {
      const target = { account, region: EVERY_REGION };
      resolved.failures.push({ target, failure: targetFailure(found, target, deps.credentials.access) });
    }
  });
  return resolved;
}
