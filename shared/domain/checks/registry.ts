import type { z } from 'zod';
import type { Severity } from '../severity.js';
import { automaticBackupsCheck } from './automatic-backups.js';
import { durabilityCheck } from './durability.js';
import { storageEncryptionCheck } from './storage-encryption.js';
import { transitEncryptionCheck } from './transit-encryption.js';
import type { Check, CheckHooks } from './types.js';

/**
 * Every check by the rule key that configures it, in the order findings list them. The key is
 * the check's one name: the policy key, a finding's `check`, an event's `detail.finding.check`.
 * Adding a check is one new module and one line here; no side-effect imports.
 */
export const CHECKS = {
  durability: durabilityCheck,
  storageEncryption: storageEncryptionCheck,
  transitEncryption: transitEncryptionCheck,
  automaticBackups: automaticBackupsCheck,
} as const;

export type CheckKey = keyof typeof CHECKS;

/** The rule keys of every check, each optional. */
export type CheckShape = { [K in CheckKey]: z.ZodOptional<(typeof CHECKS)[K]['schema']> };

export function checkShape(): CheckShape {
  // Object.fromEntries loses the per-key types that the mapped type restores.
  return Object.fromEntries(
    Object.entries(CHECKS).map(([key, check]) => [key, check.schema.optional()]),
  ) as CheckShape;
}

/** The checks as a list with their names, for generic iteration (each reads its own config from the rule). */
export const CHECK_LIST: readonly { key: CheckKey; check: Check<unknown> }[] = Object.entries(CHECKS).map(
  ([key, check]) => ({ key: key as CheckKey, check: check as Check<unknown> }),
);

/**
 * The checks that declare `action` for `hook`: how a job finds the findings it acts on.
 *
 * @example
 * const remediated = checksDeclaring('remediation', 'set-durability'); // Set { 'durability' }
 */
export function checksDeclaring<Hook extends keyof CheckHooks>(
  hook: Hook,
  action: NonNullable<CheckHooks[Hook]>,
): ReadonlySet<CheckKey> {
  return new Set(CHECK_LIST.filter(({ check }) => check.hooks?.[hook] === action).map(({ key }) => key));
}

/**
 * The checks whose new violations go to the alert topic as they are (an EventBridge rule of the
 * stack): every check without an alerting hook of its own (drift alerts by themselves).
 */
export function checksAlertedByEvent(): CheckKey[] {
  return CHECK_LIST.filter(({ check }) => check.hooks?.drift === undefined).map(({ key }) => key);
}

/**
 * The severity of a finding's violation: its rule's (`severity` in the rule) when it sets one,
 * else its check's. The one finding of a target that could not be scanned is `medium`.
 *
 * @example
 * severityOf({ check: 'durability' }); // 'high', the check's
 */
export function severityOf(finding: { check: CheckKey | 'target'; severity?: Severity }): Severity {
  if (finding.severity !== undefined) return finding.severity;
  return finding.check === 'target' ? 'medium' : CHECKS[finding.check].metadata.severity;
}

/** IAM actions every registered check needs to read its facts (infra/serverless.cjs grants them). */
export function checkPermissions(): string[] {
  return [...new Set(CHECK_LIST.flatMap(({ check }) => check.permissions))].sort();
}
