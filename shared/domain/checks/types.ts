import type { z } from 'zod';
import type { FindingStatus } from '../finding-status.js';
import type { Resource } from '../resource.js';
import type { Severity } from '../severity.js';

/** What one check says of one resource; the evaluator adds resource, rule and exemptions. */
export interface CheckResult {
  status: Exclude<FindingStatus, 'exempt' | 'error'>;
  expected: string;
  observed: string;
  reason: string;
  notes?: string[];
}

/**
 * The result for a resource whose API answer lacks the field a check reads: `unknown`, never
 * a guess. `observed` defaults to `unknown`; `detail` says why the field may be missing.
 *
 * @example
 * if (days === undefined) return unreported(expected, 'SnapshotRetentionLimit');
 */
export function unreported(
  expected: string,
  field: string,
  detail?: string,
  observed = 'unknown',
): CheckResult {
  const reason = `the API returned no ${field}${detail === undefined ? '' : ` ${detail}`}`;
  return { status: 'unknown', expected, observed, reason };
}

/**
 * Actions a job carries out on a check's findings beyond what every check gets (stored
 * findings and violation events), named as in Cloud Custodian's action registry: the job that
 * owns an action looks up the checks that declare it, and never names a check.
 */
export interface CheckHooks {
  /** In enforce mode, violations are remediated by this action (`set-durability`: the durability job). */
  remediation?: 'set-durability';
  /** Changes of the checked state are alerted against a stored baseline (`encryption-baseline`: the drift job). */
  drift?: 'encryption-baseline';
}

/**
 * What a finding of the check says to a person and to Security Hub, Prowler style: a title, the
 * severity of a violation (a rule may override it: `severity` in the rule), and how to fix it.
 */
export interface CheckMetadata {
  title: string;
  severity: Severity;
  remediation: {
    /** What to do, in a sentence or two (ASFF `Remediation.Recommendation.Text`, at most 512 characters). */
    text: string;
    /** The AWS guide page that says how. */
    url: string;
  };
}

/**
 * A check, Cloud Custodian style: registered under the policy key that configures it (that key
 * is its one name, in policies, findings, events and logs), with its own schema, the IAM
 * actions it needs to read its facts, a pure evaluation and optional hooks.
 */
export interface Check<Config> {
  metadata: CheckMetadata;
  schema: z.ZodType<Config>;
  /** IAM actions that read its facts; the scanning functions' roles are generated from them. */
  permissions: readonly string[];
  /** Undefined when the check does not apply to this kind of resource. */
  evaluate(resource: Resource, config: Config): CheckResult | undefined;
  hooks?: CheckHooks;
  /**
   * Settings of a valid config that can never take effect (`policy validate` warns of them), each
   * with its path inside the config.
   */
  warnings?(config: Config): ConfigWarning[];
}

/** A setting that is valid but can never take effect: where (path below the config) and why. */
export interface ConfigWarning {
  path: PropertyKey[];
  message: string;
}
