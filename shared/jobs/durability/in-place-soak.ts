/**
 * The soak of a durability change the job made in place: once the change has taken effect, the
 * run that closes its lease starts the durability-upgrade workflow for the group with the rule's
 * soak and `inPlaceChange`. The workflow takes the group's lock (shared with migrations), plans,
 * finds nothing left and watches the group as it watches a change of its own
 * (shared/jobs/upgrade/soak.ts): one soak, whichever path changed the group.
 */
import { AwsCallError } from '../../aws/errors.js';
import type { Lease } from '../../aws/state-store.js';
import { nameTaken } from '../../aws/upgrade-starter.js';
import type { RemediationDetails } from '../../domain/durability/lease-steps.js';
import type { SoakInput } from '../../domain/durability/soak.js';
import type { GroupCheckDeps } from './ports.js';

/** What became of the soak: the finding's and the event's words, and the execution when one runs. */
export interface InPlaceSoak {
  reason: string;
  execution?: string;
}

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
 * Start the soak of the change `lease` held, which has just taken effect. Nothing starts when
 * the rule watches nothing (`soak: false`) or the deployment has no upgrade workflow; a start
 * that fails is reported, never retried here (the change itself succeeded).
 *
 * @example
 * const soak = await watchInPlaceChange(deps, lease, ruleSoak(policy, lease.details.rule));
 */
export async function watchInPlaceChange(
  deps: Pick<GroupCheckDeps, 'upgrades' | 'logger'>,
  lease: Pick<Lease<RemediationDetails>, 'acquiredAt' | 'details'>,
  soak: SoakInput | undefined,
): Promise<InPlaceSoak> {
  const { replicationGroupId, rule, target } = lease.details;
  if (soak === undefined)
    return { reason: `not soaked: rule ${rule} has no soak (soak: false, or the rule is gone)` };
  if (deps.upgrades === undefined) return { reason: 'not soaked: no upgrade workflow' };
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
    if (nameTaken(error)) return { reason: `soak ${name} already started`, execution: name };
    if (!(error instanceof AwsCallError)) throw error;
    deps.logger.warn('soak not started', { replicationGroupId, execution: name, error: error.message });
    return { reason: `soak ${name} not started: ${error.message}` };
  }
}
