import * as z from 'zod';
import { cleanupSnapshots } from '../../shared/jobs/snapshots.js';
import { createSnapshotCleanupDeps } from '../../shared/jobs/snapshots-deps.js';

const cleanup = createSnapshotCleanupDeps();

/** A schedule; nothing in the event is needed. */
const eventSchema = z.looseObject({});

/** Expire the snapshots this app took, after the policy's `snapshotRetentionDays`. */
export const handler = cleanup.handler({ eventSchema, onFinalError: 'drop' }, async () => {
  const policy = await cleanup.policy();
  const report = await cleanupSnapshots(cleanup.clients, {
    retentionDays: policy.settings.snapshotRetentionDays,
    dryRun: cleanup.config.DRY_RUN,
    now: new Date(),
    events: cleanup.events,
    store: cleanup.store,
  });
  cleanup.logger.info('snapshot cleanup finished', { ...report });
  return report;
});
