import { createMigrationFinishDeps, finishSteps } from '../../shared/jobs/migration/finish.js';
import { workflowHandler } from '../../shared/jobs/workflow/task.js';

/** Task of the migration state machine (infra/migration.asl.yaml): only the finish steps, only their clients. */
export const handler = workflowHandler(createMigrationFinishDeps(), finishSteps);
