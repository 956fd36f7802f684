import * as z from 'zod';
import { TRANSIT_ENCRYPTION_MODES } from '../resource.js';
import { strictObject } from '../strict-object.js';
import { type Check, unreported } from './types.js';

export const transitEncryptionSchema = strictObject({
  /** The least mode accepted: `preferred` (default) accepts any TLS, `required` refuses plain-text clients. */
  mode: z.enum(TRANSIT_ENCRYPTION_MODES).default('preferred'),
});

export type TransitEncryptionConfig = z.output<typeof transitEncryptionSchema>;

/**
 * Transit encryption: a replication group's `TransitEncryptionEnabled` must be true, and with
 * `mode: required` its `TransitEncryptionMode` must be `required` (`preferred` still accepts
 * plain-text clients). Serverless caches always use TLS and cannot turn it off: they comply,
 * and the API says nothing of it, so the finding says why.
 *
 * @example
 * # in a rule
 * transitEncryption: { mode: required }
 */
export const transitEncryptionCheck: Check<TransitEncryptionConfig> = {
  metadata: {
    title: 'ElastiCache replication groups should encrypt data in transit',
    severity: 'medium',
    remediation: {
      text: 'Turn on in-transit encryption: ModifyReplicationGroup with TransitEncryptionMode preferred, move clients to TLS, then required.',
      url: 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption-enable.html',
    },
  },
  schema: transitEncryptionSchema,
  permissions: ['elasticache:DescribeReplicationGroups', 'tag:GetResources'],
  evaluate(resource, config) {
    const expected = config.mode === 'required' ? 'TLS, mode required' : 'TLS';
    if (resource.type === 'serverless-cache') {
      return {
        status: 'compliant',
        expected,
        observed: 'TLS, mode required',
        reason: 'serverless caches always use TLS and accept no plain-text clients',
      };
    }
    const enabled = resource.transitEncryptionEnabled;
    if (enabled === undefined) return unreported(expected, 'TransitEncryptionEnabled');
    if (!enabled) {
      return {
        status: 'violation',
        expected,
        observed: 'no TLS',
        reason: 'TransitEncryptionEnabled is false: clients connect without TLS',
      };
    }
    const mode = resource.transitEncryptionMode;
    const observed = mode === undefined ? 'TLS' : `TLS, mode ${mode}`;
    if (config.mode === 'required' && mode === undefined)
      return unreported(expected, 'TransitEncryptionMode', 'for a group with TLS', observed);
    if (config.mode === 'required' && mode !== 'required') {
      return {
        status: 'violation',
        expected,
        observed,
        reason: 'TransitEncryptionMode is preferred: plain-text clients are still accepted',
      };
    }
    return { status: 'compliant', expected, observed, reason: `TransitEncryptionEnabled, ${observed}` };
  },
};
