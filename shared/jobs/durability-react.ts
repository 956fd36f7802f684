/**
 * The durability reaction to one event: evaluate only the affected group and, while it is
 * changing, look again later through the re-check queue.
 */
import { MAX_DELAY_SECONDS, type RecheckQueue } from '../aws/recheck-queue.js';
import type { ResourceEvent } from '../domain/events.js';
import {
  awaitingChange,
  checkGroup,
  type DurabilityJobSettings,
  type DurabilityReport,
  type GroupCheckDeps,
} from './durability.js';

/**
 * Check the group an event names; schedule a re-check (attempt + 1) when it is still changing.
 *
 * @example
 * const result = await reactToEvent(deps, settings, { queue, maxRechecks: 8 }, event);
 */
export async function reactToEvent(
  deps: GroupCheckDeps,
  settings: DurabilityJobSettings,
  rechecks: { queue: RecheckQueue; maxRechecks: number },
  event: ResourceEvent,
) {
  const result = await checkGroup(deps, settings, event.resourceId);
  const delay = recheckDelay(result, event.attempt, rechecks.maxRechecks);
  if (delay !== undefined) {
    await rechecks.queue.schedule(
      { replicationGroupId: event.resourceId, attempt: event.attempt + 1 },
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
