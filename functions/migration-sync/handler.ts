import { createMigrationSyncDeps, syncSteps } from '../../shared/jobs/migration/sync.js';
import { workflowHandler } from '../../shared/jobs/workflow/task.js';

/** Task of the migration state machine (infra/migration.asl.yaml): only the sync steps, only their clients. */
export const handler = workflowHandler(createMigrationSyncDeps(), syncSteps);
