/**
 * `migration-durability`: bring the migrated group to the durability the policy requires,
 * through the durability job (guards, snapshot first, standalone ModifyReplicationGroup,
 * lease). Each look advances it one phase; done when nothing of ours is in flight.
 */
import * as z from 'zod';
import { createMetricsClient } from '../../aws/durability-metrics.js';
import type { EventPublisher } from '../../aws/notify.js';
import { StateStore } from '../../aws/state-store.js';
import { nameTaken, StepFunctionsUpgradeStarter } from '../../aws/upgrade-starter.js';
import { REMEDIATION_ACTIONS } from '../../domain/durability/remediation.js';
import { soakInputOf } from '../../domain/durability/soak.js';
import type { Finding } from '../../domain/finding.js';
import { nextPoll, WORKFLOW_ERRORS } from '../../domain/workflow/index.js';
import type { UpgradeStarter } from '../../domain/workflow/runner.js';
import { isRetryable } from '../../runtime/retryable.js';
import { awaitingChange, checkGroup, type DurabilityJobSettings } from '../durability/pipeline.js';
import type { GroupCheckDeps, SendFence } from '../durability/ports.js';
import { POLICY_ENV, withPolicy } from '../policy-source.js';
import { elastiCacheOf, eventsOf, wallClock, workflowBase } from '../workflow/deps.js';
import { WorkflowError } from '../workflow/errors.js';
import { fenced, handOverLock, takeBackLock } from '../workflow/lock.js';
import { notify } from '../workflow/notify.js';
import { iso, parsed, type Step } from '../workflow/task.js';
import { parseMigrationState } from './state.js';
import { type MigrationContext, migrationLock, stepEvent } from './step-context.js';

export interface DurabilityDeps {
  events: EventPublisher;
  now: () => Date;
  /**
   * Starts the durability upgrade of a migrated group that needs online steps. Kept out of the
   * durability job's deps: the job must not start one while the migration still holds the lock.
   */
  upgrades?: UpgradeStarter;
  /** The durability job for one invocation; `holder` is who acts, written on its lease. */
  durability: (holder: string) => Promise<{
    deps: GroupCheckDeps;
    settings: DurabilityJobSettings;
  }>;
}

/** What the durability job reads beyond every workflow function's environment and the policy's. */
const DURABILITY_ENV = {
  /** The durability-upgrade state machine, for groups that need online steps first. Empty: unset. */
  UPGRADE_STATE_MACHINE_ARN: z
    .string()
    .optional()
    .transform((value) => value || undefined),
} as const;

/** migration-durability's deps: the durability job's (ElastiCache, CloudWatch, state table, events) and the policy. */
export function createMigrationDurabilityDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = withPolicy(workflowBase('migration-durability', { ...POLICY_ENV, ...DURABILITY_ENV }, env));
  const shared = {
    clients: { elasticache: elastiCacheOf(base) },
    cloudwatch: createMetricsClient(base.aws),
    store: new StateStore(base.config.STATE_TABLE, base.aws),
    events: eventsOf(base),
    logger: base.logger,
  };
  const upgrades =
    base.config.UPGRADE_STATE_MACHINE_ARN === undefined
      ? undefined
      : new StepFunctionsUpgradeStarter(base.config.UPGRADE_STATE_MACHINE_ARN, base.aws);
  return {
    ...base,
    events: shared.events,
    now: wallClock,
    upgrades,
    durability: async (holder: string) => ({
      deps: { ...shared, holder },
      settings: { policy: await base.policy(), dryRun: base.config.DRY_RUN },
    }),
  } satisfies DurabilityDeps;
}

/**
 * The durability job for this look, every request it sends fenced by the migration's lock: an
 * abort (or a lock taken from this execution) stops the change before it is sent.
 */
async function fencedJob(context: MigrationContext<DurabilityDeps>) {
  const { deps, invocation } = context;
  const lock = migrationLock(context);
  const job = await deps.durability(`migration-durability/${invocation}`);
  const fence: SendFence = (request, send) =>
    fenced(job.deps.store, lock, { ...request, at: iso(deps) }, send);
  return { ...job, deps: { ...job.deps, fence } };
}

/**
 * A migration target has TLS off (AWS's prerequisite) and durability needs it on: a group that
 * needs online steps first goes through the durability-upgrade workflow (TLS `preferred`, then
 * durability), started here when the deployment has one. Steps the rule does not allow wait
 * there for an approval. The finding then says the upgrade was started.
 */
async function throughUpgrade(
  context: MigrationContext<DurabilityDeps>,
  { deps, settings }: Awaited<ReturnType<typeof fencedJob>>,
  finding: Finding | undefined,
  upgrades: UpgradeStarter | undefined,
): Promise<Finding | undefined> {
  const { execution, state } = context;
  const rule = settings.policy.rules.find((item) => item.name === finding?.rule);
  const config = rule?.durability;
  if (finding?.action !== REMEDIATION_ACTIONS.needsStagedUpgrade || upgrades === undefined) return finding;
  // A report-mode rule changes nothing, after a migration as anywhere.
  if (config === undefined || settings.dryRun || rule?.mode !== 'enforce') return finding;
  const name = `${state.input.replicationGroupId}-after-${execution}`
    .replace(/[^A-Za-z0-9_-]/g, '-')
    .slice(0, 80);
  const input = {
    replicationGroupId: state.input.replicationGroupId,
    target: config.set,
    allow: config.stagedChanges.allow,
    enforce: true,
    lockHandedOverBy: execution,
    // The upgrade watches the group after its durability change, as the rule's soak says.
    soak: soakInputOf(config.soak, config.maxWriteLatencyMs),
  };
  // The data is migrated: the group's lock passes to the upgrade before it starts, only while
  // this execution still holds it (an abort marks it first), still naming the pre-migration
  // snapshot: no cleanup finds it unnamed before the upgrade's Lock step.
  const lock = migrationLock(context);
  const request = { call: 'StartExecution', step: `durability upgrade ${name}`, at: iso(context.deps) };
  const upgrade = { kind: 'upgrade', arn: finding.arn, request };
  if (!(await handOverLock(deps.store, lock, name, context.deps.now(), upgrade)))
    throw new WorkflowError(
      WORKFLOW_ERRORS.lockLost,
      `StartExecution of ${name} not sent: ${execution} no longer holds the lock of ${lock.groupId} (an abort?)`,
    );
  // A later look, or a retried one, may start it again: once that execution has closed, Step
  // Functions answers ExecutionAlreadyExists for its name, and it was started all the same.
  const started = await upgrades.start(name, input).catch(async (error: unknown) => {
    if (nameTaken(error)) return `${name} (already)`;
    // Not started: the lock comes back, so it is not left to an execution that never runs.
    if (!isRetryable(error)) await takeBackLock(deps.store, lock, name, { kind: 'migration' });
    throw error;
  });
  return {
    ...finding,
    action: REMEDIATION_ACTIONS.upgradeStarted,
    reason: `${finding.reason}; staged upgrade ${started} started`,
  };
}

async function raiseDurability(context: MigrationContext<DurabilityDeps>) {
  const { deps, state } = context;
  const durability = await fencedJob(context);
  const result = await checkGroup(durability.deps, durability.settings, state.input.replicationGroupId);
  const finding = await throughUpgrade(
    context,
    durability,
    result.report?.findings.find((item) => item.check === 'durability'),
    deps.upgrades,
  );
  const done = !awaitingChange(result);
  const previous = state.durability ?? { attempt: -1, actions: [] };
  // A change of ours that reached its target ends with a compliant finding and no action.
  const action =
    finding?.action ?? (finding?.status === 'compliant' && previous.actions.length > 0 ? 'verified' : null);
  const outcome = {
    ...nextPoll(previous, state.input.polling.durability, done),
    status: result.status,
    action,
    // Each phase of the change, in order (snapshot-started, modify-requested, succeeded, ...).
    actions:
      action === null || previous.actions.at(-1) === action
        ? previous.actions
        : [...previous.actions, action],
    effectiveDurability: finding?.observed,
    reason: finding?.reason ?? 'no durability rule applies to this group',
  };
  if (done)
    await notify(deps.events, [
      stepEvent(context, 'durability', { action: outcome.action, reason: outcome.reason }),
    ]);
  return outcome;
}

export const durabilitySteps = {
  raise: parsed(parseMigrationState, raiseDurability),
} satisfies Record<string, Step<DurabilityDeps>>;
