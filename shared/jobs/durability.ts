/**
 * Job 1, durability enforcement: read the fleet (or one group), evaluate, plan under the
 * guards, carry out at most the per-run cap of changes exactly once (leases), verify the
 * changes in flight, store findings and emit events. Shared by the scheduled scan, the
 * EventBridge reaction and the CLI.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { FleetClients } from '../aws/clients.js';
import { readDurabilityHealth } from '../aws/durability-metrics.js';
import { readEngineVersions, readFleet, readReplicationGroup, setDurability } from '../aws/elasticache.js';
import { AwsCallError } from '../aws/errors.js';
import { DETAIL_TYPES, type EventPublisher, type OutgoingEvent } from '../aws/notify.js';
import { MAX_DELAY_SECONDS } from '../aws/recheck-queue.js';
import { createSnapshot, describeSnapshot } from '../aws/snapshots.js';
import type { Lease, StateStore } from '../aws/state-store.js';
import { checksDeclaring } from '../domain/checks/registry.js';
import { evaluate, type Summary, summarize } from '../domain/evaluate.js';
import type { Finding } from '../domain/finding.js';
import type { Policy } from '../domain/policy/schema.js';
import {
  coveredBy,
  type DurabilityChange,
  planDurabilityRemediation,
  REMEDIATION_ACTIONS,
  type RemediationAction,
} from '../domain/remediation.js';
import { compareDurability, type DurabilityLevel, type Resource } from '../domain/resource.js';
import { mapConcurrent } from '../runtime/concurrency.js';

export interface DurabilityJobDeps {
  clients: FleetClients;
  cloudwatch: CloudWatchClient;
  store: StateStore;
  events: EventPublisher;
  logger: Logger;
  /** Who acts, written on leases (function name and request id, or `cli`). */
  holder: string;
  now?: () => Date;
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

/** What a remediation lease records while the change is in flight. */
interface RemediationDetails {
  phase: 'snapshotting' | 'modify-requested' | 'refused' | 'failed';
  replicationGroupId: string;
  rule: string;
  from: DurabilityLevel;
  target: DurabilityLevel;
  applyImmediately: boolean;
  snapshotName?: string;
  snapshotDurability?: string;
  requestedAt?: string;
  fault?: string;
}

const LEASE_PREFIX = 'durability#';
const HOUR_MS = 3_600_000;
/** How long a change may take before it is declared failed, by whether it waits for maintenance. */
const CHANGE_WINDOW_MS = { immediate: 6 * HOUR_MS, maintenance: 8 * 24 * HOUR_MS };
const changeWindow = (details: Pick<RemediationDetails, 'applyImmediately'>) =>
  details.applyImmediately ? CHANGE_WINDOW_MS.immediate : CHANGE_WINDOW_MS.maintenance;
/** A refused or failed change is not tried again before this, so nothing retries in a loop. */
const OUTCOME_HOLD_MS = 24 * HOUR_MS;
/** Time the service may take to show a requested change in the group's status. */
const SETTLE_MS = 5 * 60_000;
/** API answers that are final for a run: the request itself is wrong for this group. */
const REFUSALS = new Set([
  'InvalidParameterCombinationException',
  'InvalidParameterValueException',
  'InvalidReplicationGroupStateFault',
]);

/** One lease per group: whatever rules ask for, a group gets one change at a time. */
const leaseKey = (arn: string) => `${LEASE_PREFIX}${arn}`;
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
  readonly #deps: DurabilityJobDeps;
  readonly now: Date;

  constructor(deps: DurabilityJobDeps) {
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
    const key = leaseKey(finding.arn);
    const details: RemediationDetails = {
      phase: change.snapshotBeforeChange ? 'snapshotting' : 'modify-requested',
      replicationGroupId: resource.id,
      rule: finding.rule,
      from: resource.effectiveDurability ?? 'disabled',
      target,
      applyImmediately: change.applyImmediately,
    };
    if (
      !(await this.#deps.store.acquireLease(
        key,
        this.#deps.holder,
        this.#after(changeWindow(details)),
        this.now,
        details,
      ))
    ) {
      return note(finding, REMEDIATION_ACTIONS.inProgress, 'another run is making this change');
    }
    if (!change.snapshotBeforeChange) return this.#modify(finding, resource, key, details);
    const snapshotName = `guardrails-${resource.id}-${this.now
      .toISOString()
      .replace(/[^0-9]/g, '')
      .slice(0, 14)}`;
    try {
      const snapshot = await createSnapshot(
        this.#deps.clients.elasticache,
        resource.id,
        snapshotName,
        `before Durability=${target}`,
      );
      await this.#deps.store.updateLease(key, { phase: 'snapshotting' }, { snapshotName: snapshot.name });
    } catch (error) {
      await this.#deps.store.releaseLease(key);
      return this.#failedCall(finding, error);
    }
    this.#emit(DETAIL_TYPES.remediationStarted, finding, { target, snapshotName });
    return note(
      finding,
      REMEDIATION_ACTIONS.snapshotStarted,
      `snapshot ${snapshotName} started; Durability=${target} follows once it is available`,
    );
  }

  async #modify(
    finding: Finding,
    resource: Resource,
    key: string,
    details: RemediationDetails,
  ): Promise<Finding> {
    let answer: 'answered' | 'confirmed' | 'unknown';
    try {
      answer = await setDurability(
        this.#deps.clients.elasticache,
        resource.id,
        details.target,
        details.applyImmediately,
      );
    } catch (error) {
      if (error instanceof AwsCallError && error.fault === 'OutcomeUnknownError') {
        // Neither an answer nor the change in a read-back: the change may still show up, so
        // it stays claimed and a later run verifies it; nothing sends it again before that.
        answer = 'unknown';
      } else if (error instanceof AwsCallError && REFUSALS.has(error.fault)) {
        await this.#deps.store.updateLease(
          key,
          {},
          { phase: 'refused', fault: error.message },
          this.#after(OUTCOME_HOLD_MS),
        );
        const refused = this.#refusal(finding, details.from, error.message);
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

  /** A refusal to turn durability on from `disabled` is the older rule: only a rebuild helps. */
  #refusal(finding: Finding, from: DurabilityLevel, fault: string): Finding {
    const rebuild = from === 'disabled' && fault.includes('InvalidParameterCombination');
    return note(
      finding,
      rebuild ? REMEDIATION_ACTIONS.needsRebuild : REMEDIATION_ACTIONS.refused,
      `ModifyReplicationGroup refused: ${fault}`,
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

  /** Move a change in flight on: snapshot ready → modify; modify applied → verify. */
  async continue(finding: Finding, resource: Resource, lease: Lease<RemediationDetails>): Promise<Finding> {
    const { details } = lease;
    const store = this.#deps.store;
    switch (details.phase) {
      case 'refused':
        return this.#refusal(finding, details.from, details.fault ?? 'refused');
      case 'failed':
        return note(
          finding,
          REMEDIATION_ACTIONS.failed,
          `the change to ${details.target} failed: ${details.fault}`,
        );
      case 'snapshotting': {
        const name = details.snapshotName ?? '';
        const snapshot = await describeSnapshot(this.#deps.clients.elasticache, name);
        if (snapshot === undefined || snapshot.status === 'failed') {
          const fault = `pre-change snapshot ${name} ${snapshot === undefined ? 'is missing' : 'failed'}`;
          await store.updateLease(
            lease.key,
            { phase: 'snapshotting' },
            { phase: 'failed', fault },
            this.#after(OUTCOME_HOLD_MS),
          );
          this.#emit(DETAIL_TYPES.remediationFailed, finding, { target: details.target, fault });
          return note(finding, REMEDIATION_ACTIONS.failed, fault);
        }
        if (
          snapshot.status !== 'available' ||
          resource.status !== 'available' ||
          resource.pendingModifications
        ) {
          // The claim lasts as long as the snapshot takes: no later run starts a second one.
          await store.updateLease(
            lease.key,
            { phase: 'snapshotting' },
            {},
            this.#after(changeWindow(details)),
          );
          return note(
            finding,
            REMEDIATION_ACTIONS.waitingForSnapshot,
            `snapshot ${name} is ${snapshot.status}`,
          );
        }
        const moved = await store.updateLease(
          lease.key,
          { phase: 'snapshotting' },
          { phase: 'modify-requested', snapshotDurability: snapshot.durability },
        );
        if (!moved) return note(finding, REMEDIATION_ACTIONS.inProgress, 'another run is making this change');
        return this.#modify(finding, resource, lease.key, details);
      }
      case 'modify-requested': {
        const effective = resource.effectiveDurability;
        if (effective !== undefined && compareDurability(effective, details.target) >= 0) {
          await store.releaseLease(lease.key);
          this.#emit(DETAIL_TYPES.remediationSucceeded, finding, {
            target: details.target,
            from: details.from,
            snapshotName: details.snapshotName,
          });
          return finding;
        }
        const requestedAt = Date.parse(details.requestedAt ?? lease.acquiredAt);
        const settled = this.now.getTime() - requestedAt > SETTLE_MS;
        if (settled && resource.status === 'available' && !resource.pendingModifications) {
          const fault = `EffectiveDurability is ${effective ?? 'unknown'} after the change to ${details.target} was applied`;
          await store.updateLease(
            lease.key,
            { phase: 'modify-requested' },
            { phase: 'failed', fault },
            this.#after(OUTCOME_HOLD_MS),
          );
          this.#emit(DETAIL_TYPES.remediationFailed, finding, { target: details.target, fault });
          return note(finding, REMEDIATION_ACTIONS.failed, fault);
        }
        return note(
          finding,
          REMEDIATION_ACTIONS.inProgress,
          `Durability=${details.target} requested ${details.requestedAt}`,
        );
      }
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

/**
 * Fill in what evaluation needs beyond the describe answers: versions of violating Valkey
 * groups, read in pages. Returns, per ARN, the failure of a group whose version could not be
 * read: that group's findings end as `error`, and the run goes on with the others.
 */
async function readEngineVersionsInto(
  deps: DurabilityJobDeps,
  candidates: Resource[],
): Promise<Map<string, AwsCallError>> {
  // One entry per group, however many rules it violates (a reaction's one group is one call).
  const wanted = [...new Set(candidates)].filter((resource) => resource.engineVersion === undefined);
  const { versions, error } = await readEngineVersions(deps.clients.elasticache, wanted);
  const failures = new Map<string, AwsCallError>();
  for (const resource of wanted) {
    resource.engineVersion = versions.get(resource.id);
    if (resource.engineVersion === undefined && error !== undefined) failures.set(resource.arn, error);
  }
  return failures;
}

/** Attach DurabilityLag and buffer errors to the durable groups: one batched read. */
async function readHealth(deps: DurabilityJobDeps, groups: readonly Resource[], now: Date): Promise<void> {
  const durable = groups.filter(
    (group) => group.effectiveDurability === 'sync' || group.effectiveDurability === 'async',
  );
  if (durable.length === 0) return;
  let health: Awaited<ReturnType<typeof readDurabilityHealth>>;
  try {
    health = await readDurabilityHealth(
      deps.cloudwatch,
      durable.map((group) => group.id),
      now,
    );
  } catch (error) {
    // Lag is a health signal, not a guard: without it the run goes on and says so.
    if (!(error instanceof AwsCallError)) throw error;
    deps.logger.warn('DurabilityLag could not be read; lag is not checked in this run', {
      error: error.message,
    });
    return;
  }
  for (const group of durable) {
    group.durabilityLagMs = health.get(group.id)?.lagMs;
    group.durabilityBufferExceeded = health.get(group.id)?.bufferExceeded;
  }
}

/** Evaluate every check on `resources`, remediate what a remediation hook covers, store and emit for all. */
async function enforce(
  resources: Resource[],
  deps: DurabilityJobDeps,
  settings: DurabilityJobSettings,
): Promise<DurabilityReport> {
  const run = new EnforcementRun(deps);
  await readHealth(deps, resources, run.now);
  const findings = evaluate(resources, settings.policy, run.now);
  const remediable = findings.filter((finding) => REMEDIATED.has(finding.check));
  const byArn = new Map(resources.map((resource) => [resource.arn, resource]));
  const leases = new Map(
    (await deps.store.listLeases<RemediationDetails>(LEASE_PREFIX, run.now)).map((lease) => [
      lease.key,
      lease,
    ]),
  );
  const open = remediable.filter((finding) => !leases.has(leaseKey(finding.arn)));
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
    if (leases.has(leaseKey(finding.arn)))
      inFlight.set(finding.arn, [...(inFlight.get(finding.arn) ?? []), finding]);
  }
  await mapConcurrent([...inFlight], 4, async ([arn, list]) => {
    const lease = leases.get(leaseKey(arn));
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
  deps: DurabilityJobDeps,
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
const FIRST_RECHECK_SECONDS = 60;

/**
 * When a reaction should look at the group again (seconds, doubling per attempt up to SQS's
 * 15 minutes), or undefined when it is settled or `maxRechecks` is used up.
 */
export function recheckDelay(
  result: { status: string; report?: DurabilityReport },
  attempt: number,
  maxRechecks: number,
): number | undefined {
  if (attempt >= maxRechecks || !awaitingChange(result)) return undefined;
  return Math.min(MAX_DELAY_SECONDS, FIRST_RECHECK_SECONDS * 2 ** attempt);
}

/** Whether a checked group is still changing (or a change of ours is in flight), so a later look may differ. */
export function awaitingChange(result: { status: string; report?: DurabilityReport }): boolean {
  return (
    TRANSIENT_STATUSES.has(result.status) ||
    (result.report?.findings ?? []).some(
      (finding) => finding.action !== null && WAITING_ACTIONS.has(finding.action),
    )
  );
}
