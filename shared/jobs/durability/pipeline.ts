/**
 * Job 1, durability enforcement: read the fleet (or one group), evaluate, plan under the
 * guards, carry out at most the per-run cap of changes exactly once (leases), verify the
 * changes in flight, store findings with their events (the outbox) and publish what is pending. Shared by the scheduled scan, the
 * EventBridge reaction and the CLI.
 */
import { readFleet, readReplicationGroup } from '../../aws/elasticache.js';
import { readEngineVersionsInto } from '../../aws/engine-versions.js';
import {
  durabilityLeaseKey,
  RECORD_KINDS,
  remediationDetailsSchema,
  targetDurabilityLeases,
} from '../../aws/state-keys.js';
import { checksDeclaring } from '../../domain/checks/registry.js';
import type { RemediationDetails } from '../../domain/durability/lease-steps.js';
import {
  coveredBy,
  planDurabilityRemediation,
  REMEDIATION_ACTIONS,
  type RemediationAction,
  ruleSoak,
} from '../../domain/durability/remediation.js';
import { mayBeHeld } from '../../domain/durability/soak-hold.js';
import type { SoakRun } from '../../domain/durability/soak-series.js';
import { evaluate, type Summary, summarize } from '../../domain/evaluate.js';
import type { Finding } from '../../domain/finding.js';
import type { Policy } from '../../domain/policy/schema.js';
import type { Resource } from '../../domain/resource.js';
import { mapConcurrent } from '../../runtime/concurrency.js';
import { type OutboxReport, publishOutbox } from '../outbox.js';
import { readHealth } from './inputs.js';
import type { DurabilityJobDeps, GroupCheckDeps } from './ports.js';
import { EnforcementRun } from './run.js';

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
  /** Events this run stored (new transitions and steps). */
  events: number;
  /** What went out to EventBridge, this run's and earlier runs' pending events, and what is left. */
  outbox: OutboxReport;
}

/** A finding's identity within a run. */
const findingKey = (finding: Pick<Finding, 'arn' | 'rule' | 'check'>) =>
  `${finding.arn}#${finding.rule}#${finding.check}`;
/** The checks whose violations this job remediates (hook `remediation: set-durability`). */
const REMEDIATED: ReadonlySet<string> = checksDeclaring('remediation', 'set-durability');

/**
 * The changes in flight of the groups of `resources`, by lease key: one Query of their target's
 * partition (a reaction's one group: its own leases), after moving those the previous version
 * kept in the shared partition.
 */
async function leasesInFlight(deps: GroupCheckDeps, resources: readonly Resource[], now: Date) {
  const prefixes = new Set(
    resources.map((resource) =>
      resources.length === 1 ? durabilityLeaseKey(resource.arn) : targetDurabilityLeases(resource.arn),
    ),
  );
  const listed = await Promise.all(
    [...prefixes].map(async (prefix) => {
      await deps.store.moveLegacyLeases(prefix, now);
      return deps.store.listLeases(prefix, now, remediationDetailsSchema);
    }),
  );
  return new Map(listed.flat().map((lease) => [lease.key, lease]));
}

/**
 * The last soaks of the groups whose violations `findings` has, by ARN: one Query of their
 * partition, made only when one of their rules steps back (only such a soak holds a group).
 */
async function lastSoaksOf(deps: GroupCheckDeps, findings: readonly Finding[], policy: Policy) {
  const violations = findings.filter((finding) => finding.status === 'violation');
  if (!mayBeHeld(violations.map((finding) => ({ soak: ruleSoak(policy, finding.rule) }))))
    return new Map<string, SoakRun>();
  const runs = await deps.store.listRecords(RECORD_KINDS.lastSoak);
  return new Map(runs.map((run) => [run.arn, run]));
}

/**
 * A `degraded` group is one that strains while nobody watches it: while a workflow holds its
 * lease (an upgrade's soak watches the same metrics and acts on them), the finding says so
 * and stays `compliant`.
 */
function watchedByWorkflow(finding: Finding, lease: RemediationDetails | undefined): Finding {
  // A refused or failed change's lease only holds the group off for a day: nothing runs; a soak
  // still starting (soak-starting) watches nothing yet.
  if (
    finding.status !== 'degraded' ||
    lease === undefined ||
    lease.phase === 'failed' ||
    lease.phase === 'refused' ||
    lease.phase === 'soak-starting'
  )
    return finding;
  const note = `${lease.rule} holds the group and watches it: ${finding.observed}`;
  return { ...finding, status: 'compliant', notes: [...(finding.notes ?? []), note] };
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
  const leases = await leasesInFlight(deps, resources, run.now);
  const open = remediable.filter((finding) => !leases.has(durabilityLeaseKey(finding.arn)));
  // One read per group, however many rules it violates (a reaction's one group is one call).
  const unreadable = await readEngineVersionsInto(
    deps.clients.elasticache,
    open
      .filter((finding) => finding.status === 'violation')
      .map((finding) => byArn.get(finding.arn))
      .filter((group): group is Resource => group?.engine === 'valkey'),
  );
  const lastSoaks = await lastSoaksOf(deps, open, settings.policy);
  const plan = planDurabilityRemediation(
    open.filter((finding) => !unreadable.has(finding.arn)),
    byArn,
    settings.policy,
    { dryRun: settings.dryRun, upgrades: deps.upgrades !== undefined, lastSoaks },
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
    settle(
      lead,
      await run.continue(lead, group, lease, ruleSoak(settings.policy, lease.details.rule)),
      others,
    );
  });
  const final = findings
    .map((finding) => outcome.get(findingKey(finding)) ?? finding)
    .map((finding) => watchedByWorkflow(finding, leases.get(durabilityLeaseKey(finding.arn))?.details));
  // Each record with its events in one write; then what is pending (older events first) goes out.
  const outboxes = await run.record(final);
  const outbox = await publishOutbox(deps, outboxes, run.now);
  const actions: DurabilityReport['actions'] = {};
  for (const finding of final) {
    if (finding.action !== null)
      actions[finding.action as RemediationAction] = (actions[finding.action as RemediationAction] ?? 0) + 1;
  }
  const events = outboxes.reduce((sum, { added }) => sum + added.length, 0);
  return { findings: final, summary: summarize(final), actions, events, outbox };
}

/**
 * The scheduled scan: the whole fleet (read here, or the one the caller read already) against
 * every check of the policy; findings are stored and new violations emitted for every check,
 * and durability violations remediated.
 *
 * @example
 * const report = await scanDurability(deps, { policy, dryRun: true });
 */
export async function scanDurability(
  deps: DurabilityJobDeps,
  settings: DurabilityJobSettings,
  fleet?: Resource[],
): Promise<DurabilityReport> {
  return enforce(fleet ?? (await readFleet(deps.clients)), deps, settings);
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
