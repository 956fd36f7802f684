import * as z from 'zod';
import { EVENT_PATTERNS } from '../../shared/aws/event-patterns.js';
import { OrganizationUnits } from '../../shared/aws/organization.js';
import { RecheckQueue } from '../../shared/aws/recheck-queue.js';
import { parseRecheckMessage, parseResourceEvent, type ResourceEvent } from '../../shared/domain/events.js';
import { createDurabilityReactDeps } from '../../shared/jobs/durability/deps.js';
import { MemberClients, partialHomeTarget, reactToEvent } from '../../shared/jobs/durability/react.js';
import { MEMBER_ENV, perMemberAccess } from '../../shared/jobs/member-env.js';
import { envPositiveInt } from '../../shared/runtime/config.js';
import { isSqsBatch, parseSqsBatch, processBatch } from '../../shared/runtime/sqs-batch.js';

const durability = createDurabilityReactDeps({
  RECHECK_QUEUE_URL: z.string().min(1),
  MAX_RECHECKS: envPositiveInt.max(50).default(8),
  AWS_REGION: z.string().min(1).optional(),
  ...MEMBER_ENV,
});
const rechecks = {
  queue: new RecheckQueue(durability.config.RECHECK_QUEUE_URL, durability.aws),
  maxRechecks: durability.config.MAX_RECHECKS,
};
/** Member accounts' clients, one AssumeRole per account for the container's life. */
const membersFor = perMemberAccess(
  durability.config,
  durability.aws,
  (access) => new MemberClients(access, durability.aws),
);
const units = new OrganizationUnits(durability.aws);

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
  const home = partialHomeTarget(context.invokedFunctionArn, durability.config.AWS_REGION);
  const react = async (resource: ResourceEvent) => {
    const settings = await durability.settings();
    const members = membersFor(settings.policy);
    return reactToEvent(
      { ...durability.job(context.awsRequestId), members, home, units },
      settings,
      rechecks,
      resource,
    );
  };
  return event.records === undefined
    ? react(event.resource)
    : processBatch(event.records, durability.logger, (record) => react(parseRecheckMessage(record.body)));
});
