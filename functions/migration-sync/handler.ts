import { migrationHandler } from '../../shared/jobs/migration/step.js';
import { createSyncDeps, syncSteps } from '../../shared/jobs/migration/sync.js';

/** Task of the migration state machine (infra/migration.asl.yaml): only the sync steps, only their clients. */
export const handler = migrationHandler('migration-sync', syncSteps, createSyncDeps(process.env));
