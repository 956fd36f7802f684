import { createMigrationPreflightDeps, preflightSteps } from '../../shared/jobs/migration/preflight.js';
import { workflowHandler } from '../../shared/jobs/workflow/task.js';

/** Task of the migration state machine (infra/migration.asl.yaml): only the preflight steps, only their clients. */
export const handler = workflowHandler(createMigrationPreflightDeps(), preflightSteps);
