/**
 * The soak of a durability change the job made in place: once the change has taken effect, the
 * run that closes its lease hands the lease to the soak (phase `soak-starting`, held by the soak
 * execution, written before StartExecution) and starts the durability-upgrade workflow for the
 * group with the rule's soak and `inPlaceChange`. The workflow's Lock step takes that lease and
 * the group's lock (shared with migrations), plans, finds nothing left and watches the group as
 * it watches a change of its own (shared/jobs/upgrade/soak.ts): one soak, whichever path changed
 * the group, and no moment when a run that stops leaves the change unsoaked: a later run finds
 * the lease still `soak-starting` and starts the soak under the same name.
 */
import { AwsCallError } from '../../aws/errors.js';
import type { Lease } from '../../aws/state-store.js';
import { nameTaken } from '../../aws/upgrade-starter.js';
import {
  REMEDIATION_TIMINGS,
  type RemediationDetails,
  upgradeHolder,
} from '../../domain/durability/lease-steps.js';
import type { SoakInput } from '../../domain/durability/soak.js';
import type { GroupCheckDeps } from './ports.js';

/** What became of the soak: the finding's and the event's words, and the execution when one runs. */
export interface InPlaceSoak {
  reason: string;
  execution?: string;
}

type SoakLease = Pick<Lease<RemediationDetails>, 'key' | 'holder' | 'acquiredAt' | 'details'>;

/**
 * The soak execution's name: the group and the digits of the lease's start (`orders-soak-20261125100000000`),
 * the same for every run that closes the same change, so Step Functions starts it once: "if you
 * call StartExecution with the same name and input as a running execution, the call succeeds and
 * return the same response ... If the execution is closed or if the input is different, it
 * returns a 400 ExecutionAlreadyExists error" (StartExecution, SDK model; a name is free again 90
 * days after it closes, long after its lease). At most 80 characters: a group id has at most 40.
 */
export const inPlaceSoakName = (lease: Pick<Lease<RemediationDetails>, 'acquiredAt' | 'details'>) =>
  `${lease.details.replicationGroupId}-soak-${lease.acquiredAt.replace(/[^0-9]/g, '')}`.slice(0, 80);

/**
 * Close the lease of a change that has just taken effect: hand it to its soak (`soak-starting`,
 * held by the soak execution for a day) when the rule watches (`soak`) and the deployment has the
 * upgrade workflow, else release it. False when another run closed it first: that run starts the soak.
 *
 * @example
 * if (!(await closeChange(deps, lease, ruleSoak(policy, lease.details.rule), now))) return finding;
 */
export function closeChange(
  deps: Pick<GroupCheckDeps, 'upgrades' | 'store'>,
  lease: SoakLease,
  soak: SoakInput | undefined,
  now: Date,
): Promise<boolean> {
  if (soak === undefined || deps.upgrades === undefined)
    return deps.store.releaseLease(lease.key, lease.holder);
  const name = inPlaceSoakName(lease);
  return deps.store.updateLease(
    lease.key,
    { phase: lease.details.phase, soakExecution: undefined },
    { phase: 'soak-starting', soakExecution: name, soak },
    new Date(now.getTime() + REMEDIATION_TIMINGS.outcomeHoldMs),
    { from: lease.holder, to: upgradeHolder(name) },
  );
}

/** Why a change the job made in place starts no soak where the job runs without the workflow. */
export const NO_WORKFLOW = 'not soaked: no upgrade workflow';

/**
 * Start the soak of the change `lease` held (handed to it by {@link closeChange}, or still
 * waiting for it: the same name and input, so a start already made answers the same execution).
 * Nothing starts when the rule watches nothing (`soak: false`) or the deployment has no upgrade
 * workflow. A start that fails leaves the lease waiting for the next run; an execution of that
 * name that has closed without taking the lease (a migration held the group) gives it back.
 *
 * @example
 * const soak = await watchInPlaceChange(deps, lease, ruleSoak(policy, lease.details.rule));
 */
export async function watchInPlaceChange(
  deps: Pick<GroupCheckDeps, 'upgrades' | 'logger' | 'store'>,
  lease: SoakLease,
  soak: SoakInput | undefined,
): Promise<InPlaceSoak> {
  const { replicationGroupId, rule, target } = lease.details;
  if (soak === undefined)
    return { reason: `not soaked: rule ${rule} has no soak (soak: false, or the rule is gone)` };
  if (deps.upgrades === undefined) return { reason: NO_WORKFLOW };
  const name = inPlaceSoakName(lease);
  try {
    const execution = await deps.upgrades.start(name, {
      replicationGroupId,
      target,
      allow: [],
      enforce: true,
      soak,
      inPlaceChange: { rule, startedAt: lease.acquiredAt },
    });
    return { reason: `soak ${name} started (execution ${execution})`, execution };
  } catch (error) {
    if (nameTaken(error)) {
      // Its execution has closed (the input is the same): the lease it was handed is given back.
      await deps.store.releaseLease(lease.key, upgradeHolder(name));
      return { reason: `soak ${name} ended without watching the group (see its outcome)`, execution: name };
    }
    if (!(error instanceof AwsCallError)) throw error;
    deps.logger.warn('soak not started', { replicationGroupId, execution: name, error: error.message });
    return {
      reason: `soak ${name} not started yet: ${error.message}; the lease waits for it (soak-starting) and the next run starts it`,
    };
  }
}
