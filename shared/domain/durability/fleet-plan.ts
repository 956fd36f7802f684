/**
 * The readiness plan of every replication group a durability rule covers: what
 * `guardrails plan` prints and what a scan finding's `action` says when nothing was done.
 */
import type { CheckKey } from '../checks/registry.js';
import type { Finding } from '../finding.js';
import type { Policy } from '../policy/schema.js';
import type { Resource } from '../resource.js';
import {
  DEFAULT_PLAN_OPTIONS,
  type DurabilityPlan,
  PLAN_VERDICTS,
  type PlanVerdict,
  planDurability,
} from './readiness.js';

/** The check whose findings a readiness plan answers; no other check's finding carries it. */
const PLANNED_CHECK: CheckKey = 'durability';

export interface GroupPlan {
  resource: Resource;
  rule: string;
  /** The status of the rule's durability finding on this group (what `--status` filters). */
  status: Finding['status'];
  plan: DurabilityPlan;
}

/**
 * One plan per group and durability rule: the rule's `set` level, its staged-changes
 * allowance, and unattended durability only when the rule enforces. Exempt findings are left out.
 *
 * @example
 * const plans = planFleet(fleet, evaluate(fleet, policy, now), policy);
 */
export function planFleet(
  fleet: readonly Resource[],
  findings: readonly Finding[],
  policy: Policy,
): GroupPlan[] {
  const byArn = new Map(fleet.map((resource) => [resource.arn, resource]));
  const rules = new Map(policy.rules.map((rule) => [rule.name, rule]));
  return findings.flatMap((finding) => {
    const resource = byArn.get(finding.arn);
    const rule = rules.get(finding.rule);
    const config = rule?.durability;
    if (finding.check !== PLANNED_CHECK || finding.status === 'exempt' || resource === undefined) return [];
    if (rule === undefined || config === undefined) return [];
    const plan = planDurability(resource, config.set, {
      ...DEFAULT_PLAN_OPTIONS,
      durabilitySwitch: policy.settings.durabilitySwitch,
      allow: config.stagedChanges.allow,
      enforce: rule.mode === 'enforce',
    });
    return [{ resource, rule: rule.name, status: finding.status, plan }];
  });
}

/** A plan in a few words: `staged: 7 steps, 2 need approval`, `rebuild: data tiering is on`. */
export function describeVerdict(plan: DurabilityPlan): string {
  switch (plan.verdict) {
    case 'in-place':
    case 'staged':
      return `${plan.verdict}: ${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}, ${plan.needApproval} need${plan.needApproval === 1 ? 's' : ''} approval`;
    case 'rebuild':
      return `rebuild: ${plan.blockers.join('; ')}`;
    case 'not-applicable':
      return `not-applicable: ${plan.reason}`;
    case 'unknown':
      return `unknown: ${plan.missing.join(', ')} not known`;
  }
}

/** The steps, or what blocks them, as one line. */
export function describeSteps(plan: DurabilityPlan): string {
  if (plan.verdict === 'in-place' || plan.verdict === 'staged')
    return plan.steps.map((step) => `${step.summary}${step.unattended ? '' : ' [approval]'}`).join(' → ');
  return '';
}

/** Plans counted by verdict, every verdict named. */
export function countVerdicts(plans: readonly GroupPlan[]): Record<PlanVerdict, number> {
  const counts = Object.fromEntries(PLAN_VERDICTS.map((verdict) => [verdict, 0])) as Record<
    PlanVerdict,
    number
  >;
  for (const { plan } of plans) counts[plan.verdict] += 1;
  return counts;
}

/**
 * Durability violations that no change of this run acts on carry their plan's verdict in
 * `action` (`staged: 3 steps, 1 needs approval`), so a report says what it would take.
 */
export function withPlanVerdicts(findings: readonly Finding[], plans: readonly GroupPlan[]): Finding[] {
  const verdicts = new Map(plans.map(({ resource, rule, plan }) => [`${resource.arn} ${rule}`, plan]));
  return findings.map((finding) => {
    // The plan is the durability check's: the same rule's other checks (storageEncryption) keep theirs.
    const plan = finding.check === PLANNED_CHECK ? verdicts.get(`${finding.arn} ${finding.rule}`) : undefined;
    if (finding.status !== 'violation' || finding.action !== null || plan === undefined) return finding;
    return { ...finding, action: describeVerdict(plan) };
  });
}
