import * as z from 'zod';
import { createAppContext } from '../../shared/jobs/context.js';
import { cleanupSnapshots } from '../../shared/jobs/snapshots.js';
import { createHandler } from '../../shared/runtime/handler.js';

const app = createAppContext('snapshot-cleanup');

/** A schedule; nothing in the event is needed. */
const eventSchema = z.looseObject({});

/** Expire the snapshots this app took, after the policy's `snapshotRetentionDays`. */
export const handler = createHandler({ logger: app.logger, eventSchema, onFinalError: 'drop' }, async () => {
  const policy = await app.policy();
  const report = await cleanupSnapshots(app.clients, {
    retentionDays: policy.settings.snapshotRetentionDays,
    dryRun: app.config.DRY_RUN,
    now: new Date(),
    events: app.events,
    store: app.store,
  });
  app.logger.info('snapshot cleanup finished', { ...report });
  return report;
});
