/**
 * The soak after an upgrade changed a group's durability (infra/durability-upgrade.asl.yaml,
 * StartSoak to StepBackDone?): the group's metrics looked at on the polling schedule until the
 * window is over; on a breach an alert with the numbers, or a step back from sync to async (with
 * an approval unless the policy says unattended), sent under the group's lock, read back and told.
 */
import { readReplicationGroup, sendPlanStep } from '../../aws/elasticache.js';
import { DETAIL_TYPES } from '../../aws/notify.js';
import { type SoakInput, type SoakReading, soakBreaches, soakLooks } from '../../domain/durability/soak.js';
import { withLook } from '../../domain/durability/soak-series.js';
import { firstPoll, nextPoll, UPGRADE_ERRORS } from '../../domain/workflow/index.js';
import { fenced, type LockRef, lastRequest } from '../workflow/lock.js';
import { notify, workflowEvent } from '../workflow/notify.js';
import { iso } from '../workflow/task.js';
import { requestUpgradeApproval } from './approval.js';
import type { UpgradeDeps } from './deps.js';
import { UPGRADE_APPROVAL_KIND, type UpgradeContext, UpgradeError, type UpgradeState } from './state.js';

/** What the lock records for the step back: a retried step tells "sent, answer lost" by it. */
const STEP_BACK = 'soak step-back to async';

function soakOf(state: UpgradeState): SoakInput {
  const soak = state.input.soak;
  if (soak === undefined) throw new UpgradeError(UPGRADE_ERRORS.stepNotApplied, 'the input asks for no soak');
  return soak;
}

function lockOf({ execution, state }: UpgradeContext): LockRef {
  const token = state.lock?.token;
  if (token === undefined) throw new UpgradeError(UPGRADE_ERRORS.lockLost, 'no lock was taken');
  return { groupId: state.input.replicationGroupId, execution, token };
}

async function groupOf(deps: UpgradeDeps, groupId: string) {
  const group = await readReplicationGroup(deps.elasticache, groupId);
  if (group === undefined)
    throw new UpgradeError(UPGRADE_ERRORS.groupNotFound, `replication group ${groupId} not found`);
  return group;
}

const soakEvent = (context: UpgradeContext, step: string, detail: object) =>
  workflowEvent(DETAIL_TYPES.upgradeStep, context.execution, step, {
    replicationGroupId: context.state.input.replicationGroupId,
    execution: context.execution,
    step,
    ...detail,
  });

/** The numbers of a look, as an alert shows them. */
function numbers(reading: SoakReading): string {
  const shown = [
    `DurabilityLag ${reading.lagMs ?? 'no data'} ms`,
    `DurabilityBufferExceededErrorCount ${reading.bufferExceeded ?? 'no data'}`,
    `TrafficManagementActive ${reading.trafficManagementActive === undefined ? 'no data' : Number(reading.trafficManagementActive)}`,
    `SuccessfulWriteRequestLatency ${reading.writeLatencyMs ?? 'no data'} ms`,
  ];
  return shown.join(', ');
}

async function startSoak(context: UpgradeContext) {
  const { deps, state } = context;
  const soak = soakOf(state);
  const at = iso(deps);
  const detail = { windowSeconds: soak.windowSeconds, onBreach: soak.onBreach, looks: soakLooks(soak) };
  await notify(deps.events, [soakEvent(context, 'soak-started', detail)]);
  const poll = firstPoll({
    firstWaitSeconds: soak.lookSeconds,
    maxWaitSeconds: soak.lookSeconds,
    maxAttempts: 1,
  });
  return {
    ...poll,
    startedAt: at,
    lookedAt: at,
    outcome: 'watching',
    series: [],
    stepBack: false,
    approval: false,
  };
}

/**
 * One look: the metrics of the group's nodes since the last look. A quiet look waits for the
 * next until the window's looks are made; a breach ends the watch: alerted, or a step back
 * when the policy asks for one and the group runs sync (the only level it steps back from).
 */
async function checkSoak(context: UpgradeContext) {
  const { deps, state } = context;
  const soak = soakOf(state);
  const previous = state.soak;
  if (previous === undefined) throw new UpgradeError(UPGRADE_ERRORS.stepNotApplied, 'no soak was started');
  const groupId = state.input.replicationGroupId;
  const group = await groupOf(deps, groupId);
  const now = deps.now();
  const sinceMs = Math.max(60_000, now.getTime() - Date.parse(previous.lookedAt));
  const health = await deps.readHealth([{ id: groupId, nodes: group.writeNodes ?? [] }], now, sinceMs);
  const reading: SoakReading = health.get(groupId) ?? {};
  const reasons = soakBreaches(reading, soak);
  const schedule = { firstWaitSeconds: soak.lookSeconds, maxWaitSeconds: soak.lookSeconds, maxAttempts: 1 };
  const window = { from: new Date(now.getTime() - sinceMs).toISOString(), to: now.toISOString() };
  const look = {
    startedAt: previous.startedAt,
    lookedAt: window.to,
    reading: { ...reading },
    // Executions started before the series was kept carry none: theirs starts at this look.
    series: withLook(previous.series ?? [], window, reading),
  };
  if (reasons.length === 0) {
    const done = previous.attempt + 1 >= soakLooks(soak);
    if (done) await notify(deps.events, [soakEvent(context, 'soak-quiet', { reading })]);
    const outcome = done ? 'quiet' : 'watching';
    return { ...nextPoll(previous, schedule, done), ...look, outcome, stepBack: false, approval: false };
  }
  const stepBack = soak.onBreach === 'step-back' && group.effectiveDurability === 'sync';
  const outcome = stepBack ? 'stepping-back' : 'alerted';
  await notify(deps.events, [soakEvent(context, 'soak-breached', { reasons, reading, outcome })]);
  const skipped =
    soak.onBreach === 'step-back' && !stepBack
      ? `\nNo step back: it steps back from sync only, and ${groupId} runs ${group.effectiveDurability ?? 'an unknown level'}.`
      : '';
  const next = stepBack
    ? `\nNext: Durability sync -> async${soak.unattended ? ' (unattended)' : ', once approved'}.`
    : '';
  await deps.alerts?.publish({
    subject: `Durability soak of ${groupId} breached`,
    body: `${groupId} (execution ${context.execution}) strains after its durability change:\n- ${reasons.join('\n- ')}\nRead: ${numbers(reading)}.${skipped}${next}`,
    rule: 'durability-upgrade',
    severity: 'high',
    resourceType: 'replication-group',
  });
  return {
    ...nextPoll(previous, schedule, true),
    ...look,
    outcome,
    reasons,
    stepBack,
    approval: stepBack && !soak.unattended,
  };
}

function requestStepBackApproval(context: UpgradeContext) {
  const { state } = context;
  const groupId = state.input.replicationGroupId;
  const reasons = state.soak?.reasons ?? [];
  return requestUpgradeApproval(context, {
    action: 'soak-step-back',
    step: STEP_BACK,
    detail: { step: 'soak-step-back', summary: 'Durability sync -> async', reasons },
    alert: (instructions) => ({
      subject: `Approve stepping ${groupId} back to async durability`,
      body: `${groupId} breached its soak:\n- ${reasons.join('\n- ')}\n\nApprove:  ${instructions}\nWithout a decision within ${state.input.approvalTimeoutSeconds} s the group stays sync.`,
      severity: 'high',
    }),
  });
}

/**
 * `ModifyReplicationGroup Durability=async`, once, under the lock (re-checked by the fence just
 * before the send: a lock taken by another execution or marked aborting sends nothing). A retry
 * whose first send went out finds its own request on the lock and carries on.
 */
async function stepBack(context: UpgradeContext) {
  const { deps, state, execution } = context;
  const groupId = state.input.replicationGroupId;
  const lock = lockOf(context);
  await deps.store.deleteRecord(UPGRADE_APPROVAL_KIND, groupId, { field: 'execution', is: execution });
  const group = await groupOf(deps, groupId);
  const poll = firstPoll(state.input.polling.step);
  if (group.effectiveDurability !== 'sync' || group.durability === 'async') {
    if ((await lastRequest(deps.store, lock))?.step === STEP_BACK)
      return {
        ...poll,
        requestedAt: iso(deps),
        running: `requested by an earlier attempt (${group.status})`,
      };
    throw new UpgradeError(
      UPGRADE_ERRORS.planChanged,
      `${groupId} no longer runs sync (${group.effectiveDurability ?? 'unknown'}); no step back was sent`,
    );
  }
  const params = { ReplicationGroupId: groupId, Durability: 'async', ApplyImmediately: true };
  await fenced(deps.store, lock, { call: 'ModifyReplicationGroup', step: STEP_BACK, at: iso(deps) }, () =>
    sendPlanStep(deps.elasticache, { api: 'ModifyReplicationGroup', params }, async () => {
      const after = await groupOf(deps, groupId);
      return after.durability === 'async' || after.status !== 'available';
    }),
  );
  await notify(deps.events, [soakEvent(context, 'step-back-requested', { durability: 'async' })]);
  return { ...poll, requestedAt: iso(deps) };
}

/** The step back read back: done once the group is available and runs async; then alerted. */
async function checkStepBack(context: UpgradeContext) {
  const { deps, state } = context;
  const previous = state.stepBack;
  if (previous === undefined)
    throw new UpgradeError(UPGRADE_ERRORS.stepNotApplied, 'no step back was requested');
  const groupId = state.input.replicationGroupId;
  const group = await groupOf(deps, groupId);
  const done =
    group.status === 'available' && !group.pendingModifications && group.effectiveDurability === 'async';
  if (done) {
    await notify(deps.events, [soakEvent(context, 'stepped-back', { effectiveDurability: 'async' })]);
    await deps.alerts?.publish({
      subject: `${groupId} stepped back to async durability`,
      body: `${groupId} runs async again (execution ${context.execution}) after its soak breached:\n- ${(state.soak?.reasons ?? []).join('\n- ')}\nAsync keeps microsecond writes and may lose up to 10 s of writes on a failure; the rule's minimum is checked by the next scan.`,
      rule: 'durability-upgrade',
      severity: 'high',
      resourceType: 'replication-group',
    });
  }
  return { ...previous, ...nextPoll(previous, state.input.polling.step, done) };
}

/** The soak's actions of `durability-upgrade`, as the ASL names them (parsed by steps.ts). */
export const soakSteps = {
  'soak-start': startSoak,
  'soak-check': checkSoak,
  'request-step-back-approval': requestStepBackApproval,
  'step-back': stepBack,
  'step-back-status': checkStepBack,
};
