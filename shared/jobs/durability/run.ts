/**
 * One durability run's work on the groups it changes: leases, the pre-change snapshot, the
 * standalone Durability change or the start of a staged upgrade, and the events of each step.
 */
import { setDurability } from '../../aws/elasticache.js';
import { AwsCallError } from '../../aws/errors.js';
import type { FindingOutbox } from '../../aws/finding-store.js';
import { DETAIL_TYPES, type DetailType, eventId, type PendingEvent } from '../../aws/notify.js';
import {
  createSnapshot,
  describeSnapshot,
  findOurSnapshotSince,
  type SnapshotRecord,
} from '../../aws/snapshots.js';
import { durabilityLeaseKey, findingKey, type StoredFinding } from '../../aws/state-keys.js';
import type { Lease } from '../../aws/state-store.js';
import { nameTaken } from '../../aws/upgrade-starter.js';
import { severityOf } from '../../domain/checks/registry.js';
import {
  changeWindowMs,
  modifyFailure,
  nextRemediationStep,
  REMEDIATION_TIMINGS,
  type RemediationDetails,
  refusalAction,
} from '../../domain/durability/lease-steps.js';
import {
  type DurabilityChange,
  REMEDIATION_ACTIONS,
  type RemediationAction,
} from '../../domain/durability/remediation.js';
import type { SoakInput } from '../../domain/durability/soak.js';
import type { Finding } from '../../domain/finding.js';
import type { Resource } from '../../domain/resource.js';
import { snapshotName } from '../../domain/snapshot-name.js';
import { mapConcurrent } from '../../runtime/concurrency.js';
import { closeChange, watchInPlaceChange } from './in-place-soak.js';
import type { GroupCheckDeps, GuardedRequest } from './ports.js';

const note = (finding: Finding, action: RemediationAction | null, text: string): Finding => ({
  ...finding,
  action,
  reason: `${finding.reason}; ${text}`,
});

/** What a run needs of a lease it acts under: which one, and whose, to release it only if still so. */
type LeaseRef = Pick<Lease, 'key' | 'holder' | 'acquiredAt'>;

/** Actions that mean "nothing was done": an event says so once, when the action changes. */
const SKIPPED: ReadonlySet<string> = new Set([
  REMEDIATION_ACTIONS.notSent,
  REMEDIATION_ACTIONS.blocked,
  REMEDIATION_ACTIONS.needsRebuild,
  REMEDIATION_ACTIONS.wouldModify,
  REMEDIATION_ACTIONS.deferred,
  REMEDIATION_ACTIONS.held,
]);

/** A finding's place in the state table, the key of its events within a run. */
const keyOf = (finding: Finding) => Object.values(findingKey(finding)).join('/');

/** One run's work: the events it emits and the leases it touches. */
export class EnforcementRun {
  /** The events of this run's steps, stored with their finding by {@link record}, and its transitions'. */
  readonly events: PendingEvent[] = [];
  readonly #deps: GroupCheckDeps;
  readonly now: Date;

  constructor(deps: GroupCheckDeps) {
    this.#deps = deps;
    this.now = deps.now?.() ?? new Date();
  }

  /** An event about `finding`; `about` names what it belongs to (the lease's acquiredAt, the execution). */
  #event(detailType: DetailType, finding: Finding, about: string, extra: object = {}): PendingEvent {
    return {
      detailType,
      detail: { finding, ...extra },
      resources: [finding.arn],
      id: eventId(detailType, finding.arn, finding.rule, finding.check, about),
      createdAt: this.now.toISOString(),
    };
  }

  #emit(detailType: DetailType, finding: Finding, about: string, extra: object = {}): void {
    this.events.push(this.#event(detailType, finding, about, extra));
  }

  #after(ms: number): Date {
    return new Date(this.now.getTime() + ms);
  }

  /** Claim the change and make it (or start its snapshot); at most one caller gets here per change. */
  async start(change: DurabilityChange): Promise<Finding> {
    if (change.kind === 'upgrade') return this.#startUpgrade(change);
    const { finding, resource, target } = change;
    const key = durabilityLeaseKey(finding.arn);
    const name = snapshotName(resource.id, this.now);
    const details: RemediationDetails = {
      replicationGroupId: resource.id,
      rule: finding.rule,
      from: resource.effectiveDurability ?? 'disabled',
      target,
      applyImmediately: change.applyImmediately,
      // Recorded before the send (the snapshot's name too), so a run that dies after this write
      // leaves what to resume from: the next run waits for that snapshot, never takes a second.
      ...(change.snapshotBeforeChange ? { phase: 'snapshotting', snapshotName: name } : this.#sending(1)),
    };
    const until = this.#after(changeWindowMs(details));
    const lease = { key, holder: this.#deps.holder, acquiredAt: this.now.toISOString() };
    if (!(await this.#deps.store.acquireLease(key, lease.holder, until, this.now, details)))
      return note(finding, REMEDIATION_ACTIONS.inProgress, 'another run is making this change');
    if (!change.snapshotBeforeChange) return this.#send(finding, resource, lease, details);
    try {
      await this.#guarded({ call: 'CreateSnapshot', step: `before Durability=${target}` }, () =>
        createSnapshot(this.#deps.clients.elasticache, resource.id, name, `before Durability=${target}`),
      );
    } catch (error) {
      await this.#deps.store.releaseLease(key, lease.holder);
      return this.#failedCall(finding, error);
    }
    this.#emit(DETAIL_TYPES.remediationStarted, finding, lease.acquiredAt, { target, snapshotName: name });
    return note(
      finding,
      REMEDIATION_ACTIONS.snapshotStarted,
      `snapshot ${name} started; Durability=${target} follows once it is available`,
    );
  }

  /**
   * Start the group's staged upgrade. The execution name is the group and the hour: a second
   * run in the same hour finds the same execution while it runs, and Step Functions answers
   * ExecutionAlreadyExists once it has closed (a name is never used twice): either way this
   * hour's upgrade was started, and the next hour's run starts a new one if still needed.
   */
  async #startUpgrade({ finding, resource, target, allow, soak }: DurabilityChange): Promise<Finding> {
    const upgrades = this.#deps.upgrades;
    if (upgrades === undefined)
      return note(finding, REMEDIATION_ACTIONS.needsStagedUpgrade, 'no upgrade workflow');
    const hour = this.now
      .toISOString()
      .replace(/[^0-9]/g, '')
      .slice(0, 10);
    const name = `${resource.id}-durability-${hour}`;
    try {
      const execution = await upgrades.start(name, {
        replicationGroupId: resource.id,
        target,
        allow,
        enforce: true,
        soak,
      });
      this.#emit(DETAIL_TYPES.remediationStarted, finding, name, { target, upgradeExecution: execution });
      return note(
        finding,
        REMEDIATION_ACTIONS.upgradeStarted,
        `staged upgrade ${name} started (execution ${execution})`,
      );
    } catch (error) {
      if (nameTaken(error))
        return note(finding, REMEDIATION_ACTIONS.upgradeStarted, `staged upgrade ${name} already started`);
      return this.#failedCall(finding, error);
    }
  }

  /** Send through the caller's fence, if it gave one (a refusal throws: the lease is released, nothing sent). */
  #guarded<Result>(request: GuardedRequest, send: () => Promise<Result>): Promise<Result> {
    return this.#deps.fence === undefined ? send() : this.#deps.fence(request, send);
  }

  /** The lease details of a send about to begin: the `sends`-th under this lease. */
  #sending(sends: number) {
    return { phase: 'modify-sending', sends, sentAt: this.now.toISOString() } as const;
  }

  /**
   * Send the change, with the lease already in `modify-sending`: an answer (or a read-back that
   * shows the change) moves it to `modify-requested`; a lost answer leaves it sending, for a
   * later run to judge from the group.
   */
  async #send(finding: Finding, resource: Resource, lease: LeaseRef, details: RemediationDetails) {
    const { target, applyImmediately } = details;
    const request = `ModifyReplicationGroup(Durability=${target}, ApplyImmediately=${applyImmediately})`;
    let answer: 'answered' | 'confirmed';
    try {
      answer = await this.#guarded({ call: 'ModifyReplicationGroup', step: request }, () =>
        setDurability(this.#deps.clients.elasticache, resource.id, target, applyImmediately),
      );
    } catch (error) {
      const failure = error instanceof AwsCallError ? modifyFailure(error.fault) : 'error';
      if (failure === 'unknown')
        return note(
          finding,
          REMEDIATION_ACTIONS.inProgress,
          `${request}: the answer was lost and the group does not show the change; a later run reads the group and sends it once more only if the service never got it`,
        );
      if (failure === 'refused' && error instanceof AwsCallError)
        return this.#refused(finding, lease, details, error);
      await this.#deps.store.releaseLease(lease.key, lease.holder);
      return this.#failedCall(finding, error);
    }
    await this.#requested(finding, lease, details);
    return note(
      finding,
      REMEDIATION_ACTIONS.modifyRequested,
      answer === 'confirmed'
        ? `${request} requested (its answer was lost; the group read back shows the change)`
        : `${request} requested`,
    );
  }

  /** The service has the request: the lease says so, and the change's start is announced once. */
  async #requested(finding: Finding, lease: LeaseRef, details: RemediationDetails): Promise<boolean> {
    const moved = await this.#deps.store.updateLease(
      lease.key,
      { phase: 'modify-sending' },
      { phase: 'modify-requested', requestedAt: details.sentAt ?? this.now.toISOString() },
    );
    if (moved && details.snapshotName === undefined)
      this.#emit(DETAIL_TYPES.remediationStarted, finding, lease.acquiredAt, { target: details.target });
    return moved;
  }

  async #refused(finding: Finding, lease: LeaseRef, details: RemediationDetails, error: AwsCallError) {
    await this.#deps.store.updateLease(
      lease.key,
      {},
      { phase: 'refused', fault: error.message, faultCode: error.fault },
      this.#after(REMEDIATION_TIMINGS.outcomeHoldMs),
    );
    const refused = note(
      finding,
      refusalAction(details.from, error.fault),
      `ModifyReplicationGroup refused: ${error.message}`,
    );
    this.#emit(DETAIL_TYPES.remediationFailed, refused, lease.acquiredAt, {
      target: details.target,
      fault: error.fault,
    });
    return refused;
  }

  #failedCall(finding: Finding, error: unknown): Finding {
    if (!(error instanceof AwsCallError)) throw error;
    this.#deps.logger.warn('remediation call failed', {
      resourceId: finding.resourceId,
      error: error.message,
    });
    return { ...finding, status: 'error', action: null, reason: `${finding.reason}; ${error.message}` };
  }

  /**
   * Move a change in flight on, as {@link nextRemediationStep} decides; a change that took
   * effect is watched for `soak` (its rule's, none with `soak: false`).
   */
  async continue(
    finding: Finding,
    resource: Resource,
    lease: Lease<RemediationDetails>,
    soak: SoakInput | undefined,
  ): Promise<Finding> {
    const { details } = lease;
    const store = this.#deps.store;
    const snapshot = details.phase === 'snapshotting' ? await this.#preChangeSnapshot(lease) : undefined;
    // A snapshot found for a lease that had lost its name: the lease records it from now on.
    const found = !details.snapshotName && snapshot !== undefined ? { snapshotName: snapshot.name } : {};
    const step = nextRemediationStep(lease, resource, snapshot, this.now);
    const busy = () => note(finding, REMEDIATION_ACTIONS.inProgress, 'another run is making this change');
    switch (step.kind) {
      case 'report':
        return note(finding, step.action, step.reason);
      case 'fail': {
        const failed = await store.updateLease(
          lease.key,
          { phase: step.phase },
          { phase: 'failed', fault: step.fault },
          step.holdUntil,
        );
        if (failed)
          this.#emit(DETAIL_TYPES.remediationFailed, finding, lease.acquiredAt, {
            target: details.target,
            fault: step.fault,
          });
        return note(finding, REMEDIATION_ACTIONS.failed, step.fault);
      }
      case 'wait-for-snapshot':
        await store.updateLease(lease.key, { phase: 'snapshotting' }, found, step.holdUntil);
        return note(finding, REMEDIATION_ACTIONS.waitingForSnapshot, step.reason);
      case 'modify':
      case 'resend': {
        // Claim this send: of the runs that read the same lease, one moves it on and sends.
        const next = { ...this.#sending((details.sends ?? (step.kind === 'modify' ? 0 : 1)) + 1) };
        const extra = step.kind === 'modify' ? { snapshotDurability: step.snapshotDurability, ...found } : {};
        const claimed = await store.updateLease(
          lease.key,
          { phase: details.phase, sends: details.sends },
          { ...next, ...extra },
        );
        if (!claimed) return busy();
        return this.#send(finding, resource, lease, { ...details, ...next });
      }
      case 'confirm':
        if (!(await this.#requested(finding, lease, details))) return busy();
        return note(
          finding,
          REMEDIATION_ACTIONS.modifyRequested,
          `ModifyReplicationGroup(Durability=${details.target}) requested: its answer was lost, and the group shows the request`,
        );
      case 'not-sent':
        if (!(await store.releaseLease(lease.key, lease.holder))) return busy();
        return note(finding, REMEDIATION_ACTIONS.notSent, step.reason);
      case 'succeeded': {
        // Of the runs that saw the change land, the one that hands the lease to the soak (or
        // releases it) announces it and starts the soak, whose Lock step takes the lease.
        if (!(await closeChange(this.#deps, lease, soak, this.now))) return finding;
        const watch = await watchInPlaceChange(this.#deps, lease, soak);
        const succeeded = { ...finding, reason: `${finding.reason}; ${watch.reason}` };
        this.#emit(DETAIL_TYPES.remediationSucceeded, succeeded, lease.acquiredAt, {
          target: details.target,
          from: details.from,
          snapshotName: details.snapshotName,
          soakExecution: watch.execution,
        });
        return succeeded;
      }
      case 'start-soak': {
        // A run stopped between the hand-over and the start, or the start failed: start it now.
        const watch = await watchInPlaceChange(this.#deps, lease, details.soak);
        return { ...finding, reason: `${finding.reason}; ${watch.reason}` };
      }
    }
  }

  /**
   * The pre-change snapshot of a `snapshotting` lease: the one it names, or, for a lease an older
   * version left without the name, the group's newest snapshot of ours started since the lease
   * was taken. An empty name is never sent (DescribeSnapshots would read it as no filter).
   */
  #preChangeSnapshot({
    details,
    acquiredAt,
  }: Lease<RemediationDetails>): Promise<SnapshotRecord | undefined> {
    const { elasticache } = this.#deps.clients;
    if (details.snapshotName) return describeSnapshot(elasticache, details.snapshotName);
    return findOurSnapshotSince(elasticache, details.replicationGroupId, new Date(acquiredAt));
  }

  /**
   * Store every finding, of every check, each with its events in the same write: this run's steps'
   * and those a change of status or action calls for; a finding stored as it is, with no event, is
   * not written. Answers every finding's pending events.
   */
  async record(findings: readonly Finding[]): Promise<FindingOutbox[]> {
    const steps = new Map<string, PendingEvent[]>();
    for (const event of this.events) {
      const { finding } = event.detail as { finding: Finding };
      steps.set(keyOf(finding), [...(steps.get(keyOf(finding)) ?? []), event]);
    }
    const at = this.now.toISOString();
    // What is stored, read once: a finding that holds as it is and adds no event is not written.
    const stored = await this.#deps.store.findings.read(findings);
    return mapConcurrent(findings, 16, (finding) =>
      this.#deps.store.findings.record(
        finding,
        this.now,
        {
          fixed: steps.get(keyOf(finding)) ?? [],
          decide: (before: StoredFinding | undefined) => {
            const events: PendingEvent[] = [];
            if (finding.status === 'violation' && before?.status !== 'violation')
              // The severity its SNS alert, ASFF and OCSF say: the rule's, else the check's.
              events.push(
                this.#event(DETAIL_TYPES.policyViolation, finding, at, { severity: severityOf(finding) }),
              );
            if (
              finding.action !== null &&
              SKIPPED.has(finding.action) &&
              before?.finding.action !== finding.action
            )
              events.push(this.#event(DETAIL_TYPES.remediationSkipped, finding, at));
            return events;
          },
        },
        stored,
      ),
    );
  }
}
