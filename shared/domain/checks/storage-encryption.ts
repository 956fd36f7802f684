import * as z from 'zod';
import { echo } from '../../runtime/echo.js';
import { parseArn } from '../arn.js';
import { type Resource, STORAGE_ENCRYPTION_TYPES } from '../resource.js';
import { fleetReads } from '../resource-kinds.js';
import { strictObject } from '../strict-object.js';
import { type Check, unreported } from './types.js';

/** What a key reference may hold besides itself: the resource's own account and region. */
const PLACEHOLDERS = ['{account}', '{region}'] as const;

export const storageEncryptionSchema = strictObject({
  allowed: z.array(z.enum(STORAGE_ENCRYPTION_TYPES)).min(1),
  /**
   * Key ids, key ARNs or alias ARNs, `{account}` and `{region}` standing for the resource's own;
   * when set (or keyOwner), `sse-kms` must use one of them.
   */
  kmsKeyIds: z
    .array(
      z
        .string()
        .min(1)
        .refine(
          (key) =>
            (key.replaceAll(PLACEHOLDERS[0], '').replaceAll(PLACEHOLDERS[1], '').match(/[{}]/) ?? null) ===
            null,
          {
            error: (issue) =>
              `unknown placeholder in ${echo(issue.input)} (placeholders: ${PLACEHOLDERS.join(', ')})`,
          },
        ),
    )
    .default([]),
  /** `same-account`: `sse-kms` may also use any customer-managed key of the resource's own account. */
  keyOwner: z.enum(['same-account']).optional(),
  /** Alert on every change of state, allowed or not (drift alerts). */
  alertOnAnyChange: z.boolean().default(true),
});

export type StorageEncryptionConfig = z.output<typeof storageEncryptionSchema>;

/**
 * The comparable form of a KMS key reference: `key:<id>` for a key id or key ARN,
 * `alias:<name>` for an alias name or alias ARN.
 */
export function kmsKeyRef(value: string): string {
  const resource = value.startsWith('arn:') ? value.split(':').slice(5).join(':') : value;
  if (resource.startsWith('alias/')) return `alias:${resource.slice('alias/'.length)}`;
  if (resource.startsWith('key/')) return `key:${resource.slice('key/'.length)}`;
  return `key:${resource}`;
}

/** `kmsKeyIds` with `{account}` and `{region}` read from the resource's ARN. */
function keysOf(resource: Resource, config: StorageEncryptionConfig): string[] {
  const where = parseArn(resource.arn);
  return config.kmsKeyIds.map((key) =>
    key
      .replaceAll('{account}', where?.account ?? '{account}')
      .replaceAll('{region}', where?.region ?? '{region}'),
  );
}

/**
 * Whether `kmsKeyId` is a customer-managed key of the resource's own account: a key or alias
 * ARN of that account, or a bare key id or alias (KMS resolves those in the caller's own
 * account: another account's key is named by its ARN); never an AWS managed alias (`alias/aws/…`).
 */
function ownAccountKey(resource: Resource, kmsKeyId: string): boolean {
  const ref = kmsKeyRef(kmsKeyId);
  if (ref.startsWith('alias:aws/')) return false;
  if (!kmsKeyId.startsWith('arn:')) return true;
  const account = parseArn(resource.arn)?.account;
  return account !== undefined && parseArn(kmsKeyId)?.account === account;
}

/**
 * Whether two key references name the same key: the same key or alias, and, when both are
 * ARNs, in the same account and region (an alias name is the same in every account).
 */
function sameKey(listed: string, observed: string, observedRef: string): boolean {
  if (kmsKeyRef(listed) !== observedRef) return false;
  if (!listed.startsWith('arn:') || !observed.startsWith('arn:')) return true;
  const [a, b] = [parseArn(listed), parseArn(observed)];
  return a?.account === b?.account && a?.region === b?.region;
}

function describeState(type: string, kmsKeyId: string | undefined): string {
  return type === 'sse-kms' && kmsKeyId !== undefined ? `sse-kms (${kmsKeyId})` : type;
}

/**
 * Storage encryption: `StorageEncryptionType` (and `KmsKeyId` for `sse-kms`) must be allowed.
 * `AtRestEncryptionEnabled` is never the basis of a decision: it can read false while data
 * is encrypted, which the finding notes.
 *
 * @example
 * # in a rule
 * storageEncryption: { allowed: [sse-kms], kmsKeyIds: ["arn:aws:kms:eu-west-1:111122223333:alias/cache"] }
 */
export const storageEncryptionCheck: Check<StorageEncryptionConfig> = {
  metadata: {
    title: 'ElastiCache caches should be encrypted at rest as the policy requires',
    severity: 'high',
    remediation: {
      text: 'At-rest encryption is chosen when a cache is created: create a new cache with the allowed encryption (or KMS key) from a backup, move clients to it, then delete the old one.',
      url: 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/at-rest-encryption.html',
    },
  },
  schema: storageEncryptionSchema,
  // Every resource kind is evaluated: the whole fleet's reads.
  permissions: fleetReads(),
  hooks: { drift: 'encryption-baseline' },
  warnings(config) {
    if (config.allowed.includes('sse-kms')) return [];
    const never = `never applies: allowed (${config.allowed.join(', ')}) does not include sse-kms`;
    return [
      ...(config.kmsKeyIds.length > 0 ? [{ path: ['kmsKeyIds'], message: never }] : []),
      ...(config.keyOwner !== undefined ? [{ path: ['keyOwner'], message: never }] : []),
    ];
  },
  evaluate(resource, config) {
    const keys = keysOf(resource, config);
    const accepted = [
      ...keys,
      ...(config.keyOwner === 'same-account' ? ["a key of the resource's own account"] : []),
    ];
    const expected =
      accepted.length > 0 && config.allowed.includes('sse-kms')
        ? config.allowed
            .map((type) => (type === 'sse-kms' ? `sse-kms (${accepted.join(' | ')})` : type))
            .join(' | ')
        : config.allowed.join(' | ');
    const type = resource.storageEncryptionType;
    if (type === undefined)
      return unreported(expected, 'StorageEncryptionType', '(endpoint predates the field)');
    const observed = describeState(type, resource.kmsKeyId);
    const notes =
      resource.atRestEncryptionEnabled === false && type !== 'none'
        ? [
            `AtRestEncryptionEnabled reads false, but StorageEncryptionType is ${type}: data is encrypted at rest`,
          ]
        : undefined;
    if (!config.allowed.includes(type)) {
      return {
        status: 'violation',
        expected,
        observed,
        reason: `StorageEncryptionType ${type} is not allowed`,
        notes,
      };
    }
    if (type === 'sse-kms' && accepted.length > 0) {
      if (resource.kmsKeyId === undefined) {
        return {
          status: 'unknown',
          expected,
          observed,
          reason: 'the API returned no KmsKeyId for an sse-kms resource',
          notes,
        };
      }
      const observedRef = kmsKeyRef(resource.kmsKeyId);
      const own = config.keyOwner === 'same-account' && ownAccountKey(resource, resource.kmsKeyId);
      if (!own && !keys.some((key) => sameKey(key, resource.kmsKeyId ?? '', observedRef))) {
        return {
          status: 'violation',
          expected,
          observed,
          reason: `KMS key ${resource.kmsKeyId} is not one of the allowed keys`,
          notes,
        };
      }
    }
    return {
      status: 'compliant',
      expected,
      observed,
      reason: `StorageEncryptionType ${observed} is allowed`,
      notes,
    };
  },
};
