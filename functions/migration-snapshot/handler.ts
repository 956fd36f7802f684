import { createMigrationSnapshotDeps, snapshotSteps } from '../../shared/jobs/migration/snapshot.js';
import { workflowHandler } from '../../shared/jobs/workflow/task.js';

/** Task of the migration state machine (infra/migration.asl.yaml): only the snapshot steps, only their clients. */
export const handler = workflowHandler(createMigrationSnapshotDeps(), snapshotSteps);
