import * as z from 'zod';
import { createAppContext } from '../../shared/jobs/context.js';
import { scanDurability } from '../../shared/jobs/durability.js';
import { createHandler } from '../../shared/runtime/handler.js';
import { publishFindingMetrics } from '../../shared/runtime/metrics.js';

const app = createAppContext('durability-scan');

/** A schedule (EventBridge Scheduled Event) or a direct invocation; nothing in it is needed. */
const eventSchema = z.looseObject({});

/** Scan every replication group, remediate under the guards in enforce mode, report. */
export const handler = createHandler(
  { logger: app.logger, eventSchema, onFinalError: 'drop' },
  async (_event, context) => {
    const started = Date.now();
    const report = await scanDurability(app.durabilityDeps(context.awsRequestId), {
      policy: await app.policy(),
      dryRun: app.config.DRY_RUN,
    });
    publishFindingMetrics(app.metrics, report.findings, 'durability-scan', Date.now() - started);
    app.logger.info('durability scan finished', { summary: report.summary, actions: report.actions });
    return { summary: report.summary, actions: report.actions, events: report.events };
  },
);
