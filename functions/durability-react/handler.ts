import * as z from 'zod';
import { RecheckQueue } from '../../shared/aws/recheck-queue.js';
import {
  EVENT_PATTERNS,
  parseRecheckMessage,
  parseResourceEvent,
  type ResourceEvent,
} from '../../shared/domain/events.js';
import { createAppContext } from '../../shared/jobs/context.js';
import { checkGroup, recheckDelay } from '../../shared/jobs/durability.js';
import { envPositiveInt } from '../../shared/runtime/config.js';
import { createHandler } from '../../shared/runtime/handler.js';
import { isSqsBatch, parseSqsBatch, processBatch } from '../../shared/runtime/sqs-batch.js';

const app = createAppContext('durability-react', {
  RECHECK_QUEUE_URL: z.string().min(1),
  MAX_RECHECKS: envPositiveInt.max(50).default(8),
});
const queue = new RecheckQueue(app.config.RECHECK_QUEUE_URL, { maxAttempts: app.config.AWS_MAX_ATTEMPTS });

/** A CloudTrail API call or an ElastiCache service event; or a batch of this function's own delayed re-checks. */
const eventSchema = z
  .unknown()
  .transform((event) =>
    isSqsBatch(event)
      ? { records: parseSqsBatch(event) }
      : { resource: parseResourceEvent(event, EVENT_PATTERNS.durabilityReact) },
  );

/** Evaluate only the affected group; while it is changing, look again later through the delay queue. */
async function react(event: ResourceEvent, requestId: string) {
  const settings = { policy: await app.policy(), dryRun: app.config.DRY_RUN };
  const result = await checkGroup(app.durabilityDeps(requestId), settings, event.resourceId);
  const delay = recheckDelay(result, event.attempt, app.config.MAX_RECHECKS);
  if (delay !== undefined) {
    await queue.schedule({ replicationGroupId: event.resourceId, attempt: event.attempt + 1 }, delay);
  }
  const findings = result.report?.findings ?? [];
  app.logger.info('group checked', { event, status: result.status, recheckInSeconds: delay, findings });
  return { status: result.status, recheckInSeconds: delay, findings };
}

/** A batch answers which records failed (ReportBatchItemFailures), so only those come back. */
export const handler = createHandler(
  { logger: app.logger, eventSchema, onFinalError: 'drop' },
  async (event, context) =>
    event.records === undefined
      ? react(event.resource, context.awsRequestId)
      : processBatch(event.records, app.logger, (record) =>
          react(parseRecheckMessage(record.body), context.awsRequestId),
        ),
);
