import { CHECK_LIST, type CheckKey } from './checks/registry.js';
import type { CheckResult } from './checks/types.js';
import { FINDING_STATUSES, type Finding, type FindingStatus } from './finding.js';
import { compileGlob, type Glob } from './glob.js';
import type { Exemption, Policy, Rule } from './policy/schema.js';
import type { Resource } from './resource.js';

/** Resource tag that exempts a resource from every rule until the date it holds. */
export const EXEMPT_UNTIL_TAG = 'guardrails:exempt-until';

interface CompiledRule {
  rule: Rule;
  types?: Set<string>;
  engines?: Set<string>;
  clusterModes?: Set<string>;
  /** Globs, compiled once per policy. */
  ids?: Glob[];
  tags: [string, string][];
  checks: { key: CheckKey; evaluate: (resource: Resource) => CheckResult | undefined }[];
}

function compileRule(rule: Rule): CompiledRule {
  const { match } = rule;
  const settings = rule as unknown as Record<string, unknown>;
  return {
    rule,
    types: match.resourceTypes && new Set(match.resourceTypes),
    engines: match.engines && new Set(match.engines.map((engine) => engine.toLowerCase())),
    clusterModes: match.clusterMode && new Set(match.clusterMode),
    ids: match.ids?.map(compileGlob),
    tags: Object.entries(match.tags ?? {}),
    checks: CHECK_LIST.filter(({ key }) => settings[key] !== undefined).map(({ key, check }) => ({
      key,
      evaluate: (resource: Resource) => check.evaluate(resource, settings[key]),
    })),
  };
}

/** Each match criterion of a rule, held against a resource: what it asks and whether it holds. */
function criteria(compiled: CompiledRule, resource: Resource): { criterion: string; holds: boolean }[] {
  const { match } = compiled.rule;
  const list: { criterion: string; holds: boolean }[] = [];
  if (compiled.types)
    list.push({
      criterion: `resourceTypes ${match.resourceTypes?.join(', ')} (is ${resource.type})`,
      holds: compiled.types.has(resource.type),
    });
  if (compiled.engines)
    list.push({
      criterion: `engines ${match.engines?.join(', ')} (is ${resource.engine ?? 'not reported'})`,
      holds: resource.engine !== undefined && compiled.engines.has(resource.engine),
    });
  if (compiled.clusterModes)
    list.push({
      criterion: `clusterMode ${match.clusterMode?.join(', ')} (is ${resource.clusterMode ?? 'not reported'})`,
      holds: resource.clusterMode !== undefined && compiled.clusterModes.has(resource.clusterMode),
    });
  if (compiled.ids)
    list.push({
      criterion: `ids ${match.ids?.join(', ')} (is ${resource.id})`,
      holds: compiled.ids.some((glob) => glob.test(resource.id)),
    });
  for (const [key, value] of compiled.tags) {
    const actual = resource.tags[key];
    list.push({
      criterion: `tag ${key}=${value} (is ${actual === undefined ? 'absent' : `"${actual}"`})`,
      holds: actual !== undefined && (value === '*' || actual === value),
    });
  }
  return list;
}

/** The hot path of `evaluate`: the same test as `criteria`, without building explanations. */
function matches(compiled: CompiledRule, resource: Resource): boolean {
  if (compiled.types && !compiled.types.has(resource.type)) return false;
  if (compiled.engines && (resource.engine === undefined || !compiled.engines.has(resource.engine)))
    return false;
  if (
    compiled.clusterModes &&
    (resource.clusterMode === undefined || !compiled.clusterModes.has(resource.clusterMode))
  ) {
    return false;
  }
  if (compiled.ids && !compiled.ids.some((glob) => glob.test(resource.id))) return false;
  for (const [key, value] of compiled.tags) {
    const actual = resource.tags[key];
    if (actual === undefined || (value !== '*' && actual !== value)) return false;
  }
  return true;
}

/** Why a rule does or does not apply to a resource, and what it finds there. */
export interface RuleExplanation {
  rule: string;
  mode: string;
  matches: boolean;
  criteria: { criterion: string; holds: boolean }[];
  findings: Finding[];
}

/**
 * Every rule of the policy held against one resource: which match criteria hold, and the
 * findings of the rules that apply (exemptions included).
 *
 * @example
 * for (const rule of explainRules(resource, policy, new Date())) console.log(rule.rule, rule.matches);
 */
export function explainRules(resource: Resource, policy: Policy, now: Date): RuleExplanation[] {
  const findings = evaluate([resource], policy, now);
  return policy.rules.map((rule) => {
    const compiled = compileRule(rule);
    const list = criteria(compiled, resource);
    return {
      rule: rule.name,
      mode: rule.mode,
      matches: list.every((item) => item.holds),
      criteria: list.length === 0 ? [{ criterion: 'no match criteria: every resource', holds: true }] : list,
      findings: findings.filter((finding) => finding.rule === rule.name),
    };
  });
}

/** An exemption as it applies to one resource and rule at evaluation time. */
interface ExemptionState {
  active?: { until: string; reason: string };
  notes: string[];
}

function exemptionFor(
  resource: Resource,
  rule: string,
  listed: readonly Exemption[] | undefined,
  today: string,
): ExemptionState {
  const notes: string[] = [];
  let active: ExemptionState['active'];
  for (const exemption of listed ?? []) {
    if (exemption.rules !== undefined && !exemption.rules.includes(rule)) continue;
    if (exemption.until >= today) active ??= { until: exemption.until, reason: exemption.reason };
    else notes.push(`exemption expired ${exemption.until} (${exemption.reason})`);
  }
  const tagged = resource.tags[EXEMPT_UNTIL_TAG];
  if (tagged !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(tagged) || Number.isNaN(Date.parse(tagged))) {
      notes.push(`tag ${EXEMPT_UNTIL_TAG}="${tagged}" is not a date YYYY-MM-DD and exempts nothing`);
    } else if (tagged >= today) active ??= { until: tagged, reason: `tag ${EXEMPT_UNTIL_TAG}` };
    else notes.push(`exemption expired ${tagged} (tag ${EXEMPT_UNTIL_TAG})`);
  }
  return { active, notes };
}

function compareFindings(a: Finding, b: Finding): number {
  if (a.resourceId !== b.resourceId) return a.resourceId < b.resourceId ? -1 : 1;
  if (a.resourceType !== b.resourceType) return a.resourceType < b.resourceType ? -1 : 1;
  if (a.rule !== b.rule) return a.rule < b.rule ? -1 : 1;
  return a.check < b.check ? -1 : a.check > b.check ? 1 : 0;
}

/**
 * Evaluate a fleet against a policy: one finding per (resource, matching rule, check),
 * in a stable order (resource id, rule, check). Pure: the same input gives the same output.
 * An exemption is in force through its `until` date (UTC).
 *
 * @example
 * const findings = evaluate(fleet, policy, new Date());
 * const violations = findings.filter((finding) => finding.status === 'violation');
 */
export function evaluate(fleet: readonly Resource[], policy: Policy, now: Date): Finding[] {
  const rules = policy.rules.map(compileRule);
  const today = now.toISOString().slice(0, 10);
  const exemptions = new Map<string, Exemption[]>();
  for (const exemption of policy.exemptions) {
    exemptions.set(exemption.resource, [...(exemptions.get(exemption.resource) ?? []), exemption]);
  }
  const findings: Finding[] = [];
  for (const resource of fleet) {
    for (const compiled of rules) {
      if (!matches(compiled, resource)) continue;
      let exemption: ExemptionState | undefined;
      for (const check of compiled.checks) {
        const result = check.evaluate(resource);
        if (result === undefined) continue;
        exemption ??= exemptionFor(resource, compiled.rule.name, exemptions.get(resource.id), today);
        const notes = [...(result.notes ?? []), ...exemption.notes];
        const active = exemption.active;
        findings.push({
          resourceType: resource.type,
          resourceId: resource.id,
          arn: resource.arn,
          rule: compiled.rule.name,
          check: check.key,
          status: active ? 'exempt' : result.status,
          expected: result.expected,
          observed: result.observed,
          reason: active
            ? `exempt until ${active.until}: ${active.reason} (would be ${result.status})`
            : result.reason,
          action: null,
          ...(notes.length > 0 ? { notes } : {}),
          ...(compiled.rule.severity === undefined ? {} : { severity: compiled.rule.severity }),
        });
      }
    }
  }
  return findings.sort(compareFindings);
}

export interface Summary {
  total: number;
  byStatus: Record<FindingStatus, number>;
  byRule: Record<string, Partial<Record<FindingStatus, number>>>;
}

/** Counts by status and by rule, for reports, metrics and exit codes. */
export function summarize(findings: readonly Finding[]): Summary {
  const byStatus = Object.fromEntries(FINDING_STATUSES.map((status) => [status, 0])) as Record<
    FindingStatus,
    number
  >;
  const byRule: Summary['byRule'] = {};
  for (const finding of findings) {
    byStatus[finding.status] += 1;
    const rule = byRule[finding.rule] ?? {};
    rule[finding.status] = (rule[finding.status] ?? 0) + 1;
    byRule[finding.rule] = rule;
  }
  return { total: findings.length, byStatus, byRule };
}
