import * as z from 'zod';
import { scanDurability } from '../../shared/jobs/durability.js';
import { createScanDeps } from '../../shared/jobs/durability-deps.js';
import { createMetrics } from '../../shared/jobs/function-base.js';
import { createHandler } from '../../shared/runtime/handler.js';
import { publishFindingMetrics, unknownPercent } from '../../shared/runtime/metrics.js';

/** Every finding unknown is not compliance: the endpoint's answers lack the 2026-06-02 fields. */
const NOTHING_EVALUATED =
  'nothing evaluated: every finding is unknown (the ElastiCache answers lack Durability, EffectiveDurability or StorageEncryptionType: an endpoint or SDK older than the 2026-06-02 model)';

const durability = createScanDeps();
const metrics = createMetrics();

/** A schedule (EventBridge Scheduled Event) or a direct invocation; nothing in it is needed. */
const eventSchema = z.looseObject({});

/** Scan every replication group, remediate under the guards in enforce mode, report. */
export const handler = createHandler(
  { logger: durability.logger, eventSchema, onFinalError: 'drop' },
  async (_event, context) => {
    const started = Date.now();
    const report = await scanDurability(durability.job(context.awsRequestId), await durability.settings());
    publishFindingMetrics(metrics, report.findings, 'durability-scan', Date.now() - started);
    durability.logger.info('durability scan finished', { summary: report.summary, actions: report.actions });
    if (unknownPercent(report.findings) === 100)
      durability.logger.warn(NOTHING_EVALUATED, { findings: report.findings.length });
    return { summary: report.summary, actions: report.actions, events: report.events };
  },
);
