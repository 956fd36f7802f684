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
import { NO_WORKFLOW } from '../durability/in-place-soak.js';
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

/** What an upgrade execution is started with. */
type UpgradeInput = Parameters<UpgradeStarter['start']>[1];

/**
 * Pass the group's lock to the durability-upgrade execution `<group>-<what>-<execution>` and start
 * it toward `target` with `input`'s other fields: only while this execution still holds the lock
 * (an abort marks it first), still naming the pre-migration snapshot, so no cleanup finds it
 * unnamed before that execution's Lock step. Returns the execution started (`(already)` when Step
 * Functions knows the name).
 */
async function handOff(
  context: MigrationContext<DurabilityDeps>,
  store: GroupCheckDeps['store'],
  upgrades: UpgradeStarter,
  start: {
    what: 'after' | 'soak-after';
    arn: string;
    step: string;
    input: Omit<UpgradeInput, 'replicationGroupId' | 'enforce' | 'lockHandedOverBy'>;
  },
): Promise<string> {
  const { execution, state } = context;
  const lock = migrationLock(context);
  const group = state.input.replicationGroupId;
  const name = `${group}-${start.what}-${execution}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80);
  const request = { call: 'StartExecution', step: `${start.step} ${name}`, at: iso(context.deps) };
  const upgrade = { kind: 'upgrade', arn: start.arn, request };
  if (!(await handOverLock(store, lock, name, context.deps.now(), upgrade)))
    throw new WorkflowError(
      WORKFLOW_ERRORS.lockLost,
      `StartExecution of ${name} not sent: ${execution} no longer holds the lock of ${lock.groupId} (an abort?)`,
    );
  // In the order the input always had: a retried look sends the same input under the same name.
  const { target, allow, ...rest } = start.input;
  const input = {
    replicationGroupId: group,
    target,
    allow,
    enforce: true,
    lockHandedOverBy: execution,
    ...rest,
  };
  // A later look, or a retried one, may start it again: once that execution has closed, Step
  // Functions answers ExecutionAlreadyExists for its name, and it was started all the same.
  return upgrades.start(name, input).catch(async (error: unknown) => {
    if (nameTaken(error)) return `${name} (already)`;
    // Not started: the lock comes back, so it is not left to an execution that never runs.
    if (!isRetryable(error)) await takeBackLock(store, lock, name, { kind: 'migration' });
    throw error;
  });
}

/**
 * The durability rule behind `finding` when it may change the group: in enforce mode, outside a
 * dry run (a report-mode rule changes nothing, after a migration as anywhere).
 */
function enforcedRule(settings: Awaited<ReturnType<typeof fencedJob>>['settings'], finding?: Finding) {
  const rule = settings.policy.rules.find((item) => item.name === finding?.rule);
  return rule?.durability === undefined || settings.dryRun || rule.mode !== 'enforce' ? undefined : rule;
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
  if (finding?.action !== REMEDIATION_ACTIONS.needsStagedUpgrade || upgrades === undefined) return finding;
  const config = enforcedRule(settings, finding)?.durability;
  if (config === undefined) return finding;
  const started = await handOff(context, deps.store, upgrades, {
    what: 'after',
    arn: finding.arn,
    step: 'durability upgrade',
    input: {
      target: config.set,
      allow: config.stagedChanges.allow,
      // The upgrade watches the group after its durability change, as the rule's soak says.
      soak: soakInputOf(config.soak, config.maxWriteLatencyMs),
    },
  });
  return {
    ...finding,
    action: REMEDIATION_ACTIONS.upgradeStarted,
    reason: `${finding.reason}; staged upgrade ${started} started`,
  };
}

/**
 * The durability this migration raised in place is watched as every other change is: the lock
 * passes to a soak-only execution of the durability-upgrade workflow (`inPlaceChange`: it plans,
 * finds nothing left and soaks). None without a soak in the rule or without the workflow.
 */
async function throughSoak(
  context: MigrationContext<DurabilityDeps>,
  { deps, settings }: Awaited<ReturnType<typeof fencedJob>>,
  finding: Finding | undefined,
  upgrades: UpgradeStarter | undefined,
): Promise<string | undefined> {
  const rule = enforcedRule(settings, finding);
  const config = rule?.durability;
  if (finding === undefined || rule === undefined || config === undefined) return undefined;
  const soak = soakInputOf(config.soak, config.maxWriteLatencyMs);
  // The job's own reason already says the rule has no soak (in-place-soak.ts).
  if (soak === undefined) return undefined;
  if (upgrades === undefined) return NO_WORKFLOW;
  const started = await handOff(context, deps.store, upgrades, {
    what: 'soak-after',
    arn: finding.arn,
    step: 'durability soak',
    input: {
      target: config.set,
      allow: [],
      soak,
      inPlaceChange: { rule: rule.name, startedAt: iso(context.deps) },
    },
  });
  return `soak ${started} started`;
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
  // A change of ours that took effect is soaked: the lock passes to the soak (a retried look finds it passed).
  const soaked =
    done && action === 'verified'
      ? await throughSoak(context, durability, finding, deps.upgrades)
      : undefined;
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
    // The job ran without the workflow (this migration holds the lock): what the migration did instead is said.
    reason: [
      finding?.reason.replace(`; ${NO_WORKFLOW}`, '') ?? 'no durability rule applies to this group',
      soaked,
    ]
      .filter(Boolean)
      .join('; '),
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
