import * as z from 'zod';
import { EVENT_PATTERNS } from '../../shared/aws/event-patterns.js';
import { parseResourceEvent } from '../../shared/domain/events.js';
import { scanDriftOf } from '../../shared/jobs/encryption-drift.js';
import { createEncryptionDriftDeps } from '../../shared/jobs/encryption-drift-deps.js';
import { publishFindingMetrics } from '../../shared/jobs/finding-metrics.js';
import { createMetrics } from '../../shared/jobs/function-base.js';

const drift = createEncryptionDriftDeps();
const metrics = createMetrics();

/**
 * A schedule, or a CloudTrail call that can change encryption, of this account or forwarded
 * from a member's (checked, then the whole fleet of the account and region it names is compared).
 */
const eventSchema = z.unknown().transform((event) => {
  const detailType = (event as { 'detail-type'?: unknown } | null)?.['detail-type'];
  return detailType === 'Scheduled Event'
    ? { trigger: 'schedule', target: undefined }
    : parseResourceEvent(event, EVENT_PATTERNS.encryptionDrift);
});

/** Alert once per StorageEncryptionType transition; baselines move only after the alert is out. */
export const handler = drift.handler({ eventSchema, onFinalError: 'drop' }, async (event, context) => {
  const started = Date.now();
  const policy = await drift.policy();
  const report = await scanDriftOf(drift.job(context, policy), policy, event.target);
  // Dropped (logged as such): nothing was read, nothing to count.
  if (report.notATarget !== undefined) return { status: 'not-a-target', reason: report.notATarget };
  publishFindingMetrics(metrics, report.findings, 'encryption-drift', Date.now() - started);
  const counts: Record<string, number> = {};
  for (const alert of report.alerts) counts[alert.kind] = (counts[alert.kind] ?? 0) + 1;
  drift.logger.info('encryption drift scan finished', {
    event,
    alerts: counts,
    summarized: report.summarized,
  });
  return { alerts: counts, summarized: report.summarized };
});
