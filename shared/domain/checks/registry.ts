import type { z } from 'zod';
import { durabilityCheck } from './durability.js';
import { storageEncryptionCheck } from './storage-encryption.js';
import type { Check } from './types.js';

/**
 * Every check by the rule key that configures it, in the order findings list them.
 * Adding a check is one new module and one line here; no side-effect imports.
 */
export const CHECKS = {
  durability: durabilityCheck,
  storageEncryption: storageEncryptionCheck,
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

/** The checks as a list, for generic iteration (each reads its own config from the rule). */
export const CHECK_LIST: readonly Check<unknown>[] = Object.values(CHECKS);

/** IAM actions every registered check needs to read its facts. */
export function checkPermissions(): string[] {
  return [...new Set(CHECK_LIST.flatMap((check) => check.permissions))].sort();
}
