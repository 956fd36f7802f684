/**
 * Who is calling, read from the SigV4 `Authorization` header: the access key id picks the
 * account (a key STS issued: the account it was issued for; a key `access.principals` names:
 * that principal's account; any other key: the central account), the signing region picks the region. The emulator does not check signatures;
 * it refuses what AWS would refuse before a request reaches the service: an expired or
 * mismatched temporary key, and a region the account has not enabled.
 */
import type { IncomingMessage } from 'node:http';
import { type Accounts, type Caller, CENTRAL_ACCOUNT } from './accounts.js';
import type { Clock } from './clock.js';
import type { FaultInjector } from './faults.js';
import { elastiCacheRequest } from './member-stack.js';
import type { ElastiCacheModel } from './model.js';
import type { Organization } from './organizations.js';
import type { ParameterStore } from './parameters.js';
import { type Params, QueryFault } from './protocol.js';
import type { S3Store } from './s3-store.js';
import type { SecurityHubFindings } from './security-hub.js';
import type { CaptureSinks } from './sinks.js';

/** What the request handlers share: the stores and the instruments around them. */
export interface Parts {
  /** The central account's store in the default region. */
  model: ElastiCacheModel;
  accounts: Accounts;
  organization: Organization;
  clock: Clock;
  faults: FaultInjector;
  sinks: CaptureSinks;
  securityHub: SecurityHubFindings;
  /** The sandbox's S3: buckets of every account. */
  s3: S3Store;
  /** SSM Parameter Store, per account and region. */
  parameters: ParameterStore;
}

/** A REST-JSON operation (`POST <path>`): its input is the JSON body, its result (or its promise) the JSON answer. */
export type RestRoute = (parts: Parts, caller: Caller, input: Record<string, unknown>) => unknown;

/** How a service speaks: AWS Query, JSON 1.x or REST-JSON, REST-XML (S3). */
export type Protocol = 'query' | 'json' | 'rest-xml';

/** `Credential=<AKID>/<date>/<region>/<service>/aws4_request` of a SigV4 header. */
export function signingScope(
  authorization: string | undefined,
): { accessKeyId: string; region: string; service: string } | undefined {
  const match = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/.exec(
    authorization ?? '',
  );
  if (match === null) return undefined;
  const [, accessKeyId = '', region = '', service = ''] = match;
  return { accessKeyId, region, service };
}

/**
 * The caller of a request: unsigned requests act as the central account in the default
 * region (raw `fetch` callers keep working).
 *
 * @example
 * const { account, region, accessKeyId } = resolveCaller(request, parts.accounts);
 */
export function resolveCaller(request: IncomingMessage, accounts: Accounts): Caller {
  const scope = signingScope(request.headers.authorization);
  if (scope === undefined) return { account: CENTRAL_ACCOUNT, region: accounts.defaultRegion };
  const account =
    accounts.issued(scope.accessKeyId)?.account ??
    accounts.principalOf(scope.accessKeyId)?.account ??
    CENTRAL_ACCOUNT;
  return { account, region: scope.region, accessKeyId: scope.accessKeyId };
}

/** Why a request is turned away before it reaches the service. */
export type Refusal = 'expired' | 'invalid';

/**
 * The refusal of a request, if any: an issued key past its expiration, an issued key sent
 * without its session token, or (for the per-pair services) a pair that is not served or
 * whose region the account has not enabled.
 */
export function refusalOf(
  request: IncomingMessage,
  caller: Caller,
  parts: Pick<Parts, 'accounts' | 'clock'>,
  pairScoped: boolean,
): Refusal | undefined {
  const issued = parts.accounts.issued(caller.accessKeyId);
  if (issued !== undefined) {
    if (request.headers['x-amz-security-token'] !== issued.sessionToken) return 'invalid';
    if (parts.clock.now() >= issued.expiresAt) return 'expired';
  }
  if (pairScoped && !parts.accounts.answers(caller.account, caller.region)) return 'invalid';
  return undefined;
}

const INVALID_TOKEN = 'The security token included in the request is invalid.';
const EXPIRED_TOKEN = 'The security token included in the request is expired.';

/** The fault AWS answers a refusal with, in the protocol's spelling. */
export function refusalFault(refusal: Refusal, protocol: Protocol): QueryFault {
  // 403 for both, as AWS's list of errors common to every service gives them.
  if (refusal === 'expired')
    return new QueryFault(protocol !== 'json' ? 'ExpiredToken' : 'ExpiredTokenException', EXPIRED_TOKEN, 403);
  return new QueryFault(
    protocol === 'query'
      ? 'InvalidClientTokenId'
      : protocol === 'json'
        ? 'UnrecognizedClientException'
        : 'InvalidAccessKeyId',
    INVALID_TOKEN,
    403,
  );
}

/**
 * Refuse an ElastiCache request signed with a key of a role the deployed member stack created,
 * when the role's policies do not allow it (`AccessDenied`, as IAM answers).
 */
export function refuseUnpermitted(accounts: Accounts, caller: Caller, action: string, params: Params): void {
  const issued = accounts.issued(caller.accessKeyId);
  const roleName = issued?.roleArn.split('/').at(-1);
  if (issued === undefined || roleName === undefined || accounts.memberStack === undefined) return;
  const request = elastiCacheRequest(action, params, caller.account, caller.region);
  if (accounts.memberStack.permits(caller.account, roleName, request) === false)
    throw new QueryFault(
      'AccessDenied',
      `User: ${issued.assumedRoleArn} is not authorized to perform: ${request.action} on resource: ${request.resource}`,
      403,
    );
}
