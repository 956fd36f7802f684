import { createSnapshotDeps, snapshotSteps } from '../../shared/jobs/migration/snapshot.js';
import { migrationHandler } from '../../shared/jobs/migration/step.js';

/** Task of the migration state machine (infra/migration.asl.yaml): only the snapshot steps, only their clients. */
export const handler = migrationHandler('migration-snapshot', snapshotSteps, createSnapshotDeps(process.env));
