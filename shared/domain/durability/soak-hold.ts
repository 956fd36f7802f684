/**
 * The hold after a step back: a soak that stepped a group back from sync to async answered the
 * question "does this workload take sync?" with no. A rule that wants sync would raise the group
 * again on the next run, the next soak would step it back, and so on every scan: the job holds
 * the group instead, until an operator releases it (`guardrails upgrade release`) or the rule's
 * target or soak changes (a new decision). Pure.
 */
import type { DurabilityLevel } from '../resource.js';
import type { SoakInput } from './soak.js';
import type { SoakRun } from './soak-series.js';

/** The decision a rule would make again: its name, the durability it sets and its soak. */
export interface RuleDecision {
  rule: string;
  target: DurabilityLevel;
  soak: SoakInput | undefined;
}

const sameSoak = (a: SoakInput | undefined, b: SoakInput | undefined) =>
  a !== undefined &&
  b !== undefined &&
  a.windowSeconds === b.windowSeconds &&
  a.onBreach === b.onBreach &&
  a.unattended === b.unattended &&
  a.lookSeconds === b.lookSeconds &&
  a.maxWriteLatencyMs === b.maxWriteLatencyMs;

/**
 * Why `decision` may not raise the group `run` stepped back, or undefined when it may: the run
 * stepped back, nobody released it, and it soaked the same target under the same soak (and the
 * same rule, when the run names one).
 *
 * @example
 * soakHold(lastSoak, { rule: 'durable', target: 'sync', soak: ruleSoak(policy, 'durable') });
 * // 'held: soak orders-soak-20261125100000000 stepped orders back to async at …'
 */
export function soakHold(run: SoakRun | undefined, decision: RuleDecision): string | undefined {
  if (run === undefined || run.soak.outcome !== 'stepped-back' || run.released !== undefined)
    return undefined;
  if (run.target !== decision.target || !sameSoak(run.soakInput, decision.soak)) return undefined;
  if (run.rule !== undefined && run.rule !== decision.rule) return undefined;
  const { soak } = run;
  const numbers =
    soak.reasons === undefined || soak.reasons.length === 0 ? '' : ` (${soak.reasons.join('; ')})`;
  const when = soak.steppedBackAt ?? soak.lookedAt ?? 'an unknown time';
  return `held: soak ${run.execution} stepped ${run.replicationGroupId} back to async at ${when}${numbers}; raising it to ${decision.target} again would breach again on every scan: release it with guardrails upgrade release ${run.replicationGroupId} --reason <why>, or change the rule's target or soak`;
}

/**
 * Whether any of the rules of `decisions` can be held: only a soak that steps back does so, so
 * a run whose rules only alert reads no soak record.
 */
export const mayBeHeld = (decisions: Iterable<Pick<RuleDecision, 'soak'>>) =>
  [...decisions].some((decision) => decision.soak?.onBreach === 'step-back');
