/**
 * Job 1, durability enforcement: read the fleet (or one group), evaluate, plan under the
 * guards, carry out at most the per-run cap of changes exactly once (leases), verify the
 * changes in flight, store findings and emit events. Shared by the scheduled scan, the
 * EventBridge reaction and the CLI.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { FleetClients } from '../aws/clients.js';
import { readFleet, readReplicationGroup, setDurability } from '../aws/elasticache.js';
import { AwsCallError } from '../aws/errors.js';
import { DETAIL_TYPES, type EventPublisher, type OutgoingEvent } from '../aws/notify.js';
import { createSnapshot, describeSnapshot } from '../aws/snapshots.js';
import { durabilityLeaseKey, LEASE_PREFIXES, remediationDetailsSchema } from '../aws/state-keys.js';
import type { Lease, StateStore } from '../aws/state-store.js';
import { checksDeclaring } from '../domain/checks/registry.js';
import { evaluate, type Summary, summarize } from '../domain/evaluate.js';
import type { Finding } from '../domain/finding.js';
import type { Policy } from '../domain/policy/schema.js';
import {
  changeWindowMs,
  coveredBy,
  type DurabilityChange,
  modifyFailure,
  nextRemediationStep,
  planDurabilityRemediation,
  REMEDIATION_ACTIONS,
  REMEDIATION_TIMINGS,
  type RemediationAction,
  type RemediationDetails,
  refusalAction,
} from '../domain/remediation.js';
import type { Resource } from '../domain/resource.js';
import { snapshotName } from '../domain/snapshot-name.js';
import { mapConcurrent } from '../runtime/concurrency.js';
import { readEngineVersionsInto, readHealth } from './durability-inputs.js';

/** What checking groups needs; a fleet scan needs the tagging client too ({@link DurabilityJobDeps}). */
export interface GroupCheckDeps {
  clients: Pick<FleetClients, 'elasticache'>;
  cloudwatch: CloudWatchClient;
  store: StateStore;
  events: EventPublisher;
  logger: Logger;
  /** Who acts, written on leases (function name and request id, or `cli`). */
  holder: string;
  now?: () => Date;
}

/** The durability job's dependencies for a fleet scan. */
export interface DurabilityJobDeps extends GroupCheckDeps {
  clients: FleetClients;
}

export interface DurabilityJobSettings {
  policy: Policy;
  /** The deployment's global switch; true changes nothing whatever the rules say. */
  dryRun: boolean;
}

export interface DurabilityReport {
  findings: Finding[];
  summary: Summary;
  /** How many findings ended with each action. */
  actions: Partial<Record<RemediationAction, number>>;
  events: number;
}

/** A finding's identity within a run. */
const findingKey = (finding: Pick<Finding, 'arn' | 'rule' | 'check'>) =>
  `${finding.arn}#${finding.rule}#${finding.check}`;
/** The checks whose violations this job remediates (hook `remediation: set-durability`). */
const REMEDIATED = checksDeclaring('remediation', 'set-durability');
const note = (finding: Finding, action: RemediationAction | null, text: string): Finding => ({
  ...finding,
  action,
  reason: `${finding.reason}; ${text}`,
});

/** Actions that mean "nothing was done": an event says so once, when the action changes. */
const SKIPPED: ReadonlySet<string> = new Set([
  REMEDIATION_ACTIONS.blocked,
  REMEDIATION_ACTIONS.needsRebuild,
  REMEDIATION_ACTIONS.wouldModify,
  REMEDIATION_ACTIONS.deferred,
]);

/** One run's work: the events it emits and the leases it touches. */
class EnforcementRun {
  readonly events: OutgoingEvent[] = [];
  readonly #deps: GroupCheckDeps;
  readonly now: Date;

  constructor(deps: GroupCheckDeps) {
    this.#deps = deps;
    this.now = deps.now?.() ?? new Date();
  }

  #emit(detailType: OutgoingEvent['detailType'], finding: Finding, extra: object = {}): void {
    this.events.push({ detailType, detail: { finding, ...extra }, resources: [finding.arn] });
  }

  #after(ms: number): Date {
    return new Date(this.now.getTime() + ms);
  }

  /** Claim the change and make it (or start its snapshot); at most one caller gets here per change. */
  async start(change: DurabilityChange): Promise<Finding> {
    const { finding, resource, target } = change;
    const key = durabilityLeaseKey(finding.arn);
    const details: RemediationDetails = {
      phase: change.snapshotBeforeChange ? 'snapshotting' : 'modify-requested',
      replicationGroupId: resource.id,
      rule: finding.rule,
      from: resource.effectiveDurability ?? 'disabled',
      target,
      applyImmediately: change.applyImmediately,
    };
    const until = this.#after(changeWindowMs(details));
    if (!(await this.#deps.store.acquireLease(key, this.#deps.holder, until, this.now, details)))
      return note(finding, REMEDIATION_ACTIONS.inProgress, 'another run is making this change');
    if (!change.snapshotBeforeChange) return this.#modify(finding, resource, key, details);
    const name = snapshotName(resource.id, this.now);
    try {
      const snapshot = await createSnapshot(
        this.#deps.clients.elasticache,
        resource.id,
        name,
        `before Durability=${target}`,
      );
      await this.#deps.store.updateLease(key, { phase: 'snapshotting' }, { snapshotName: snapshot.name });
    } catch (error) {
      await this.#deps.store.releaseLease(key);
      return this.#failedCall(finding, error);
    }
    this.#emit(DETAIL_TYPES.remediationStarted, finding, { target, snapshotName: name });
    return note(
      finding,
      REMEDIATION_ACTIONS.snapshotStarted,
      `snapshot ${name} started; Durability=${target} follows once it is available`,
    );
  }

  async #modify(finding: Finding, resource: Resource, key: string, details: RemediationDetails) {
    const { target, applyImmediately } = details;
    let answer: 'answered' | 'confirmed' | 'unknown';
    try {
      answer = await setDurability(this.#deps.clients.elasticache, resource.id, target, applyImmediately);
    } catch (error) {
      const failure = error instanceof AwsCallError ? modifyFailure(error.fault) : 'error';
      if (failure === 'unknown') {
        // Neither an answer nor the change in a read-back: the change may still show up, so
        // it stays claimed and a later run verifies it; nothing sends it again before that.
        answer = 'unknown';
      } else if (failure === 'refused' && error instanceof AwsCallError) {
        await this.#deps.store.updateLease(
          key,
          {},
          { phase: 'refused', fault: error.message, faultCode: error.fault },
          this.#after(REMEDIATION_TIMINGS.outcomeHoldMs),
        );
        const refused = note(
          finding,
          refusalAction(details.from, error.fault),
          `ModifyReplicationGroup refused: ${error.message}`,
        );
        this.#emit(DETAIL_TYPES.remediationFailed, refused, { target: details.target, fault: error.fault });
        return refused;
      } else {
        await this.#deps.store.releaseLease(key);
        return this.#failedCall(finding, error);
      }
    }
    await this.#deps.store.updateLease(
      key,
      {},
      { phase: 'modify-requested', requestedAt: this.now.toISOString() },
    );
    if (details.snapshotName === undefined) {
      this.#emit(DETAIL_TYPES.remediationStarted, finding, { target: details.target });
    }
    const request = `ModifyReplicationGroup(Durability=${details.target}, ApplyImmediately=${details.applyImmediately})`;
    if (answer === 'unknown')
      return note(
        finding,
        REMEDIATION_ACTIONS.inProgress,
        `${request}: the answer was lost and the group does not show the change yet; a later run verifies it`,
      );
    return note(
      finding,
      REMEDIATION_ACTIONS.modifyRequested,
      answer === 'confirmed'
        ? `${request} requested (its answer was lost; the group read back shows the change)`
        : `${request} requested`,
    );
  }

  #failedCall(finding: Finding, error: unknown): Finding {
    if (!(error instanceof AwsCallError)) throw error;
    this.#deps.logger.warn('remediation call failed', {
      resourceId: finding.resourceId,
      error: error.message,
    });
    return { ...finding, status: 'error', action: null, reason: `${finding.reason}; ${error.message}` };
  }

  /** Move a change in flight on, as {@link nextRemediationStep} decides. */
  async continue(finding: Finding, resource: Resource, lease: Lease<RemediationDetails>): Promise<Finding> {
    const { details } = lease;
    const store = this.#deps.store;
    const snapshot =
      details.phase === 'snapshotting'
        ? await describeSnapshot(this.#deps.clients.elasticache, details.snapshotName ?? '')
        : undefined;
    const step = nextRemediationStep(lease, resource, snapshot, this.now);
    switch (step.kind) {
      case 'report':
        return note(finding, step.action, step.reason);
      case 'fail':
        await store.updateLease(
          lease.key,
          { phase: step.phase },
          { phase: 'failed', fault: step.fault },
          step.holdUntil,
        );
        this.#emit(DETAIL_TYPES.remediationFailed, finding, { target: details.target, fault: step.fault });
        return note(finding, REMEDIATION_ACTIONS.failed, step.fault);
      case 'wait-for-snapshot':
        await store.updateLease(lease.key, { phase: 'snapshotting' }, {}, step.holdUntil);
        return note(finding, REMEDIATION_ACTIONS.waitingForSnapshot, step.reason);
      case 'modify': {
        const moved = await store.updateLease(
          lease.key,
          { phase: 'snapshotting' },
          { phase: 'modify-requested', snapshotDurability: step.snapshotDurability },
        );
        if (!moved) return note(finding, REMEDIATION_ACTIONS.inProgress, 'another run is making this change');
        return this.#modify(finding, resource, lease.key, details);
      }
      case 'succeeded':
        await store.releaseLease(lease.key);
        this.#emit(DETAIL_TYPES.remediationSucceeded, finding, {
          target: details.target,
          from: details.from,
          snapshotName: details.snapshotName,
        });
        return finding;
    }
  }

  /** Store every finding, of every check, and emit the events that a change of status or action calls for. */
  async record(findings: readonly Finding[]): Promise<void> {
    const previous = await mapConcurrent(findings, 16, (finding) =>
      this.#deps.store.recordFinding(finding, this.now),
    );
    findings.forEach((finding, index) => {
      const before = previous[index];
      if (finding.status === 'violation' && before?.status !== 'violation') {
        this.#emit(DETAIL_TYPES.policyViolation, finding);
      }
      if (
        finding.action !== null &&
        SKIPPED.has(finding.action) &&
        before?.finding.action !== finding.action
      ) {
        this.#emit(DETAIL_TYPES.remediationSkipped, finding);
      }
    });
  }
}

/** Evaluate every check on `resources`, remediate what a remediation hook covers, store and emit for all. */
async function enforce(
  resources: Resource[],
  deps: GroupCheckDeps,
  settings: DurabilityJobSettings,
): Promise<DurabilityReport> {
  const run = new EnforcementRun(deps);
  await readHealth(deps, resources, run.now);
  const findings = evaluate(resources, settings.policy, run.now);
  const remediable = findings.filter((finding) => REMEDIATED.has(finding.check));
  const byArn = new Map(resources.map((resource) => [resource.arn, resource]));
  const leases = new Map(
    (await deps.store.listLeases(LEASE_PREFIXES.durability, run.now, remediationDetailsSchema)).map(
      (lease) => [lease.key, lease],
    ),
  );
  const open = remediable.filter((finding) => !leases.has(durabilityLeaseKey(finding.arn)));
  const unreadable = await readEngineVersionsInto(
    deps,
    open
      .filter((finding) => finding.status === 'violation')
      .map((finding) => byArn.get(finding.arn))
      .filter((group): group is Resource => group?.engine === 'valkey'),
  );
  const plan = planDurabilityRemediation(
    open.filter((finding) => !unreadable.has(finding.arn)),
    byArn,
    settings.policy,
    { dryRun: settings.dryRun },
  );
  const outcome = new Map(plan.findings.map((finding) => [findingKey(finding), finding]));
  for (const finding of open) {
    const error = unreadable.get(finding.arn);
    if (error !== undefined)
      outcome.set(findingKey(finding), {
        ...finding,
        status: 'error',
        action: null,
        reason: `${finding.reason}; the engine version could not be read: ${error.message}`,
      });
  }
  /** The lead finding's outcome, and the same for the group's other violations. */
  const settle = (lead: Finding, result: Finding, others: readonly Finding[]) => {
    outcome.set(findingKey(lead), result);
    for (const other of others) outcome.set(findingKey(other), coveredBy(other, result));
  };
  await mapConcurrent(plan.changes, 4, async (change) => {
    settle(change.finding, await run.start(change), change.covers);
  });
  const inFlight = new Map<string, Finding[]>();
  for (const finding of remediable) {
    if (leases.has(durabilityLeaseKey(finding.arn)))
      inFlight.set(finding.arn, [...(inFlight.get(finding.arn) ?? []), finding]);
  }
  await mapConcurrent([...inFlight], 4, async ([arn, list]) => {
    const lease = leases.get(durabilityLeaseKey(arn));
    const group = byArn.get(arn);
    const lead = list.find((finding) => finding.rule === lease?.details.rule) ?? list[0];
    if (lease === undefined || group === undefined || lead === undefined) return;
    const others = list.filter((finding) => finding !== lead && finding.status === 'violation');
    settle(lead, await run.continue(lead, group, lease), others);
  });
  const final = findings.map((finding) => outcome.get(findingKey(finding)) ?? finding);
  await run.record(final);
  await deps.events.publish(run.events);
  const actions: DurabilityReport['actions'] = {};
  for (const finding of final) {
    if (finding.action !== null)
      actions[finding.action as RemediationAction] = (actions[finding.action as RemediationAction] ?? 0) + 1;
  }
  return { findings: final, summary: summarize(final), actions, events: run.events.length };
}

/**
 * The scheduled scan: the whole fleet against every check of the policy; findings are stored
 * and new violations emitted for every check, and durability violations remediated.
 *
 * @example
 * const report = await scanDurability(deps, { policy, dryRun: true });
 */
export async function scanDurability(
  deps: DurabilityJobDeps,
  settings: DurabilityJobSettings,
): Promise<DurabilityReport> {
  return enforce(await readFleet(deps.clients), deps, settings);
}

/**
 * Evaluate (and, in enforce mode, remediate) one group, as a reaction to an event. The
 * group's status is returned so the caller can re-check later while it is changing.
 */
export async function checkGroup(
  deps: GroupCheckDeps,
  settings: DurabilityJobSettings,
  replicationGroupId: string,
): Promise<{ status: string; report?: DurabilityReport }> {
  const group = await readReplicationGroup(deps.clients.elasticache, replicationGroupId);
  if (group === undefined) return { status: 'deleted' };
  return { status: group.status, report: await enforce([group], deps, settings) };
}

/** Group statuses that end on their own; a reaction looks again once they have. */
const TRANSIENT_STATUSES = new Set(['creating', 'modifying', 'snapshotting']);
/** Actions that wait for something the next look may find done. */
const WAITING_ACTIONS: ReadonlySet<string> = new Set([
  REMEDIATION_ACTIONS.snapshotStarted,
  REMEDIATION_ACTIONS.waitingForSnapshot,
  REMEDIATION_ACTIONS.modifyRequested,
  REMEDIATION_ACTIONS.inProgress,
]);
/** Whether a checked group is still changing (or a change of ours is in flight), so a later look may differ. */
export function awaitingChange(result: { status: string; report?: DurabilityReport }): boolean {
  return (
    TRANSIENT_STATUSES.has(result.status) ||
    (result.report?.findings ?? []).some(
      (finding) => finding.action !== null && WAITING_ACTIONS.has(finding.action),
    )
  );
}
