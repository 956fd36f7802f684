import * as z from 'zod';
import { EVENT_PATTERNS } from '../../shared/aws/event-patterns.js';
import { parseRecheckMessage, parseResourceEvent, type ResourceEvent } from '../../shared/domain/events.js';
import { createDurabilityReactDeps } from '../../shared/jobs/durability/deps.js';
import { reactToEvent } from '../../shared/jobs/durability/react.js';
import { isSqsBatch, parseSqsBatch, processBatch } from '../../shared/runtime/sqs-batch.js';

const durability = createDurabilityReactDeps();

/** A CloudTrail API call; or a batch of this function's own delayed re-checks. */
const eventSchema = z
  .unknown()
  .transform((event) =>
    isSqsBatch(event)
      ? { records: parseSqsBatch(event) }
      : { resource: parseResourceEvent(event, EVENT_PATTERNS.durabilityReact) },
  );

/** A batch answers which records failed (ReportBatchItemFailures), so only those come back. */
export const handler = durability.handler({ eventSchema, onFinalError: 'drop' }, async (event, context) => {
  const react = async (resource: ResourceEvent) => {
    const settings = await durability.settings();
    return reactToEvent(
      durability.reactionJob(context, settings.policy),
      settings,
      durability.rechecks,
      resource,
    );
  };
  return event.records === undefined
    ? react(event.resource)
    : processBatch(event.records, durability.logger, (record) => react(parseRecheckMessage(record.body)));
});
