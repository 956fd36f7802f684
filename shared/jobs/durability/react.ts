/**
 * The durability reaction to one event: evaluate only the affected group, in the account and
 * region the event names, and, while it is changing, look again later through the re-check
 * queue. A member account's group is reached through that account's member role.
 */
import { type AwsClientOptions, createElastiCacheClient } from '../../aws/clients.js';
import { createMetricsClient } from '../../aws/durability-metrics.js';
import { MAX_DELAY_SECONDS, type RecheckQueue } from '../../aws/recheck-queue.js';
import { type MemberAccessSource, MemberCredentials } from '../../aws/targets.js';
import type { ResourceEvent } from '../../domain/events.js';
import { sameTarget, type Target, targetName } from '../../domain/targets.js';
import { reactIn } from '../member-env.js';
import { type UnitsAbove, whyNotCovered } from '../target-coverage.js';
import { awaitingChange, checkGroup, type DurabilityJobSettings, type DurabilityReport } from './pipeline.js';
import type { GroupCheckDeps } from './ports.js';

/** The clients a reaction acts through in one target. */
export type TargetClients = Pick<GroupCheckDeps, 'clients' | 'cloudwatch'>;

/**
 * The ElastiCache and CloudWatch clients of other targets, built on first use and kept for
 * the container: one pair per target, over one set of credentials per account.
 *
 * @example
 * const members = new MemberClients({ roleName: 'elasticache-guardrails-member' });
 * const { clients } = members.clientsOf({ account: '111111111111', region: 'eu-west-1' });
 */
export class MemberClients {
  readonly credentials: MemberCredentials;
  readonly #options: AwsClientOptions;
  readonly #byTarget = new Map<string, TargetClients>();

  constructor(access: MemberAccessSource, options: AwsClientOptions = {}) {
    this.credentials = new MemberCredentials(access, options);
    this.#options = options;
  }

  clientsOf(target: Target): TargetClients {
    const name = targetName(target);
    let found = this.#byTarget.get(name);
    if (found === undefined) {
      const options = this.credentials.clientOptions(target, this.#options);
      found = {
        clients: { elasticache: createElastiCacheClient(options) },
        cloudwatch: createMetricsClient(options),
      };
      this.#byTarget.set(name, found);
    }
    return found;
  }
}

/** What a reaction needs: the own target's deps, the other targets' clients, and which target is its own. */
export interface ReactionDeps extends GroupCheckDeps {
  /**
   * The function's own account (from its ARN) and region: an event naming them, or naming no
   * target, is acted on with `clients` and `cloudwatch` as they are.
   */
  home: { account?: string | undefined; region?: string | undefined };
  members: MemberClients;
  /** Where an account sits in the organisation: read when the policy's targets name OUs. */
  units: UnitsAbove;
}

/**
 * The function's own account and region, as far as known: the account of its ARN
 * (`arn:aws:lambda:<region>:<account>:…`) and the region its own clients call (`AWS_REGION`),
 * each undefined when missing. The org scan's `homeTarget` (org-scan.ts) refuses either missing.
 */
export function partialHomeTarget(invokedFunctionArn: string | undefined, region: string | undefined) {
  const account = invokedFunctionArn?.split(':')[4];
  return { account: account === '' ? undefined : account, region };
}

export { TargetReactionError } from '../member-env.js';

/**
 * Check the group an event names, in the target it names; schedule a re-check (attempt + 1,
 * same target) when it is still changing. A failure in another target (its role denied, STS
 * throttled, its region not enabled, …) is a {@link TargetReactionError} naming the cause.
 *
 * @example
 * const result = await reactToEvent(deps, settings, { queue, maxRechecks: 8 }, event);
 */
export async function reactToEvent(
  deps: ReactionDeps,
  settings: DurabilityJobSettings,
  rechecks: { queue: RecheckQueue; maxRechecks: number },
  event: ResourceEvent,
) {
  const { target } = event;
  if (target === undefined || sameTarget(target, deps.home)) return react(deps, settings, rechecks, event);
  const outside = await whyNotCovered(settings.policy.settings.targets, target, deps.units);
  if (outside !== undefined) {
    deps.logger.warn('event dropped: not a target of this deployment', { event, reason: outside });
    return { status: 'not-a-target', reason: outside, recheckInSeconds: undefined, findings: [] };
  }
  // The upgrade workflow acts in its own account and region only: a member's group starts none.
  return reactIn(target, deps.members.credentials.access, () =>
    react({ ...deps, ...deps.members.clientsOf(target), upgrades: undefined }, settings, rechecks, event),
  );
}

async function react(
  deps: GroupCheckDeps,
  settings: DurabilityJobSettings,
  rechecks: { queue: RecheckQueue; maxRechecks: number },
  event: ResourceEvent,
) {
  const result = await checkGroup(deps, settings, event.resourceId);
  const delay = recheckDelay(result, event.attempt, rechecks.maxRechecks);
  if (delay !== undefined) {
    await rechecks.queue.schedule(
      { replicationGroupId: event.resourceId, attempt: event.attempt + 1, ...event.target },
      delay,
    );
  }
  const findings = result.report?.findings ?? [];
  deps.logger.info('group checked', { event, status: result.status, recheckInSeconds: delay, findings });
  return { status: result.status, recheckInSeconds: delay, findings };
}

const FIRST_RECHECK_SECONDS = 60;

/**
 * When a reaction should look at the group again (seconds, doubling per attempt up to SQS's
 * 15 minutes), or undefined when it is settled or `maxRechecks` is used up.
 */
export function recheckDelay(
  result: { status: string; report?: DurabilityReport },
  attempt: number,
  maxRechecks: number,
): number | undefined {
  if (attempt >= maxRechecks || !awaitingChange(result)) return undefined;
  return Math.min(MAX_DELAY_SECONDS, FIRST_RECHECK_SECONDS * 2 ** attempt);
}
