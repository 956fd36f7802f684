/**
 * The durability remediation planner: which violations a run may fix now with a standalone
 * `ModifyReplicationGroup(Durability)`, under the rule's guards and the per-run cap, and what
 * every other finding's `action` says. Pure; a change once started follows ./lease-steps.ts.
 */
import type { DurabilityConfig } from '../checks/durability.js';
import type { Finding } from '../finding.js';
import type { Policy, Rule } from '../policy/schema.js';
import { compareDurability, type DurabilityLevel, type Resource } from '../resource.js';
import { durabilityEligibility } from './eligibility.js';
import { DEFAULT_PLAN_OPTIONS, planDurability, type StagedAction } from './readiness.js';
import { type SoakInput, soakInputOf } from './soak.js';
import { soakHold } from './soak-hold.js';
import type { SoakRun } from './soak-series.js';

/** What a durability finding's `action` says was done, or must be done. */
export const REMEDIATION_ACTIONS = {
  /** `ModifyReplicationGroup(Durability)` was called in this run. */
  modifyRequested: 'modify-requested',
  /** The pre-change snapshot was started; the change follows once it is available. */
  snapshotStarted: 'snapshot-started',
  waitingForSnapshot: 'waiting-for-snapshot',
  /** Another run or reaction holds the change; nothing was done here. */
  inProgress: 'in-progress',
  /** Report mode or dry-run: the change that enforce mode would make. */
  wouldModify: 'would-modify',
  /** The per-run cap was reached; the next run takes it. */
  deferred: 'deferred',
  /** A guard does not hold (status, pending change, migration, downgrade). */
  blocked: 'blocked',
  /** Durability cannot be reached online; the reason lists every blocker. */
  needsRebuild: 'needs-rebuild',
  /** Online steps come first; the reason lists them (allow them in `durability.stagedChanges`). */
  needsStagedUpgrade: 'needs-staged-upgrade',
  /** A staged upgrade execution was started for the group (the durability-upgrade workflow). */
  upgradeStarted: 'upgrade-started',
  /** The change was tried and did not reach its target (snapshot failed, or verification). */
  failed: 'failed',
  /** The API refused the change; not retried until the claim expires. */
  refused: 'refused',
  /**
   * The change never reached the service (every answer was lost and the group never showed
   * it, after one re-send): nothing changed, the claim is given back, the next run tries again.
   */
  notSent: 'not-sent',
  /** The lag of a durable group is over the policy's threshold; no API change fixes that. */
  investigate: 'investigate',
  /**
   * The group's last soak stepped it back under this rule's target and soak: it is not raised
   * again until `guardrails upgrade release` (or the rule's target or soak changes).
   */
  held: 'held',
} as const;
export type RemediationAction = (typeof REMEDIATION_ACTIONS)[keyof typeof REMEDIATION_ACTIONS];

/** One durability change to make: a standalone `ModifyReplicationGroup(Durability)`. */
export interface DurabilityChange {
  finding: Finding;
  resource: Resource;
  target: DurabilityLevel;
  applyImmediately: boolean;
  snapshotBeforeChange: boolean;
  /** `upgrade`: the group needs online steps first; a staged upgrade execution makes them all. */
  kind: 'modify' | 'upgrade';
  /** The online steps the policy lets run unattended (for an upgrade). */
  allow: readonly StagedAction[];
  /**
   * The rule's watch after the change (`durability.soak`), as the upgrade's input carries it;
   * undefined for a rule with `soak: false`.
   */
  soak: SoakInput | undefined;
  /** Violations of other enforce rules on the same group that this change settles too. */
  covers: Finding[];
}

export interface RemediationPlan {
  /** Every input finding, with `action` (and, where held back, `reason`) filled in. */
  findings: Finding[];
  /** The changes to carry out in this run: at most one per group, at most `maxActionsPerRun`. */
  changes: DurabilityChange[];
}

export interface RemediationPlanOptions {
  /** The deployment's global switch: true plans nothing but `would-modify`. */
  dryRun: boolean;
  /** Whether this deployment can start staged upgrades (its state machine is known). */
  upgrades?: boolean;
  /** The groups' last soaks by ARN (read only when a rule steps back): a stepped-back group is held. */
  lastSoaks?: ReadonlyMap<string, SoakRun>;
}

/**
 * The soak of rule `name` as a workflow's input carries it: undefined when the rule has
 * `soak: false`, or no longer has a durability check.
 *
 * @example
 * await run.continue(finding, group, lease, ruleSoak(policy, lease.details.rule));
 */
export function ruleSoak(policy: Policy, name: string): SoakInput | undefined {
  const config = policy.rules.find((rule) => rule.name === name)?.durability;
  return config === undefined ? undefined : soakInputOf(config.soak, config.maxWriteLatencyMs);
}

function guardProblems(resource: Resource, target: DurabilityLevel, config: DurabilityConfig): string[] {
  const problems: string[] = [];
  if (resource.status === 'migrating') problems.push('an online migration is in progress');
  else if (resource.status !== 'available') problems.push(`status is ${resource.status}, not available`);
  if (resource.pendingModifications) problems.push('PendingModifiedValues holds a change');
  const effective = resource.effectiveDurability;
  if (effective !== undefined && compareDurability(target, effective) < 0 && !config.allowDowngrade) {
    problems.push(`setting ${target} would lower durability from ${effective} (needs allowDowngrade: true)`);
  }
  return problems;
}

function hold(finding: Finding, action: RemediationAction, reason: string): Finding {
  return { ...finding, action, reason: `${finding.reason}; ${reason}` };
}

/**
 * The finding of a violation that another rule's change on the same group settles: it takes
 * that change's action and says so.
 *
 * @example
 * outcome.set(key(covered), coveredBy(covered, await carryOut(change)));
 */
export function coveredBy(finding: Finding, lead: Finding): Finding {
  return {
    ...finding,
    status: lead.status === 'error' ? 'error' : finding.status,
    action: lead.action,
    reason: `${finding.reason}; one change per group: settled by rule ${lead.rule}'s change (${lead.reason})`,
  };
}

/**
 * Decide, for each durability finding, what remediation may do: every guard is checked and
 * each one that does not hold is named in the finding. A group gets at most one change per
 * run: when several enforce rules want a change on it, the strictest target wins and the
 * others are covered by it. Changes are planned in finding order up to the per-run cap
 * (counted in groups). Pure: the caller carries the changes out.
 * `resources` must carry the engine version of the violating groups (eligibility needs it).
 *
 * @example
 * const plan = planDurabilityRemediation(findings, byArn, policy, { dryRun: false });
 * for (const change of plan.changes) await remediate(change);
 */
export function planDurabilityRemediation(
  findings: readonly Finding[],
  resources: ReadonlyMap<string, Resource>,
  policy: Policy,
  options: RemediationPlanOptions,
): RemediationPlan {
  const rules = new Map<string, Rule>(policy.rules.map((rule) => [rule.name, rule]));
  // The winning candidate per group: the strictest target, the first rule on a tie.
  const candidates = new Map<string, DurabilityChange>();
  const decided = findings.map((finding): Finding | DurabilityChange => {
    const rule = rules.get(finding.rule);
    const resource = resources.get(finding.arn);
    const config = rule?.durability;
    if (finding.status !== 'violation' || finding.check !== 'durability') return finding;
    if (rule === undefined || config === undefined || resource?.effectiveDurability === undefined) {
      return finding;
    }
    if (compareDurability(resource.effectiveDurability, config.minimum) >= 0) {
      return { ...finding, action: REMEDIATION_ACTIONS.investigate };
    }
    const target = config.set;
    const soak = soakInputOf(config.soak, config.maxWriteLatencyMs);
    const held = soakHold(options.lastSoaks?.get(finding.arn), { rule: rule.name, target, soak });
    if (held !== undefined) return hold(finding, REMEDIATION_ACTIONS.held, held);
    const allow = config.stagedChanges.allow;
    const readiness = planDurability(resource, target, {
      ...DEFAULT_PLAN_OPTIONS,
      allow,
      enforce: true,
      durabilitySwitch: policy.settings.durabilitySwitch,
    });
    if (readiness.verdict === 'rebuild' || readiness.verdict === 'unknown') {
      const why =
        readiness.verdict === 'rebuild' ? readiness.blockers : durabilityEligibility(resource).unmet;
      return hold(finding, REMEDIATION_ACTIONS.needsRebuild, `no online path: ${why.join('; ')}`);
    }
    const staged = readiness.verdict === 'staged';
    if (staged && (rule.mode !== 'enforce' || allow.length === 0 || options.upgrades !== true)) {
      const steps = readiness.steps.map((step) => step.summary).join(' → ');
      return hold(
        finding,
        REMEDIATION_ACTIONS.needsStagedUpgrade,
        `needs ${readiness.steps.length} online steps first: ${steps} (allow them in durability.stagedChanges of an enforce rule, or run guardrails upgrade start)`,
      );
    }
    const problems = guardProblems(resource, target, config);
    if (problems.length > 0) {
      return hold(finding, REMEDIATION_ACTIONS.blocked, `not remediated: ${problems.join('; ')}`);
    }
    if (rule.mode !== 'enforce') {
      return hold(
        finding,
        REMEDIATION_ACTIONS.wouldModify,
        `would set Durability=${target} (rule ${rule.name} is in report mode)`,
      );
    }
    const change: DurabilityChange = {
      finding,
      resource,
      target,
      applyImmediately: rule.applyImmediately,
      snapshotBeforeChange: rule.snapshotBeforeChange,
      kind: staged ? 'upgrade' : 'modify',
      allow,
      soak,
      covers: [],
    };
    const best = candidates.get(finding.arn);
    if (best === undefined || compareDurability(target, best.target) > 0) candidates.set(finding.arn, change);
    return change;
  });
  return capChanges(decided, candidates, policy.settings.maxActionsPerRun, options);
}

/**
 * The second half of planning: each group's lead change is made, held by dry-run or deferred
 * by the per-run cap, and the group's other candidates follow their lead.
 */
function capChanges(
  decided: readonly (Finding | DurabilityChange)[],
  candidates: ReadonlyMap<string, DurabilityChange>,
  maxActionsPerRun: number,
  options: RemediationPlanOptions,
): RemediationPlan {
  const changes: DurabilityChange[] = [];
  const heldLeads = new Map<string, Finding>();
  const planned = decided.map((item) => {
    if (!('covers' in item)) return item;
    const lead = candidates.get(item.finding.arn);
    if (lead !== item) return item;
    if (options.dryRun || changes.length >= maxActionsPerRun) {
      const held = options.dryRun
        ? hold(
            item.finding,
            REMEDIATION_ACTIONS.wouldModify,
            item.kind === 'upgrade'
              ? `would start a staged upgrade to ${item.target} (dry-run is on)`
              : `would set Durability=${item.target} (dry-run is on)`,
          )
        : hold(
            item.finding,
            REMEDIATION_ACTIONS.deferred,
            `waits for the next run (maxActionsPerRun ${maxActionsPerRun} reached)`,
          );
      heldLeads.set(item.finding.arn, held);
      return held;
    }
    changes.push(item);
    return item.finding;
  });
  // The other candidates of each group follow their lead: covered by its change, or held with it.
  const result = planned.map((item) => {
    if (!('covers' in item)) return item;
    const lead = candidates.get(item.finding.arn);
    const held = heldLeads.get(item.finding.arn);
    if (held !== undefined) return coveredBy(item.finding, held);
    lead?.covers.push(item.finding);
    return item.finding;
  });
  return { findings: result, changes };
}
