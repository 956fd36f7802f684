/**
 * Job 4, StorageEncryptionType drift: compare every resource's real at-rest encryption with
 * the policy and with its stored baseline, alert once per transition (SNS + EventBridge),
 * and commit a baseline only after its alerts are out, so a failed publish never loses a
 * transition (the next run finds it again).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type AwsClientOptions, createFleetClients, type FleetClients } from '../aws/clients.js';
import { readFleet } from '../aws/elasticache.js';
import { type Alert, type AlertPublisher, type EventPublisher, eventId } from '../aws/notify.js';
import { baselineKindOf, encryptionBaselineKind } from '../aws/state-keys.js';
import type { StateStore } from '../aws/state-store.js';
import type { MemberCredentials } from '../aws/targets.js';
import { parseArn } from '../domain/arn.js';
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
import { sameTarget, type Target, targetArnPrefix } from '../domain/targets.js';
import { mapConcurrent } from '../runtime/concurrency.js';
import {
  DRIFT_CLAIM_MS,
  deliverHeld,
  detailTypeOf,
  type HeldRecord,
  pendingOf,
  settledBaseline,
  writeHeld,
} from './encryption-drift-outbox.js';
import { reactIn } from './member-env.js';
import { type UnitsAbove, whyNotCovered } from './target-coverage.js';

/**
 * The baselines of one target, read with one Query of its own partition, after moving (for one
 * version) those the previous version kept in the partition of every target's. The partition key
 * keeps the spelling it was deployed with (`baseline#storage-encryption`), plus the target.
 *
 * @example
 * const baselines = await targetBaselines(store, { account: '111111111111', region: 'eu-west-1' });
 */
export async function targetBaselines(store: StateStore, target: Target): Promise<EncryptionBaseline[]> {
  await store.moveLegacyBaselines(targetArnPrefix(target));
  return store.listRecords(encryptionBaselineKind(target));
}

/** The targets (account and region) the resources of `fleet` belong to, by their ARNs. */
function targetsOf(fleet: readonly Resource[]): Target[] {
  const byName = new Map<string, Target>();
  for (const { arn } of fleet) {
    const parts = parseArn(arn);
    if (parts !== undefined) byName.set(`${parts.account}/${parts.region}`, parts);
  }
  return [...byName.values()].map(({ account, region }) => ({ account, region }));
}

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
  /** Alerts this run delivered, and those left pending for the next run. */
  outbox: { published: number; pending: number };
  /** Why the event was dropped without reading anything: its target is not the policy's. */
  notATarget?: string;
}

const TITLE_OF = {
  drift: 'StorageEncryptionType drift',
  violation: 'StorageEncryption violation',
  resolved: 'StorageEncryption resolved',
  retired: 'StorageEncryption baseline retired',
} as const;

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

/** Which part of the stored baselines a run answers for, and the fleet it already read. */
export interface DriftScope {
  /**
   * The one account and region the fleet was read from: only its baselines are compared, and
   * only its missing resources retired (the table holds every target's). Absent: the baselines of
   * the targets of the fleet's resources.
   */
  target?: Target;
  /** The fleet, when the caller has read it already (one read per target for both jobs). */
  fleet?: Resource[];
}

/** The baselines of `targets`, one partition each. */
const baselinesOf = async (store: StateStore, targets: readonly Target[]) =>
  (await Promise.all(targets.map((target) => targetBaselines(store, target)))).flat();

/**
 * The scope's fleet against its stored baselines: each resource's findings and decision, and
 * the baselines whose resource is gone. A target reads its own baselines only (its partition).
 */
async function decide(deps: DriftJobDeps, policy: Policy, scope: DriftScope, now: Date) {
  const { target } = scope;
  const [fleet, scoped] = await Promise.all([
    scope.fleet ?? readFleet(deps.clients),
    target === undefined ? undefined : baselinesOf(deps.store, [target]),
  ]);
  const stored = scoped ?? (await baselinesOf(deps.store, targetsOf(fleet)));
  const findings = evaluate(fleet, policy, now).filter((finding) => DRIFT_CHECKS.has(finding.check));
  const findingsOf = new Map<string, Finding[]>();
  for (const finding of findings)
    findingsOf.set(finding.arn, [...(findingsOf.get(finding.arn) ?? []), finding]);
  const baselines = new Map(stored.map((baseline) => [baseline.arn, baseline]));
  const decisions = fleet.map((resource): Decision => {
    const own = findingsOf.get(resource.arn) ?? [];
    const current = baselines.get(resource.arn);
    return {
      arn: resource.arn,
      stored: current,
      ...decideDrift(resource, own, current, now, alertsOnAnyChange(policy, own)),
    };
  });
  const present = new Set(fleet.map((resource) => resource.arn));
  const gone = stored.filter((baseline) => !present.has(baseline.arn));
  return { findings, decisions, gone };
}

/** One resource's drift decision, with the baseline it was compared with. */
interface Decision extends DriftDecision {
  arn: string;
  stored: EncryptionBaseline | undefined;
}

/** The stable id of an alert: its kind, resource, rule and the moment its transition was seen. */
const alertId = (alert: EncryptionAlert, at: string) =>
  eventId(detailTypeOf(alert), alert.arn, alert.rule, at);

/**
 * The record a run claims for `stored` to send its alerts: its new value, the alerts decided now
 * and those left pending before (claimed for `until`); undefined when there is nothing to write.
 */
function held(
  stored: EncryptionBaseline | undefined,
  arn: string,
  next: object,
  added: EncryptionAlert[],
  now: Date,
) {
  const until = new Date(now.getTime() + DRIFT_CLAIM_MS).toISOString();
  const { free, others } = pendingOf(stored, now, alertId);
  const fresh = added.map((alert) => ({
    id: alertId(alert, now.toISOString()),
    alert,
    createdAt: now.toISOString(),
  }));
  const sending = [...free, ...fresh].map((entry) => ({ ...entry, claimedUntil: until }));
  return { arn, value: next, revision: stored?.revision ?? 0, sending, others } satisfies HeldRecord;
}

/**
 * Scan the fleet for StorageEncryptionType drift and policy violations. A transition's alerts
 * are written with its baseline in one compare-and-set (of runs that see one transition, one
 * writes it), then sent: SNS once per alert id, EventBridge at least once. What does not go out
 * stays in the baseline's outbox, and the next run sends it; a failed send never fails the run.
 * A deleted resource's baseline is retired with one event, and removed once that is out.
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
  const candidates = [
    ...decisions.map((decision) =>
      held(
        decision.stored,
        decision.arn,
        settledBaseline(decision.baseline ?? decision.stored),
        decision.alerts,
        now,
      ),
    ),
    ...gone.map((baseline) =>
      held(baseline, baseline.arn, settledBaseline(baseline), [retirementAlert(baseline)], now),
    ),
  ];
  const changed = new Set(
    decisions.filter((decision) => decision.baseline !== undefined).map((decision) => decision.arn),
  );
  const writing = candidates.filter((record) => record.sending.length > 0 || changed.has(record.arn));
  const won = await mapConcurrent(writing, 16, (record) => writeHeld(deps.store, record));
  const records = writing
    .filter((_, index) => won[index])
    .map((record) => ({ ...record, revision: record.revision + 1 }));
  const outbox = await deliverHeld(deps, records, policy.settings.maxAlertsPerRun, summaryAlert, toAlert);
  const goneArns = new Set(gone.map((baseline) => baseline.arn));
  await mapConcurrent(
    records.filter((record) => goneArns.has(record.arn) && outbox.emptied.has(record.arn)),
    16,
    (record) =>
      deps.store.deleteRecord(baselineKindOf(record.arn), record.arn, {
        field: 'revision',
        is: record.revision + 1,
      }),
  );
  return {
    findings,
    alerts: outbox.sent,
    summarized: records.flatMap((record) => record.sending).length > policy.settings.maxAlertsPerRun,
    baselinesWritten: decisions.filter((decision) => decision.baseline !== undefined).length,
    outbox: { published: outbox.published, pending: outbox.pending },
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
  /** Where an account sits in the organisation: read when the policy's targets name OUs. */
  units: UnitsAbove;
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
  const { home, members, aws, units, ...own } = deps;
  if (target === undefined || sameTarget(target, home))
    return scanEncryptionDrift(own, policy, { target: home });
  const outside = await whyNotCovered(policy.settings.targets, target, units);
  if (outside !== undefined) {
    own.logger.warn('event dropped: not a target of this deployment', { target, reason: outside });
    return {
      findings: [],
      alerts: [],
      summarized: false,
      baselinesWritten: 0,
      outbox: { published: 0, pending: 0 },
      notATarget: outside,
    };
  }
  const clients = createFleetClients(members.clientOptions(target, aws));
  const fleet = await reactIn(target, members.access, () => readFleet(clients));
  return scanEncryptionDrift({ ...own, clients }, policy, { target, fleet });
}
