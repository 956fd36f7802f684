/**
 * A workflow's events are notifications: the execution's history is their state, so there is
 * no outbox to keep them in. Each has a stable id (the execution, the step and its place, never
 * the attempt), so a consumer drops the repeat a retried step sends; one EventBridge does not
 * take is logged and the step goes on, never failed or retried for it (a retried step would
 * have to re-check a change it already sent).
 */
import { type DetailType, type EventPublisher, eventId, type OutgoingEvent } from '../../aws/notify.js';
import { createLogger } from '../../runtime/logger.js';

const logger = createLogger('workflow-events');

/** Rounds of PutEvents for a step's events, each with the SDK's own retries. */
const DELIVERY_ROUNDS = 4;

/** What a workflow step sends its events with. */
export type StepEvents = Pick<EventPublisher, 'deliver'>;

/** A workflow event with the id it keeps however often its step runs. */
export interface WorkflowEvent extends OutgoingEvent {
  id: string;
}

/**
 * The event `detailType` of execution `execution` about `step` (and its `place` when the step
 * runs more than once in an execution, as the upgrade's steps do).
 *
 * @example
 * workflowEvent(DETAIL_TYPES.migrationStep, 'mig-orders-1', 'in-sync', { replicationGroupId: 'orders', lagBytes: 0 });
 */
export function workflowEvent(
  detailType: DetailType,
  execution: string,
  step: string,
  detail: object,
  extra: { place?: number; resources?: string[] } = {},
): WorkflowEvent {
  return {
    id: eventId(detailType, execution, step, String(extra.place ?? 0)),
    detailType,
    detail,
    ...(extra.resources === undefined ? {} : { resources: extra.resources }),
  };
}

/**
 * Send a step's events, offering again what EventBridge refused (up to DELIVERY_ROUNDS rounds);
 * what it still does not take is logged, not thrown.
 *
 * @example
 * await notify(deps.events, [workflowEvent(DETAIL_TYPES.migrationStep, execution, 'migration-started', detail)]);
 */
export async function notify(events: StepEvents, sent: readonly WorkflowEvent[]): Promise<void> {
  let failed: Awaited<ReturnType<StepEvents['deliver']>>['failed'] = [];
  let pending: readonly WorkflowEvent[] = sent;
  // A PutEvents call changes nothing of ours and consumers drop repeats by id: what EventBridge
  // refused (throttled) is offered again, a bounded number of rounds, before it is given up.
  for (let round = 0; round < DELIVERY_ROUNDS && pending.length > 0; round += 1) {
    ({ failed } = await events.deliver(pending));
    pending = failed.map(({ event }) => event as WorkflowEvent);
  }
  if (failed.length === 0) return;
  logger.warn('workflow events not delivered: EventBridge did not take them; the step goes on', {
    events: failed.map(({ event, reason }) => ({ detailType: event.detailType, eventId: event.id, reason })),
  });
}
