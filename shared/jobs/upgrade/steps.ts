/**
 * The steps of the staged durability upgrade (infra/durability-upgrade.asl.yaml), all in the
 * `durability-upgrade` function. The plan is made again from what the API says before every
 * step; each step is one request, sent once (a lost answer is settled by reading the group
 * back); the ASL waits for the group between looks. A refusal ends the execution with the
 * fault's name, the group left as the last step left it.
 */
import { readReplicationGroup, sendPlanStep } from '../../aws/elasticache.js';
import { readEngineVersionsInto } from '../../aws/engine-versions.js';
import { DETAIL_TYPES } from '../../aws/notify.js';
import { createParameterGroupCopy, readParameterGroupsInto } from '../../aws/parameter-groups.js';
import { createSnapshot, describeSnapshot } from '../../aws/snapshots.js';
import { type DurabilityPlan, planDurability } from '../../domain/durability/readiness.js';
import {
  engineVersionOf,
  engineVersionRefusal,
  nextUpgradeLook,
  parseUpgradeInput,
  planOptionsOf,
  sameStep,
  stepSchedule,
} from '../../domain/durability/upgrade.js';
import type { Resource } from '../../domain/resource.js';
import { firstPoll, nextPoll, UPGRADE_ERRORS } from '../../domain/workflow/index.js';
import {
  fenced,
  LOCK_MS,
  type LockRef,
  lastRequest,
  releaseLock,
  takeHandedLock,
  takeLease,
  takeLock,
} from '../workflow/lock.js';
import { notify, workflowEvent } from '../workflow/notify.js';
import { iso, parsed, type Step, type StepContext } from '../workflow/task.js';
import { requestUpgradeApproval } from './approval.js';
import type { UpgradeDeps } from './deps.js';
import { failed, succeeded } from './outcome.js';
import { soakSteps } from './soak.js';
import {
  durabilityLease,
  holderOf,
  parseUpgradeState,
  UPGRADE_APPROVAL_KIND,
  type UpgradeContext,
  UpgradeError,
  type UpgradeState,
} from './state.js';

type Context = UpgradeContext;

/** The pre-upgrade snapshot's name: known from the Lock step on, so the lock names it before it exists. */
const snapshotNameOf = (groupId: string, execution: string) =>
  `${groupId}-preupgrade-${execution.replace(/[^a-zA-Z0-9-]/g, '-')}`.slice(0, 255).replace(/-+$/, '');

/** The group's lock as this execution took it; every request of the upgrade is sent under it. */
function lockOf({ execution, state }: Context): LockRef {
  const token = state.lock?.token;
  if (token === undefined) throw new UpgradeError(UPGRADE_ERRORS.lockLost, 'no lock was taken');
  return { groupId: state.input.replicationGroupId, execution, token };
}

async function readGroup(deps: UpgradeDeps, groupId: string): Promise<Resource> {
  const group = await readReplicationGroup(deps.elasticache, groupId);
  if (group === undefined)
    throw new UpgradeError(UPGRADE_ERRORS.groupNotFound, `replication group ${groupId} not found`);
  const [error] = (await readEngineVersionsInto(deps.elasticache, [group])).values();
  if (error !== undefined) throw error;
  return group;
}

/** The group with what its plan needs of its parameter group (read only when the plan changes family or cluster mode). */
async function planGroup(deps: UpgradeDeps, state: UpgradeState): Promise<[Resource, DurabilityPlan]> {
  const group = await readGroup(deps, state.input.replicationGroupId);
  const [error] = (
    await readParameterGroupsInto(deps.elasticache, [group], engineVersionOf(state.input))
  ).values();
  if (error !== undefined) throw error;
  return [group, planDurability(group, state.input.target, planOptionsOf(state.input))];
}

/** A `Durability Upgrade Step` event; its id holds the step's place (how many steps were applied before). */
function event(context: Context, step: string, detail: object = {}) {
  const detailOf = {
    replicationGroupId: context.state.input.replicationGroupId,
    execution: context.execution,
  };
  return workflowEvent(
    DETAIL_TYPES.upgradeStep,
    context.execution,
    step,
    { ...detailOf, step, ...detail },
    { place: context.state.applied?.history.length ?? 0 },
  );
}

async function validate({ state }: StepContext<UpgradeDeps, Record<string, unknown>>) {
  return { input: parseUpgradeInput(state) };
}

/** The group's lock (shared with migrations) and the durability job's lease on it, or neither. */
async function lock(context: Context) {
  const { deps, execution, state } = context;
  const groupId = state.input.replicationGroupId;
  const group = await readGroup(deps, groupId);
  // The group's version is known only now: a downgrade is refused before anything is held.
  const downgrade = engineVersionRefusal(group, state.input.engineVersion);
  if (downgrade !== undefined)
    throw new UpgradeError(UPGRADE_ERRORS.downgrade, `${downgrade}; nothing was changed`);
  const now = deps.now();
  // The lock and the lease name the pre-upgrade snapshot: snapshot cleanup keeps it while they live.
  const snapshotName = snapshotNameOf(groupId, execution);
  // A retried Lock (its answer lost after the lease was taken) finds its own holder: carry on.
  // A lock handed over by a migration keeps naming the pre-migration snapshot; the lease names ours.
  const handedOverBy = state.input.lockHandedOverBy;
  const taken =
    handedOverBy === undefined
      ? await takeLock(deps.store, groupId, execution, now, { kind: 'upgrade', arn: group.arn, snapshotName })
      : await takeHandedLock(deps.store, groupId, execution);
  if (!taken.held || taken.token === undefined) {
    const holder = taken.holder ?? (handedOverBy === undefined ? 'another execution' : 'nobody');
    const handed = handedOverBy === undefined ? '' : ` (not handed over by ${handedOverBy}, or aborted)`;
    throw new UpgradeError(
      UPGRADE_ERRORS.locked,
      `${groupId} is locked by ${holder}${handed}; nothing was changed`,
    );
  }
  // The durability job reads this lease as a change in flight (phase upgrading): it leaves the group alone.
  const details = {
    phase: 'upgrading',
    replicationGroupId: groupId,
    rule: `upgrade ${execution}`,
    from: group.effectiveDurability ?? 'disabled',
    target: state.input.target,
    applyImmediately: true,
    snapshotName,
  };
  const until = new Date(now.getTime() + LOCK_MS);
  const lease = { key: durabilityLease(group.arn), holder: holderOf(execution), until, now, details };
  // A soak of an in-place change takes the lease the durability job handed to it (soak-starting).
  const handed =
    state.input.inPlaceChange !== undefined &&
    (await deps.store.updateLease(
      lease.key,
      { phase: 'soak-starting', soakExecution: execution },
      details,
      until,
      lease.holder,
    ));
  if (!handed && !(await takeLease(deps.store, lease)).held) {
    await releaseLock(deps.store, groupId, execution);
    throw new UpgradeError(
      UPGRADE_ERRORS.locked,
      `the durability job is changing ${groupId}; nothing was changed (try again after it)`,
    );
  }
  return { at: iso(deps), arn: group.arn, token: taken.token };
}

async function plan(context: Context) {
  const { deps, state } = context;
  const [group, fresh] = await planGroup(deps, state);
  const look = nextUpgradeLook(group, fresh, state.applied?.step);
  const verdict = fresh.verdict;
  switch (look.kind) {
    case 'done':
      return { done: true, ready: true, attempt: 0, waitSeconds: 0, verdict, reason: look.reason };
    case 'busy':
      return {
        ...nextPoll(state.plan ?? { attempt: -1 }, state.input.polling.step, false),
        ready: false,
        verdict,
      };
    case 'blocked':
      throw new UpgradeError(UPGRADE_ERRORS.blocked, `${group.id} ${look.reason}`);
    case 'not-applied':
      throw new UpgradeError(
        UPGRADE_ERRORS.stepNotApplied,
        `${group.id} is available after "${look.step.summary}", yet the plan still starts with it`,
      );
    case 'step':
      if (state.input.inPlaceChange !== undefined)
        throw new UpgradeError(
          UPGRADE_ERRORS.planChanged,
          `${group.id} no longer runs ${state.input.target} (the plan starts with ${look.step.summary}); this execution only watches the change rule ${state.input.inPlaceChange.rule} made in place: nothing was sent`,
        );
      return {
        done: false,
        ready: true,
        attempt: 0,
        waitSeconds: 0,
        verdict,
        step: look.step,
        approval: !look.step.unattended,
        /** No change is made before the snapshot: it is taken ahead of the first step. */
        snapshotNeeded: state.snapshot === undefined,
        remaining:
          fresh.verdict === 'staged' || fresh.verdict === 'in-place' ? fresh.steps.map((s) => s.summary) : [],
      };
  }
}

async function startSnapshot(context: Context) {
  const { deps, execution, state } = context;
  const groupId = state.input.replicationGroupId;
  const name = snapshotNameOf(groupId, execution);
  const request = { call: 'CreateSnapshot', step: 'pre-upgrade snapshot', at: iso(deps) };
  const record = await fenced(deps.store, lockOf(context), request, () =>
    createSnapshot(deps.elasticache, groupId, name, 'pre-upgrade'),
  );
  await notify(deps.events, [event(context, 'snapshot-started', { snapshot: name })]);
  return { name, status: record.status, startedAt: iso(deps), ...firstPoll(state.input.polling.snapshot) };
}

async function checkSnapshot(context: Context) {
  const { deps, state } = context;
  const previous = state.snapshot;
  if (previous === undefined)
    throw new UpgradeError(UPGRADE_ERRORS.snapshotFailed, 'no snapshot was started');
  const record = await describeSnapshot(deps.elasticache, previous.name);
  if (record === undefined || record.status === 'failed')
    throw new UpgradeError(
      UPGRADE_ERRORS.snapshotFailed,
      `snapshot ${previous.name} ${record?.status ?? 'vanished'}`,
    );
  const done = record.status === 'available';
  if (done) await notify(deps.events, [event(context, 'snapshot-available', { snapshot: previous.name })]);
  return { ...previous, ...nextPoll(previous, state.input.polling.snapshot, done), status: record.status };
}

async function requestApproval(context: Context) {
  const { execution, state } = context;
  const groupId = state.input.replicationGroupId;
  const step = state.plan?.step;
  if (step === undefined)
    throw new UpgradeError(UPGRADE_ERRORS.taskTokenMissing, 'the approval step needs a planned step');
  return requestUpgradeApproval(context, {
    action: step.action,
    step: step.summary,
    detail: { step: step.action, summary: step.summary, clientImpact: step.clientImpact, notes: step.notes },
    place: state.applied?.history.length ?? 0,
    alert: (instructions) => ({
      subject: `Approve the next durability step of ${groupId}`,
      body: `${groupId} (execution ${execution}) waits for approval to ${step.summary} (client impact: ${step.clientImpact}).${(step.notes ?? []).map((note) => `\n- ${note}`).join('')}\n\nApprove:  ${instructions}\nWithout a decision within ${state.input.approvalTimeoutSeconds} s the upgrade stops; the group stays as it is.`,
      severity: 'medium',
    }),
  });
}

/**
 * Send the planned step under the lock. A retried apply (an earlier attempt sent the request,
 * then its answer or the event after it was lost) reads the group first: when the plan moved
 * on and the lock records this very request, it reports the step as running and carries on,
 * never "nothing was sent".
 */
async function apply(context: Context) {
  const { deps, state, execution } = context;
  const step = state.plan?.step;
  if (step === undefined) throw new UpgradeError(UPGRADE_ERRORS.stepNotApplied, 'no step was planned');
  const groupId = state.input.replicationGroupId;
  const lock = lockOf(context);
  // The step's place in this execution: a step planned again later is another request.
  const request = { call: step.api, step: `${(state.applied?.history.length ?? 0) + 1}. ${step.summary}` };
  // The approval (if any) is used: its record goes, so an abort cannot answer a spent token.
  await deps.store.deleteRecord(UPGRADE_APPROVAL_KIND, groupId, { field: 'execution', is: execution });
  // The step was planned before an approval that may have waited hours: plan again first.
  const firstNow = async () => {
    const [group, fresh] = await planGroup(deps, state);
    const look = nextUpgradeLook(group, fresh, undefined);
    return { group, first: look.kind === 'step' ? look.step : undefined };
  };
  const before = await firstNow();
  let running: string | undefined;
  if (before.first === undefined || !sameStep(before.first, step)) {
    if ((await lastRequest(deps.store, lock))?.step !== request.step)
      throw new UpgradeError(
        UPGRADE_ERRORS.planChanged,
        `${groupId} changed while "${step.summary}" waited (${before.group.status}; the plan now starts with ${before.first?.summary ?? 'nothing to do online'}); nothing was sent`,
      );
    running = `${step.summary}: requested by an earlier attempt of this step, running (${groupId} is ${before.group.status})`;
  } else
    await fenced(deps.store, lock, { ...request, at: iso(deps) }, async () => {
      if (step.action === 'create-parameter-group') await createParameterGroupCopy(deps.elasticache, step);
      else
        await sendPlanStep(deps.elasticache, step, async () => {
          const after = await firstNow();
          return (
            after.group.status !== 'available' || after.first === undefined || !sameStep(after.first, step)
          );
        });
    });
  const resumed = running === undefined ? {} : { running };
  await notify(deps.events, [
    event(context, 'step-requested', { action: step.action, summary: step.summary, ...resumed }),
  ]);
  return {
    step,
    requestedAt: iso(deps),
    history: [...(state.applied?.history ?? []), step.summary],
    ...resumed,
    ...firstPoll(stepSchedule(state.input.polling.step, step)),
  };
}

async function checkStep(context: Context) {
  const { deps, state } = context;
  const applied = state.applied;
  if (applied === undefined) throw new UpgradeError(UPGRADE_ERRORS.stepNotApplied, 'no step was requested');
  const group = await readGroup(deps, state.input.replicationGroupId);
  const done = group.status === 'available' && !group.pendingModifications;
  if (done) await notify(deps.events, [event(context, 'step-completed', { action: applied.step.action })]);
  return { ...applied, ...nextPoll(applied, stepSchedule(state.input.polling.step, applied.step), done) };
}

/** The actions of `durability-upgrade`, as the ASL names them. */
export const upgradeSteps = {
  validate,
  lock: parsed(parseUpgradeState, lock),
  plan: parsed(parseUpgradeState, plan),
  snapshot: parsed(parseUpgradeState, startSnapshot),
  'snapshot-status': parsed(parseUpgradeState, checkSnapshot),
  'request-approval': parsed(parseUpgradeState, requestApproval),
  apply: parsed(parseUpgradeState, apply),
  'step-status': parsed(parseUpgradeState, checkStep),
  ...Object.fromEntries(
    Object.entries(soakSteps).map(([action, step]) => [action, parsed(parseUpgradeState, step)]),
  ),
  succeeded: parsed(parseUpgradeState, succeeded),
  failed,
} satisfies Record<string, Step<UpgradeDeps>>;
