import * as z from 'zod';
import { AlertPublisher } from '../../shared/aws/notify.js';
import { EVENT_PATTERNS, parseResourceEvent } from '../../shared/domain/events.js';
import { createAppContext } from '../../shared/jobs/context.js';
import { scanEncryptionDrift } from '../../shared/jobs/encryption-drift.js';
import { createHandler } from '../../shared/runtime/handler.js';
import { publishFindingMetrics } from '../../shared/runtime/metrics.js';

const app = createAppContext('encryption-drift', { ALERT_TOPIC_ARN: z.string().min(1) });
const alerts = new AlertPublisher(app.config.ALERT_TOPIC_ARN, { maxAttempts: app.config.AWS_MAX_ATTEMPTS });

/** A schedule, or a CloudTrail call that can change encryption (checked, then the whole fleet is compared). */
const eventSchema = z.unknown().transform((event) => {
  const detailType = (event as { 'detail-type'?: unknown } | null)?.['detail-type'];
  return detailType === 'Scheduled Event'
    ? { trigger: 'schedule' }
    : parseResourceEvent(event, EVENT_PATTERNS.encryptionDrift);
});

/** Alert once per StorageEncryptionType transition; baselines move only after the alert is out. */
export const handler = createHandler(
  { logger: app.logger, eventSchema, onFinalError: 'drop' },
  async (event) => {
    const started = Date.now();
    const deps = { clients: app.clients, store: app.store, events: app.events, alerts, logger: app.logger };
    const report = await scanEncryptionDrift(deps, await app.policy());
    publishFindingMetrics(app.metrics, report.findings, 'encryption-drift', Date.now() - started);
    const counts: Record<string, number> = {};
    for (const alert of report.alerts) counts[alert.kind] = (counts[alert.kind] ?? 0) + 1;
    app.logger.info('encryption drift scan finished', {
      event,
      alerts: counts,
      summarized: report.summarized,
    });
    return { alerts: counts, summarized: report.summarized };
  },
);
