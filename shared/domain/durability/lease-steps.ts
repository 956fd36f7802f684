/**
 * The lease steps of a durability change in flight: what a remediation lease records, the
 * waits it is judged by, how an API fault is read, and what the next look at the group calls
 * for. Pure; the planner that starts a change is ./remediation.ts, the job that carries the
 * steps out is shared/jobs/durability/run.ts.
 */
import * as z from 'zod';
import { compareDurability, DURABILITY_LEVELS, type DurabilityLevel, type Resource } from '../resource.js';
import { REMEDIATION_ACTIONS, type RemediationAction } from './remediation.js';
import { type SoakInput, soakInputSchema } from './soak.js';

/** What a remediation lease records while a durability change is in flight. */
export interface RemediationDetails {
  /**
   * `modify-sending`: the change is about to be (or was) sent and no answer or read-back has
   * confirmed it yet; `modify-requested`: the service answered, or the group showed the request.
   * `upgrading`: a staged upgrade execution (`rule` names it) holds the group. `soak-starting`:
   * the change took effect and the lease is handed to its soak (`soakExecution`, held by
   * {@link upgradeHolder}), whose Lock step takes it: no moment passes with the group unwatched.
   */
  phase: (typeof REMEDIATION_PHASES)[number];
  replicationGroupId: string;
  rule: string;
  from: DurabilityLevel;
  target: DurabilityLevel;
  applyImmediately: boolean;
  snapshotName?: string;
  snapshotDurability?: string;
  requestedAt?: string;
  /** How many runs have sent the change under this lease: 1, or 2 after the one re-send. */
  sends?: number;
  /** When the latest send began (the phase moved to `modify-sending`). */
  sentAt?: string;
  /** The API's error text of a refusal or failure, as shown to operators. */
  fault?: string;
  /** The API's error name of a refusal (`InvalidParameterCombinationException`, …). */
  faultCode?: string;
  /** `soak-starting`: the soak execution the lease is handed to, and the soak it is started with. */
  soakExecution?: string;
  soak?: SoakInput;
}

export const REMEDIATION_PHASES = [
  'snapshotting',
  'modify-sending',
  'modify-requested',
  'refused',
  'failed',
  'upgrading',
  'soak-starting',
] as const;

/** A remediation lease's details as stored (`lease#<account>#<region>` / `durability#<arn>`). */
export const remediationDetailsSchema: z.ZodType<RemediationDetails> = z.object({
  phase: z.enum(REMEDIATION_PHASES),
  replicationGroupId: z.string(),
  rule: z.string(),
  from: z.enum(DURABILITY_LEVELS),
  target: z.enum(DURABILITY_LEVELS),
  applyImmediately: z.boolean(),
  snapshotName: z.string().optional(),
  snapshotDurability: z.string().optional(),
  requestedAt: z.string().optional(),
  sends: z.number().int().positive().optional(),
  sentAt: z.string().optional(),
  fault: z.string().optional(),
  faultCode: z.string().optional(),
  soakExecution: z.string().optional(),
  soak: soakInputSchema.optional(),
});

/** Who holds the durability lease for a durability-upgrade execution (its Lock step, a soak handed it). */
export const upgradeHolder = (execution: string) => `upgrade/${execution}`;

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
  /** The snapshot is ready: the lease moves to `modify-sending` and the change is sent. */
  | { kind: 'modify'; snapshotDurability?: string }
  /** The group shows the request whose answer was lost: the lease moves to `modify-requested`. */
  | { kind: 'confirm' }
  /** The service never got the change: it is sent once more under the same lease. */
  | { kind: 'resend' }
  /** The service never got the change, re-sent or not: the lease is released, nothing was changed. */
  | { kind: 'not-sent'; reason: string }
  /** The group shows the target: the lease goes to its soak (or is released) and success is announced. */
  | { kind: 'succeeded' }
  /** The lease waits for its soak (`soak-starting`): the soak is started (again, under the same name). */
  | { kind: 'start-soak' };

/** The pre-change snapshot as read: undefined when it does not exist (or, for a lease without its name, none was found). */
export interface SnapshotState {
  name?: string;
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
    case 'soak-starting':
      return { kind: 'start-soak' };
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
      // A lease an older version left without the snapshot's name, and no snapshot of ours of
      // the group started since: nothing was sent, and nothing holds the next run back.
      if (!details.snapshotName && snapshot === undefined)
        return {
          kind: 'not-sent',
          reason: `the change to ${details.target} recorded no snapshot name and no snapshot of ours of ${group.id} started since ${lease.acquiredAt}: nothing was changed; a later run starts it again`,
        };
      const name = details.snapshotName || (snapshot?.name ?? '');
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
    case 'modify-sending':
    case 'modify-requested':
      return verifyChange(lease, group, now);
  }
}

/** The most runs that send one change under one lease: the first send and one re-send. */
const MAX_SENDS = 2;

/**
 * Judge a change sent (or about to be sent) against what the group shows: `EffectiveDurability`
 * at the target is success; the group asking for the target (`Durability`) means the service has
 * the request; a group that asks for something else once the sender has had time never got it.
 * "Applied" is said only of a request the group shows.
 */
function verifyChange(lease: RemediationLease, group: Resource, now: Date): RemediationStep {
  const { details } = lease;
  const effective = group.effectiveDurability;
  if (effective !== undefined && compareDurability(effective, details.target) >= 0) {
    return { kind: 'succeeded' };
  }
  const sentAt = details.sentAt ?? details.requestedAt ?? lease.acquiredAt;
  const settled = now.getTime() - Date.parse(sentAt) > REMEDIATION_TIMINGS.settleMs;
  const request = `ModifyReplicationGroup(Durability=${details.target})`;
  if (group.durability !== details.target) {
    const inProgress = {
      kind: 'report',
      action: REMEDIATION_ACTIONS.inProgress,
      reason: `${request} sent ${sentAt}; the group does not show it yet`,
    } as const;
    if (!settled || group.status !== 'available' || group.pendingModifications) return inProgress;
    const sends = details.sends ?? 1;
    if (sends < MAX_SENDS) return { kind: 'resend' };
    return {
      kind: 'not-sent',
      reason: `${request} did not reach the service: after ${sends} sends whose answers were lost the group still asks for Durability=${group.durability ?? 'unknown'}; nothing was changed, and the next run starts the change again`,
    };
  }
  if (details.phase === 'modify-sending') return { kind: 'confirm' };
  if (settled && details.applyImmediately && group.status === 'available' && !group.pendingModifications) {
    return {
      kind: 'fail',
      phase: 'modify-requested',
      fault: `the group asks for Durability=${details.target} (requested ${sentAt}) but EffectiveDurability is ${effective ?? 'unknown'} after the change applied`,
      holdUntil: new Date(now.getTime() + REMEDIATION_TIMINGS.outcomeHoldMs),
    };
  }
  return {
    kind: 'report',
    action: REMEDIATION_ACTIONS.inProgress,
    reason: `Durability=${details.target} requested ${sentAt}${details.applyImmediately ? '' : ', applied in the maintenance window'}`,
  };
}
