/**
 * How a durability-upgrade execution ends, succeeded or failed: the one outcome report, and
 * the release of what it holds (the group's lock, the durability lease, its approval).
 */
import { readReplicationGroup } from '../../aws/elasticache.js';
import { DETAIL_TYPES } from '../../aws/notify.js';
import { RECORD_KINDS } from '../../aws/state-keys.js';
import { REMEDIATION_TIMINGS } from '../../domain/durability/lease-steps.js';
import type { SoakInput } from '../../domain/durability/soak.js';
import type { SoakRecord, SoakRun } from '../../domain/durability/soak-series.js';
import { failureOf } from '../../domain/workflow/index.js';
import { redactText } from '../../runtime/redact.js';
import { releaseLock } from '../workflow/lock.js';
import { notify, workflowEvent } from '../workflow/notify.js';
import type { StepContext } from '../workflow/task.js';
import type { UpgradeDeps } from './deps.js';
import {
  durabilityLease,
  holderOf,
  parseUpgradeFailure,
  UPGRADE_APPROVAL_KIND,
  type UpgradeContext,
} from './state.js';

/**
 * Give back the group's lock, the durability lease and the approval, if this execution holds
 * them. After a failure (`failure` set) the durability lease is kept for a day as `failed`, as
 * the durability job keeps a refused change: no scan starts the same upgrade again every hour.
 */
async function release(
  deps: UpgradeDeps,
  execution: string,
  where: { groupId?: string; arn?: string },
  failure?: { error: string; cause: string },
) {
  const { groupId, arn } = where;
  if (groupId === undefined) return;
  await releaseLock(deps.store, groupId, execution);
  if (arn !== undefined && failure === undefined)
    await deps.store.releaseLease(durabilityLease(arn), holderOf(execution));
  if (arn !== undefined && failure !== undefined) {
    const until = new Date(deps.now().getTime() + REMEDIATION_TIMINGS.outcomeHoldMs);
    const fault = `${failure.error}: ${failure.cause}`;
    await deps.store.updateLease(
      durabilityLease(arn),
      { phase: 'upgrading', rule: `upgrade ${execution}` },
      { phase: 'failed', fault, faultCode: failure.error },
      until,
    );
  }
  await deps.store.deleteRecord(UPGRADE_APPROVAL_KIND, groupId, { field: 'execution', is: execution });
}

/** How the upgrade ended after its soak: a quiet soak (or none) is `succeeded`. */
function statusAfterSoak(state: UpgradeContext['state']): string {
  if (state.soak?.outcome === 'alerted') return 'soak-breached';
  if (state.soak?.outcome === 'stepping-back')
    return state.stepBack?.done === true ? 'stepped-back' : 'soak-breached';
  return 'succeeded';
}

/** What the soak's record is made of: the state of a succeeded execution, or what a failed one kept. */
type SoakParts = Pick<UpgradeContext['state'], 'soak' | 'stepBack' | 'stepBackDeclined'> & {
  input: { soak?: Partial<SoakInput> };
};

/** The soak's record in the outcome: its series, what it read last, why it breached, what was done. */
function soakOutcome({ input, soak, stepBack, stepBackDeclined }: SoakParts): SoakRecord {
  const budget = input.soak?.maxWriteLatencyMs;
  return {
    outcome: soak?.outcome === 'stepping-back' && stepBack?.done === true ? 'stepped-back' : soak?.outcome,
    startedAt: soak?.startedAt,
    lookedAt: soak?.lookedAt,
    looks: soak?.attempt,
    windowSeconds: input.soak?.windowSeconds,
    lookSeconds: input.soak?.lookSeconds,
    ...(budget === undefined ? {} : { maxWriteLatencyMs: budget }),
    ...(soak?.reasons === undefined ? {} : { reasons: soak.reasons, reading: soak.reading }),
    ...(stepBack === undefined ? {} : { steppedBackAt: stepBack.requestedAt }),
    ...(stepBackDeclined === undefined ? {} : { stepBack: `not made: ${stepBackDeclined.Error}` }),
    series: soak?.series ?? [],
  };
}

/**
 * The group's last soak, where a report finds its series (the outcome event is not read back),
 * with the target and soak it ran under: the durability job holds a group it stepped back.
 */
async function keepSoak(
  deps: UpgradeDeps,
  run: Omit<SoakRun, 'replicationGroupId' | 'arn' | 'soak'> & {
    replicationGroupId?: string;
    arn?: string;
    soak?: SoakRecord;
  },
) {
  const { replicationGroupId, arn, soak, ...rest } = run;
  if (soak !== undefined && replicationGroupId !== undefined && arn !== undefined)
    await deps.store.putRecord(RECORD_KINDS.lastSoak, arn, { replicationGroupId, arn, soak, ...rest });
}

export async function succeeded(context: UpgradeContext) {
  const { deps, execution, state } = context;
  const groupId = state.input.replicationGroupId;
  await release(deps, execution, { groupId, arn: state.lock?.arn });
  const group = await readReplicationGroup(deps.elasticache, groupId);
  const soak = state.soak === undefined ? undefined : soakOutcome(state);
  await keepSoak(deps, {
    replicationGroupId: groupId,
    arn: state.lock?.arn,
    execution,
    soak,
    target: state.input.target,
    soakInput: state.input.soak,
    rule: state.input.inPlaceChange?.rule,
  });
  const output = {
    status: state.input.dryRun ? 'dry-run' : statusAfterSoak(state),
    replicationGroupId: groupId,
    execution,
    target: state.input.target,
    effectiveDurability: group?.effectiveDurability,
    steps: state.applied?.history ?? [],
    ...(state.input.dryRun ? { plan: state.plan?.remaining ?? [], reason: state.plan?.reason } : {}),
    snapshot: state.snapshot?.name,
    ...(soak === undefined ? {} : { soak }),
  };
  await notify(deps.events, [
    workflowEvent(DETAIL_TYPES.upgradeOutcome, execution, 'outcome', output, {
      resources: group && [group.arn],
    }),
  ]);
  return output;
}

export async function failed(context: StepContext<UpgradeDeps, Record<string, unknown>>) {
  const { deps, execution } = context;
  const state = parseUpgradeFailure(context.state);
  const { error, cause } = failureOf(state.error);
  await release(deps, execution, { groupId: state.groupId, arn: state.lock?.arn }, { error, cause });
  const steps = state.applied?.history ?? [];
  const soak = state.soak === undefined ? undefined : { ...soakOutcome(state), failed: redactText(error) };
  await keepSoak(deps, {
    replicationGroupId: state.groupId,
    arn: state.lock?.arn,
    execution,
    soak,
    target: state.input.target,
    soakInput: state.input.soak,
    rule: state.input.rule,
  });
  const output = {
    status: 'failed',
    replicationGroupId: state.groupId,
    execution,
    error: redactText(error),
    cause: redactText(cause),
    steps,
    group:
      steps.length === 0
        ? 'not changed'
        : `left as the last completed step made it (${steps.at(-1)}); nothing was undone`,
    ...(state.snapshot?.status === 'available' ? { restoreFrom: state.snapshot.name } : {}),
    ...(soak === undefined ? {} : { soak }),
  };
  await notify(deps.events, [workflowEvent(DETAIL_TYPES.upgradeOutcome, execution, 'outcome', output)]);
  await deps.alerts?.publish({
    subject: `Durability upgrade of ${state.groupId ?? '(invalid input)'} stopped: ${output.error}`,
    body: `${output.cause}\n\nGroup: ${output.group}.\nExecution: ${execution}.`,
    rule: 'durability-upgrade',
    severity: 'high',
    resourceType: 'replication-group',
  });
  return output;
}
