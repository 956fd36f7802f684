import type { z } from 'zod';
import type { FindingStatus } from '../finding.js';
import type { Resource } from '../resource.js';

/** What one check says of one resource; the evaluator adds resource, rule and exemptions. */
export interface CheckResult {
  status: Exclude<FindingStatus, 'exempt' | 'error'>;
  expected: string;
  observed: string;
  reason: string;
  notes?: string[];
}

/**
 * A check, Cloud Custodian style: registered under the policy key it reads, with its own
 * schema, the IAM actions it needs to read its facts, and a pure evaluation.
 */
export interface Check<Config> {
  /** The key of a rule that configures this check (`durability`, `storageEncryption`). */
  key: string;
  /** The id written in findings (`durability`, `storage-encryption`). */
  type: string;
  schema: z.ZodType<Config>;
  permissions: readonly string[];
  /** Undefined when the check does not apply to this kind of resource. */
  evaluate(resource: Resource, config: Config): CheckResult | undefined;
}
