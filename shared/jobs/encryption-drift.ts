/**
 * Job 4, StorageEncryptionType drift: compare every resource's real at-rest encryption with
 * the policy and with its stored baseline, alert once per transition (SNS + EventBridge),
 * and commit a baseline only after its alerts are out, so a failed publish never loses a
 * transition (the next run finds it again).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type AwsClientOptions, createFleetClients, type FleetClients } from '../aws/clients.js';
import { readFleet } from '../aws/elasticache.js';
import {
  type Alert,
  type AlertPublisher,
  DETAIL_TYPES,
  type EventPublisher,
  type OutgoingEvent,
} from '../aws/notify.js';
import { RECORD_KINDS } from '../aws/state-keys.js';
import type { StateStore } from '../aws/state-store.js';
import type { MemberCredentials } from '../aws/targets.js';
import {
  alertsOnAnyChange,
  DRIFT_CHECKS,
  type DriftDecision,
  decideDrift,
  type EncryptionAlert,
  type EncryptionBaseline,
  retirementAlert,
} from '../domain/drift.js';
import { evaluate } from '../domain/evaluate.js';
import type { Finding } from '../domain/finding.js';
import type { Policy } from '../domain/policy/schema.js';
import type { Resource } from '../domain/resource.js';
import { notCovered, sameTarget, type Target, targetArnPrefix } from '../domain/targets.js';
import { mapConcurrent } from '../runtime/concurrency.js';
import { reactIn } from './member-env.js';

/**
 * Where the baselines are stored. A storage key, not a check name: it keeps the spelling it was
 * deployed with, so the baselines stored before checks had one name are read as they are.
 */
export const BASELINE_KIND = RECORD_KINDS.encryptionBaseline;

export interface DriftJobDeps {
  clients: FleetClients;
  store: StateStore;
  events: EventPublisher;
  alerts: AlertPublisher;
  logger: Logger;
  now?: () => Date;
}

export interface DriftReport {
  findings: Finding[];
  /** Every alert of the run, retirements included. */
  alerts: EncryptionAlert[];
  /** True when the run's alerts went out as one summary (more than `maxAlertsPerRun`). */
  summarized: boolean;
  baselinesWritten: number;
}

const DETAIL_TYPE_OF = {
  drift: DETAIL_TYPES.encryptionDrift,
  violation: DETAIL_TYPES.encryptionViolation,
  resolved: DETAIL_TYPES.encryptionResolved,
  retired: DETAIL_TYPES.encryptionRetired,
} as const;

const TITLE_OF = {
  drift: 'StorageEncryptionType drift',
  violation: 'StorageEncryption violation',
  resolved: 'StorageEncryption resolved',
  retired: 'StorageEncryption baseline retired',
} as const;

function toEvent(alert: EncryptionAlert): OutgoingEvent {
  return { detailType: DETAIL_TYPE_OF[alert.kind], detail: alert, resources: [alert.arn] };
}

/** A readable SNS message: subject line, then the facts one per line. */
export function toAlert(alert: EncryptionAlert): Alert {
  const change = alert.from === undefined ? (alert.to ?? '') : `${alert.from} -> ${alert.to ?? '?'}`;
  const lines = [
    alert.summary,
    '',
    `Resource:  ${alert.resourceType} ${alert.resourceId}`,
    `ARN:       ${alert.arn}`,
    `Rule:      ${alert.rule}`,
    `Severity:  ${alert.severity}`,
    ...(change === '' ? [] : [`State:     ${change}`]),
    ...(alert.cause === undefined ? [] : [`Cause:     ${alert.cause}`]),
    ...alert.findings.flatMap((finding) => [
      `Finding:   ${finding.rule}: ${finding.status} (expected ${finding.expected}, observed ${finding.observed})`,
      ...(finding.notes ?? []).map((note) => `Note:      ${note}`),
    ]),
  ];
  return {
    subject: `[guardrails] ${TITLE_OF[alert.kind]}: ${alert.resourceId} ${change}`.trim(),
    body: lines.join('\n'),
    rule: alert.rule,
    severity: alert.severity,
    resourceType: alert.resourceType,
  };
}

/** Many alerts in one run become one message listing them all. */
export function summaryAlert(alerts: readonly EncryptionAlert[]): Alert {
  const counts = new Map<string, number>();
  for (const alert of alerts) counts.set(alert.kind, (counts.get(alert.kind) ?? 0) + 1);
  const severities = ['high', 'medium', 'low', 'info'] as const;
  return {
    subject: `[guardrails] ${alerts.length} StorageEncryption alerts in one run`,
    body: [
      `${alerts.length} alerts (${[...counts].map(([kind, count]) => `${count} ${kind}`).join(', ')}):`,
      '',
      ...alerts.map((alert) => `- [${alert.severity}] ${alert.summary}`),
    ].join('\n'),
    rule: 'summary',
    severity: severities.find((severity) => alerts.some((alert) => alert.severity === severity)) ?? 'info',
    resourceType: [...new Set(alerts.map((alert) => alert.resourceType))].join(','),
  };
}

/** A claim older than this belongs to a run that died while sending (longer than any run lasts). */
const STALE_CLAIM_MS = 30 * 60_000;

/** A baseline without what the store keeps beside it (revision, claim id, pending alerts). */
function settledBaseline(baseline: (EncryptionBaseline & { claim?: string }) | undefined): object {
  if (baseline === undefined) return {};
  const { revision: _revision, pending: _pending, claim: _claim, ...settled } = baseline;
  return settled;
}

/**
 * The baseline to compare a resource with: the stored one, or, when a run died while sending
 * its alerts (a stale claim), the one before that transition, so it is alerted again.
 */
function comparedBaseline(stored: EncryptionBaseline | undefined, now: Date): EncryptionBaseline | undefined {
  const pending = stored?.pending;
  if (pending === undefined) return stored;
  return now.getTime() - Date.parse(pending.claimedAt) > STALE_CLAIM_MS ? pending.previous : stored;
}

/** One resource's drift decision, with the stored revision and the baseline it was compared with. */
interface Decision extends DriftDecision {
  arn: string;
  revision: number;
  previous: EncryptionBaseline | undefined;
}

/** The compare-and-set writes of a decision's baseline: claim before alerting, then confirm or give back. */
function baselineWrites(store: StateStore, now: Date) {
  /** The record this decision leaves: the new baseline, or the compared one when only alerts changed. */
  const settled = (decision: Decision) => settledBaseline(decision.baseline ?? decision.previous);
  return {
    settled,
    claim: (decision: Decision) =>
      store.putRecordIf(
        BASELINE_KIND,
        decision.arn,
        {
          ...settled(decision),
          pending: { alerts: decision.alerts, claimedAt: now.toISOString(), previous: decision.previous },
        },
        decision.revision,
      ),
    confirm: (decision: Decision) =>
      store.putRecordIf(BASELINE_KIND, decision.arn, settled(decision), decision.revision + 1),
    /** Give a claim back when its alerts could not be sent: the transition stays to be alerted. */
    giveBack: (decision: Decision) =>
      decision.previous === undefined
        ? store.deleteRecord(BASELINE_KIND, decision.arn, { field: 'revision', is: decision.revision + 1 })
        : store.putRecordIf(
            BASELINE_KIND,
            decision.arn,
            settledBaseline(decision.previous),
            decision.revision + 1,
          ),
  };
}

/** Which part of the stored baselines a run answers for, and the fleet it already read. */
export interface DriftScope {
  /**
   * The one account and region the fleet was read from: only its baselines are compared, and
   * only its missing resources retired (the table holds every target's). Absent: every baseline.
   */
  target?: Target;
  /** The fleet, when the caller has read it already (one read per target for both jobs). */
  fleet?: Resource[];
}

/**
 * The scope's fleet against its stored baselines: each resource's findings and decision, and
 * the baselines whose resource is gone. A target reads its own baselines only (keyed by ARN).
 */
async function decide(deps: DriftJobDeps, policy: Policy, scope: DriftScope, now: Date) {
  // A target reads its own baselines only: the query's key prefix is its ARN prefix.
  const [fleet, stored] = await Promise.all([
    scope.fleet ?? readFleet(deps.clients),
    deps.store.listRecords<EncryptionBaseline>(
      BASELINE_KIND,
      scope.target === undefined ? undefined : targetArnPrefix(scope.target),
    ),
  ]);
  const findings = evaluate(fleet, policy, now).filter((finding) => DRIFT_CHECKS.has(finding.check));
  const findingsOf = new Map<string, Finding[]>();
  for (const finding of findings)
    findingsOf.set(finding.arn, [...(findingsOf.get(finding.arn) ?? []), finding]);
  const baselines = new Map(stored.map((baseline) => [baseline.arn, baseline]));
  const decisions = fleet.map((resource): Decision => {
    const own = findingsOf.get(resource.arn) ?? [];
    const current = baselines.get(resource.arn);
    const compared = comparedBaseline(current, now);
    return {
      arn: resource.arn,
      revision: current?.revision ?? 0,
      previous: compared,
      ...decideDrift(resource, own, compared, now, alertsOnAnyChange(policy, own)),
    };
  });
  const present = new Set(fleet.map((resource) => resource.arn));
  const gone = stored.filter((baseline) => !present.has(baseline.arn));
  return { findings, decisions, gone };
}

/**
 * Scan the fleet for StorageEncryptionType drift and policy violations. A transition is
 * alerted once even when runs overlap: before alerting, a run claims it by a compare-and-set
 * of the resource's baseline; a run that loses the claim stays silent. A run that cannot send
 * gives the claim back, so the next run alerts the transition again.
 *
 * @example
 * const report = await scanEncryptionDrift(deps, policy, { target: { account: '111111111111', region: 'eu-west-1' } });
 */
export async function scanEncryptionDrift(
  deps: DriftJobDeps,
  policy: Policy,
  scope: DriftScope = {},
): Promise<DriftReport> {
  const now = deps.now?.() ?? new Date();
  const { findings, decisions, gone } = await decide(deps, policy, scope, now);
  const store = deps.store;
  const { settled, claim, confirm, giveBack } = baselineWrites(store, now);

  const alerting = decisions.filter((decision) => decision.alerts.length > 0);
  const won = await mapConcurrent(alerting, 16, claim);
  const claimed = alerting.filter((_, index) => won[index]);
  // Baselines that moved without an alert (e.g. a first sighting): written unless someone was first.
  await mapConcurrent(
    decisions.filter((decision) => decision.alerts.length === 0 && decision.baseline !== undefined),
    16,
    (decision) => store.putRecordIf(BASELINE_KIND, decision.arn, settled(decision), decision.revision),
  );
  const alerts = claimed.flatMap((decision) => decision.alerts);
  const summarized = alerts.length > policy.settings.maxAlertsPerRun;
  const send = async (batch: readonly Decision[], message: () => Promise<void>) => {
    try {
      await message();
      await deps.events.publish(batch.flatMap((decision) => decision.alerts).map(toEvent));
    } catch (error) {
      await mapConcurrent(batch, 16, giveBack);
      throw error;
    }
    await mapConcurrent(batch, 16, confirm);
  };
  if (summarized) {
    await send(claimed, async () => {
      await deps.alerts.publish(summaryAlert(alerts));
    });
  } else {
    // Per resource, so a failure gives back only what was not delivered.
    const failures: unknown[] = [];
    await mapConcurrent(claimed, 4, (decision) =>
      send([decision], async () => {
        for (const alert of decision.alerts) await deps.alerts.publish(toAlert(alert));
      }).catch((error: unknown) => {
        failures.push(error);
      }),
    );
    if (failures.length > 0) throw failures[0];
  }
  const retired = gone.map(retirementAlert);
  await deps.events.publish(retired.map(toEvent));
  await mapConcurrent(gone, 16, (baseline) => deps.store.deleteRecord(BASELINE_KIND, baseline.arn));
  return {
    findings,
    alerts: [...alerts, ...retired],
    summarized,
    baselinesWritten: decisions.filter((decision) => decision.baseline !== undefined).length,
  };
}

/** What a run in the target an event names needs beside the own target's deps. */
export interface DriftTargetDeps extends DriftJobDeps {
  /** The function's own account and region: compared with `clients` as they are. */
  home: Target;
  /** The member accounts' credentials (their member role). */
  members: MemberCredentials;
  /** Options every target's clients share (endpoint, retries); region and credentials are the target's. */
  aws: AwsClientOptions;
}

/**
 * Compare the fleet of the target an event names (its own when it names none) with that
 * target's baselines. Another target's fleet is read through its account's member role before
 * anything is compared, so an unreachable target fails the run with the cause named and no
 * alert (see {@link reactIn}); alerts go out centrally, as for the own target.
 *
 * @example
 * const report = await scanDriftOf(deps, policy, { account: '111111111111', region: 'eu-west-1' });
 */
export async function scanDriftOf(
  deps: DriftTargetDeps,
  policy: Policy,
  target: Target | undefined,
): Promise<DriftReport> {
  const { home, members, aws, ...own } = deps;
  if (target === undefined || sameTarget(target, home))
    return scanEncryptionDrift(own, policy, { target: home });
  const outside = notCovered(policy.settings.targets, target);
  if (outside !== undefined) {
    own.logger.warn('event dropped: not a target of this deployment', { target, reason: outside });
    return { findings: [], alerts: [], summarized: false, baselinesWritten: 0 };
  }
  const clients = createFleetClients(members.clientOptions(target, aws));
  const fleet = await reactIn(target, members.access, () => readFleet(clients));
  return scanEncryptionDrift({ ...own, clients }, policy, { target, fleet });
}
