import type { DurabilityConfig } from '../checks/durability.js';
import type { Finding } from '../finding.js';
import type { Policy, Rule } from '../policy/schema.js';
import { compareDurability, type DurabilityLevel, type Resource } from '../resource.js';
import { durabilityEligibility } from './eligibility.js';
import { DEFAULT_PLAN_OPTIONS, planDurability, type StagedAction } from './readiness.js';

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
  /** The lag of a durable group is over the policy's threshold; no API change fixes that. */
  investigate: 'investigate',
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

/** What a remediation lease records while a durability change is in flight. */
export interface RemediationDetails {
  /** `upgrading`: a staged upgrade execution (`rule` names it) holds the group. */
  phase: 'snapshotting' | 'modify-requested' | 'refused' | 'failed' | 'upgrading';
  replicationGroupId: string;
  rule: string;
  from: DurabilityLevel;
  target: DurabilityLevel;
  applyImmediately: boolean;
  snapshotName?: string;
  snapshotDurability?: string;
  requestedAt?: string;
  /** The API's error text of a refusal or failure, as shown to operators. */
  fault?: string;
  /** The API's error name of a refusal (`InvalidParameterCombinationException`, …). */
  faultCode?: string;
}

/** The part of a lease a decision reads. */
export interface RemediationLease {
  acquiredAt: string;
  details: RemediationDetails;
}

const HOUR_MS = 3_600_000;
/** The waits remediation decides with. */
export const REMEDIATION_TIMINGS = {
  /** How long a change may take before it is declared failed, by whether it waits for maintenance. */
  changeWindowMs: { immediate: 6 * HOUR_MS, maintenance: 8 * 24 * HOUR_MS },
  /** A refused or failed change is not tried again before this, so nothing retries in a loop. */
  outcomeHoldMs: 24 * HOUR_MS,
  /** Time the service may take to show a requested change in the group's status. */
  settleMs: 5 * 60_000,
} as const;

/** How long a claim on a change lasts: until it may be declared failed. */
export function changeWindowMs(details: Pick<RemediationDetails, 'applyImmediately'>): number {
  const { immediate, maintenance } = REMEDIATION_TIMINGS.changeWindowMs;
  return details.applyImmediately ? immediate : maintenance;
}

/** API answers that are final for a run: the request itself is wrong for this group. */
const REFUSALS: ReadonlySet<string> = new Set([
  'InvalidParameterCombinationException',
  'InvalidParameterValueException',
  'InvalidReplicationGroupStateFault',
]);

/**
 * What a failed `ModifyReplicationGroup(Durability)` means, by the API's error name:
 * `unknown` (the answer was lost and a read-back did not show the change: the claim stays and a
 * later run verifies), `refused` (final for the group, held for a day), or `error` (the call
 * failed; the claim is given back so a later run may try again).
 *
 * @example
 * modifyFailure('InvalidParameterCombinationException'); // 'refused'
 */
export function modifyFailure(faultCode: string): 'unknown' | 'refused' | 'error' {
  if (faultCode === 'OutcomeUnknownError') return 'unknown';
  return REFUSALS.has(faultCode) ? 'refused' : 'error';
}

/**
 * The action a refusal ends in: a refusal to turn durability on from `disabled` with
 * InvalidParameterCombination is the older rule (durability is fixed at creation), so only a
 * rebuild helps; any other refusal is `refused`.
 */
export function refusalAction(from: DurabilityLevel, faultCode: string | undefined): RemediationAction {
  return from === 'disabled' && faultCode === 'InvalidParameterCombinationException'
    ? REMEDIATION_ACTIONS.needsRebuild
    : REMEDIATION_ACTIONS.refused;
}

/** What a lease in flight calls for next; the job carries it out. */
export type RemediationStep =
  /** Nothing to change: the finding takes this action and reason. */
  | { kind: 'report'; action: RemediationAction; reason: string }
  /** The change failed: the lease (still in `phase`) becomes `failed` until `holdUntil`, an event says so. */
  | { kind: 'fail'; phase: RemediationDetails['phase']; fault: string; holdUntil: Date }
  /** The snapshot (or the group) is not ready: the claim is extended to `holdUntil`. */
  | { kind: 'wait-for-snapshot'; holdUntil: Date; reason: string }
  /** The snapshot is ready: the lease moves to `modify-requested` and the change is sent. */
  | { kind: 'modify'; snapshotDurability?: string }
  /** The group shows the target: the lease is released and success announced. */
  | { kind: 'succeeded' };

/** The pre-change snapshot as read: undefined when it does not exist. */
export interface SnapshotState {
  status: string;
  durability?: string;
}

/**
 * Decide what a change in flight needs next, from its lease, the group as read now and (while
 * snapshotting) the pre-change snapshot as read. Pure: no clock, no I/O.
 *
 * @example
 * const step = nextRemediationStep(lease, group, await describeSnapshot(name), new Date());
 * if (step.kind === 'modify') await modify(group);
 */
export function nextRemediationStep(
  lease: RemediationLease,
  group: Resource,
  snapshot: SnapshotState | undefined,
  now: Date,
): RemediationStep {
  const { details } = lease;
  const after = (ms: number) => new Date(now.getTime() + ms);
  switch (details.phase) {
    case 'upgrading':
      return {
        kind: 'report',
        action: REMEDIATION_ACTIONS.inProgress,
        reason: `a staged durability upgrade (${details.rule}) is bringing it to ${details.target}`,
      };
    case 'refused':
      return {
        kind: 'report',
        action: refusalAction(details.from, details.faultCode),
        reason: `ModifyReplicationGroup refused: ${details.fault ?? 'refused'}`,
      };
    case 'failed':
      return {
        kind: 'report',
        action: REMEDIATION_ACTIONS.failed,
        reason: `the change to ${details.target} failed: ${details.fault}`,
      };
    case 'snapshotting': {
      const name = details.snapshotName ?? '';
      if (snapshot === undefined || snapshot.status === 'failed') {
        const fault = `pre-change snapshot ${name} ${snapshot === undefined ? 'is missing' : 'failed'}`;
        return {
          kind: 'fail',
          phase: 'snapshotting',
          fault,
          holdUntil: after(REMEDIATION_TIMINGS.outcomeHoldMs),
        };
      }
      if (snapshot.status !== 'available' || group.status !== 'available' || group.pendingModifications) {
        // The claim lasts as long as the snapshot takes: no later run starts a second one.
        return {
          kind: 'wait-for-snapshot',
          holdUntil: after(changeWindowMs(details)),
          reason: `snapshot ${name} is ${snapshot.status}`,
        };
      }
      return { kind: 'modify', snapshotDurability: snapshot.durability };
    }
    case 'modify-requested': {
      const effective = group.effectiveDurability;
      if (effective !== undefined && compareDurability(effective, details.target) >= 0) {
        return { kind: 'succeeded' };
      }
      const requestedAt = Date.parse(details.requestedAt ?? lease.acquiredAt);
      const settled = now.getTime() - requestedAt > REMEDIATION_TIMINGS.settleMs;
      if (settled && group.status === 'available' && !group.pendingModifications) {
        const fault = `EffectiveDurability is ${effective ?? 'unknown'} after the change to ${details.target} was applied`;
        return {
          kind: 'fail',
          phase: 'modify-requested',
          fault,
          holdUntil: after(REMEDIATION_TIMINGS.outcomeHoldMs),
        };
      }
      return {
        kind: 'report',
        action: REMEDIATION_ACTIONS.inProgress,
        reason: `Durability=${details.target} requested ${details.requestedAt}`,
      };
    }
  }
}
