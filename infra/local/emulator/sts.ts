/**
 * STS on the emulator's endpoint (AWS Query, `Version=2011-06-15`): `AssumeRole` issues
 * temporary credentials for a served account, refused as the access settings say, and
 * `GetCallerIdentity` names the caller's key.
 */
import { randomBytes } from 'node:crypto';
import type { Caller } from './accounts.js';
import { type Accounts, CENTRAL_ACCOUNT, type IssuedKey } from './accounts.js';
import type { Assumer } from './member-stack.js';
import { ORGANIZATION_ID } from './organizations.js';
import { escapeXml, type Params, QueryFault } from './protocol.js';

export const STS_VERSION = '2011-06-15';
const STS_NAMESPACE = `https://sts.amazonaws.com/doc/${STS_VERSION}/`;

/** The user the base credentials stand for. */
const BASE_USER = { arn: `arn:aws:iam::${CENTRAL_ACCOUNT}:user/sandbox`, id: 'AIDASANDBOXUSER000001' };

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

function validationError(field: string, value: unknown, constraint: string): QueryFault {
  const shown = value === undefined ? 'null' : `'${String(value)}'`;
  return new QueryFault(
    'ValidationError',
    `1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: Member must ${constraint}`,
    400,
  );
}

/** A string parameter within AWS's length and pattern, or the ValidationError AWS answers. */
function text(params: Params, name: string, field: string, min: number, max: number, pattern: RegExp) {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length < min)
    throw validationError(field, value, `have length greater than or equal to ${min}`);
  if (value.length > max) throw validationError(field, value, `have length less than or equal to ${max}`);
  if (!pattern.test(value))
    throw validationError(field, value, `satisfy regular expression pattern: ${pattern.source.slice(1, -1)}`);
  return value;
}

function durationOf(params: Params): number {
  const value = params.DurationSeconds;
  if (value === undefined) return 3600;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 900)
    throw validationError('durationSeconds', value, 'have value greater than or equal to 900');
  if (seconds > 43_200)
    throw validationError('durationSeconds', value, 'have value less than or equal to 43200');
  return seconds;
}

/** An id of `prefix` plus `length` characters of AWS's key alphabet. */
function keyId(prefix: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return prefix + [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

/** The caller's ARN and user id, as GetCallerIdentity and AccessDenied messages name them. */
function callerIdentity(caller: Caller, accounts: Accounts): { arn: string; id: string; account: string } {
  const issued = accounts.issued(caller.accessKeyId);
  if (issued !== undefined)
    return { arn: issued.assumedRoleArn, id: issued.assumedRoleId, account: issued.account };
  const principal = accounts.principalOf(caller.accessKeyId);
  if (principal !== undefined)
    return { arn: principal.sessionArn, id: 'AROASANDBOXPRINCIPAL1:operator', account: principal.account };
  return { ...BASE_USER, account: CENTRAL_ACCOUNT };
}

/** Who asks to assume a role: the role behind an issued key, a named principal, or the sandbox user. */
function assumerOf(caller: Caller, accounts: Accounts, externalId: string | undefined): Assumer {
  const issued = accounts.issued(caller.accessKeyId);
  const principal = accounts.principalOf(caller.accessKeyId);
  const { principalArn, account } =
    issued !== undefined
      ? { principalArn: issued.roleArn, account: issued.account }
      : (principal ?? { principalArn: BASE_USER.arn, account: CENTRAL_ACCOUNT });
  return {
    principalArn,
    account,
    ...(accounts.accounts.includes(account) ? { orgId: ORGANIZATION_ID } : {}),
    ...(externalId === undefined ? {} : { externalId }),
  };
}

function assumeRole(params: Params, caller: Caller, accounts: Accounts, now: number): IssuedKey {
  const roleArn = params.RoleArn;
  if (roleArn === undefined) throw validationError('roleArn', undefined, 'not be null');
  if (typeof roleArn !== 'string' || !ROLE_ARN.test(roleArn))
    throw new QueryFault(
      'ValidationError',
      `${String(roleArn)} is invalid: RoleArn must be an IAM role ARN`,
      400,
    );
  const sessionName = text(params, 'RoleSessionName', 'roleSessionName', 2, 64, /^[\w+=,.@-]*$/);
  if (sessionName === undefined) throw validationError('roleSessionName', undefined, 'not be null');
  const externalId = text(params, 'ExternalId', 'externalId', 2, 1224, /^[\w+=,.@:/-]*$/);
  const seconds = durationOf(params);
  const [, account = '', roleName = ''] = ROLE_ARN.exec(roleArn) ?? [];
  const { access } = accounts;
  if (access.throttle.includes(account)) throw new QueryFault('Throttling', 'Rate exceeded', 400);
  const denied =
    !accounts.accounts.includes(account) ||
    access.deny.includes(account) ||
    (access.externalId !== undefined && externalId !== access.externalId) ||
    (accounts.memberStack !== undefined &&
      !accounts.memberStack.trusts(account, roleName, assumerOf(caller, accounts, externalId)));
  if (denied) {
    const { arn } = callerIdentity(caller, accounts);
    throw new QueryFault(
      'AccessDenied',
      `User: ${arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      403,
    );
  }
  const roleId = keyId('AROA', 17);
  const key: IssuedKey = {
    accessKeyId: keyId('ASIA', 16),
    sessionToken: randomBytes(96).toString('base64'),
    account,
    roleArn,
    assumedRoleArn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
    assumedRoleId: `${roleId}:${sessionName}`,
    expiresAt: now + seconds * 1000,
  };
  accounts.issue(key);
  return key;
}

function response(action: string, result: string, requestId: string): string {
  return `<${action}Response xmlns="${STS_NAMESPACE}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

/**
 * The XML answer of one STS action; refusals are thrown as QueryFault.
 *
 * @example
 * send(response, 200, 'text/xml', stsAnswer('GetCallerIdentity', params, caller, accounts, now, requestId), requestId);
 */
export function stsAnswer(
  action: string,
  params: Params,
  caller: Caller,
  accounts: Accounts,
  now: number,
  requestId: string,
): string {
  if (action === 'GetCallerIdentity') {
    const { arn, id, account } = callerIdentity(caller, accounts);
    const result = `<Arn>${escapeXml(arn)}</Arn><UserId>${escapeXml(id)}</UserId><Account>${account}</Account>`;
    return response(action, result, requestId);
  }
  if (action === 'AssumeRole') {
    const key = assumeRole(params, caller, accounts, now);
    // The secret is handed out once and kept nowhere: the emulator does not verify signatures.
    const secret = randomBytes(30).toString('base64');
    const result =
      `<AssumedRoleUser><AssumedRoleId>${escapeXml(key.assumedRoleId)}</AssumedRoleId><Arn>${escapeXml(key.assumedRoleArn)}</Arn></AssumedRoleUser>` +
      `<Credentials><AccessKeyId>${key.accessKeyId}</AccessKeyId><SecretAccessKey>${secret}</SecretAccessKey>` +
      `<SessionToken>${key.sessionToken}</SessionToken><Expiration>${new Date(key.expiresAt).toISOString()}</Expiration></Credentials>`;
    return response(action, result, requestId);
  }
  throw new QueryFault('InvalidAction', `The action ${action} is not valid for this web service.`, 400);
}
