/**
 * What `policy validate` warns of: a valid policy's settings that can never take effect (an
 * exemption already expired, a check setting its other settings rule out, an engine this app does
 * not read, or reads where none of the rule's checks apply). Pure; the loader gives each its line.
 */
import { CHECK_LIST } from '../checks/registry.js';
import type { ConfigWarning } from '../checks/types.js';
import type { Policy } from './schema.js';

/** The engines whose groups and caches the checks are written for (Valkey and Redis OSS). */
const SUPPORTED_ENGINES = ['valkey', 'redis'] as const;

/**
 * Memcached is read only as serverless caches (replication groups are Valkey or Redis OSS), where
 * every check but durability applies: a rule that checks only durability never evaluates them.
 */
function engineWarning(engine: string, keys: readonly string[]): string | undefined {
  const name = engine.toLowerCase();
  if ((SUPPORTED_ENGINES as readonly string[]).includes(name)) return undefined;
  if (name !== 'memcached')
    return `${engine} is not a supported engine (${SUPPORTED_ENGINES.join(', ')}; memcached for serverless caches)`;
  if (keys.some((key) => key !== 'durability')) return undefined;
  return `${engine}: never applies: Memcached is read as serverless caches only, and durability does not apply to them`;
}

/**
 * Every warning of `policy`, its path from the policy's root, in the file's order.
 *
 * @example
 * policyWarnings(policy, new Date('2027-02-01'));
 * // [{ path: ['exemptions', 0, 'until'], message: 'expired: 2027-01-31 has passed (…)' }]
 */
export function policyWarnings(policy: Policy, now: Date): ConfigWarning[] {
  const today = now.toISOString().slice(0, 10);
  const warnings: ConfigWarning[] = [];
  policy.rules.forEach((rule, index) => {
    const keys = CHECK_LIST.filter(({ key }) => rule[key] !== undefined).map(({ key }) => key);
    (rule.match.engines ?? []).forEach((engine, position) => {
      const message = engineWarning(engine, keys);
      if (message !== undefined)
        warnings.push({ path: ['rules', index, 'match', 'engines', position], message });
    });
    for (const { key, check } of CHECK_LIST) {
      const config = rule[key];
      if (config === undefined || check.warnings === undefined) continue;
      for (const warning of check.warnings(config))
        warnings.push({ path: ['rules', index, key, ...warning.path], message: warning.message });
    }
  });
  policy.exemptions.forEach((exemption, index) => {
    if (exemption.until < today)
      warnings.push({
        path: ['exemptions', index, 'until'],
        message: `expired: ${exemption.until} has passed, the exemption no longer applies (remove it or move until)`,
      });
  });
  return warnings;
}
