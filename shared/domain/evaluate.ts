import { CHECK_LIST, type CheckKey } from './checks/registry.js';
import type { CheckResult } from './checks/types.js';
import { FINDING_STATUSES, type Finding, type FindingStatus } from './finding.js';
import { compileArnGlob, compileGlob, type Glob } from './glob.js';
import { type Criterion, compileMatch } from './match.js';
import { type Exemption, isArnPattern, type Policy, type Rule } from './policy/schema.js';
import type { Resource } from './resource.js';

/** Resource tag that exempts a resource from every rule until the date it holds. */
export const EXEMPT_UNTIL_TAG = 'guardrails:exempt-until';

interface CompiledRule {
  rule: Rule;
  criteria: Criterion[];
  checks: { key: CheckKey; evaluate: (resource: Resource) => CheckResult | undefined }[];
}

function compileRule(rule: Rule): CompiledRule {
  const settings = rule as unknown as Record<string, unknown>;
  return {
    rule,
    criteria: compileMatch(rule.match),
    checks: CHECK_LIST.filter(({ key }) => settings[key] !== undefined).map(({ key, check }) => ({
      key,
      evaluate: (resource: Resource) => check.evaluate(resource, settings[key]),
    })),
  };
}

const matches = (compiled: CompiledRule, resource: Resource) =>
  compiled.criteria.every((criterion) => criterion.holds(resource));

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
    const list = compileRule(rule).criteria.map((criterion) => ({
      criterion: criterion.describe(resource),
      holds: criterion.holds(resource),
    }));
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

/** An exemption with its resource compiled: an ARN glob tests the ARN, a bare id glob the id. */
interface CompiledExemption {
  exemption: Exemption;
  covers: (resource: Resource) => boolean;
}

function compileExemption(exemption: Exemption): CompiledExemption {
  if (isArnPattern(exemption.resource)) {
    const glob: Glob = compileArnGlob(exemption.resource);
    return { exemption, covers: (resource) => glob.test(resource.arn) };
  }
  const glob = compileGlob(exemption.resource);
  return { exemption, covers: (resource) => glob.test(resource.id) };
}

function exemptionFor(
  resource: Resource,
  rule: string,
  listed: readonly Exemption[],
  today: string,
): ExemptionState {
  const notes: string[] = [];
  let active: ExemptionState['active'];
  for (const exemption of listed) {
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
  const exemptions = policy.exemptions.map(compileExemption);
  const findings: Finding[] = [];
  for (const resource of fleet) {
    const covering = exemptions.filter(({ covers }) => covers(resource)).map((item) => item.exemption);
    for (const compiled of rules) {
      if (!matches(compiled, resource)) continue;
      let exemption: ExemptionState | undefined;
      for (const check of compiled.checks) {
        const result = check.evaluate(resource);
        if (result === undefined) continue;
        exemption ??= exemptionFor(resource, compiled.rule.name, covering, today);
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
