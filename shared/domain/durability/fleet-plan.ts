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
import type { WorkloadSample } from './workload.js';
import { shardTarget, type WorkloadFit, workloadFit } from './workload-fit.js';

/** The check whose findings a readiness plan answers; no other check's finding carries it. */
const PLANNED_CHECK: CheckKey = 'durability';

export interface GroupPlan {
  resource: Resource;
  rule: string;
  /** The status of the rule's durability finding on this group (what `--status` filters). */
  status: Finding['status'];
  plan: DurabilityPlan;
  /** Whether durability fits the group's write workload, from what CloudWatch measured over the rule's lookback. */
  fit: WorkloadFit;
  /** The share of 100 MiB/s per primary the rule's fit lets a peak reach (`durability.fit.headroom`). */
  headroom: number;
  /** What CloudWatch measured; undefined when the workload was not read. */
  workload?: WorkloadSample;
}

/** A group's workload read over `lookbackDays`, by ARN; undefined when it was not read. */
export type WorkloadLookup = (arn: string, lookbackDays: number) => WorkloadSample | undefined;

const NOT_READ: WorkloadLookup = () => undefined;

/**
 * One plan per group and durability rule: the rule's `set` level, its staged-changes
 * allowance, unattended durability only when the rule enforces, and the workload fit under
 * the rule's `fit` and `maxWriteLatencyMs` (with more shards first when the fit asks for them).
 * Exempt findings are left out.
 *
 * @example
 * const plans = planFleet(fleet, evaluate(fleet, policy, now), policy, (arn, days) => samples.get(days)?.get(arn));
 */
export function planFleet(
  fleet: readonly Resource[],
  findings: readonly Finding[],
  policy: Policy,
  workload: WorkloadLookup = NOT_READ,
): GroupPlan[] {
  const byArn = new Map(fleet.map((resource) => [resource.arn, resource]));
  const rules = new Map(policy.rules.map((rule) => [rule.name, rule]));
  return findings.flatMap((finding) => {
    const resource = byArn.get(finding.arn);
    const rule = rules.get(finding.rule);
    const config = rule?.durability;
    if (finding.check !== PLANNED_CHECK || finding.status === 'exempt' || resource === undefined) return [];
    if (rule === undefined || config === undefined) return [];
    const sample = workload(resource.arn, config.fit.lookbackDays);
    const fit = workloadFit(sample, {
      target: config.set,
      clusterMode: resource.clusterMode,
      shards: resource.shards,
      maxWriteLatencyMs: config.maxWriteLatencyMs,
      headroom: config.fit.headroom,
    });
    const plan = planDurability(resource, config.set, {
      ...DEFAULT_PLAN_OPTIONS,
      durabilitySwitch: policy.settings.durabilitySwitch,
      allow: config.stagedChanges.allow,
      enforce: rule.mode === 'enforce',
      shards: shardTarget(fit),
    });
    const headroom = config.fit.headroom;
    return [{ resource, rule: rule.name, status: finding.status, plan, fit, headroom, workload: sample }];
  });
}

/**
 * The replication groups whose workload the plans need, by the lookback their rules read
 * (`durability.fit.lookbackDays`), each group once per lookback.
 */
export function workloadReads(plans: readonly GroupPlan[], policy: Policy): Map<number, Resource[]> {
  const rules = new Map(policy.rules.map((rule) => [rule.name, rule]));
  const reads = new Map<number, Map<string, Resource>>();
  for (const { resource, rule } of plans) {
    const days = rules.get(rule)?.durability?.fit.lookbackDays;
    if (days === undefined || resource.type !== 'replication-group') continue;
    const groups = reads.get(days) ?? new Map<string, Resource>();
    groups.set(resource.arn, resource);
    reads.set(days, groups);
  }
  return new Map([...reads].map(([days, groups]) => [days, [...groups.values()]]));
}

/** A fit in a few words: `exceeds 120.0 MiB/s`, `fits 5.0 MiB/s`, `unknown`. */
export function describeFit(fit: WorkloadFit): string {
  return fit.peakWriteMiBs === undefined
    ? fit.verdict
    : `${fit.verdict} ${fit.peakWriteMiBs.toFixed(1)} MiB/s`;
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
