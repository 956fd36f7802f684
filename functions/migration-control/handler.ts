import { controlSteps, createMigrationControlDeps } from '../../shared/jobs/migration/control.js';
import { workflowHandler } from '../../shared/jobs/workflow/task.js';

/** Task of the migration state machine (infra/migration.asl.yaml): only the control steps, only their clients. */
export const handler = workflowHandler(createMigrationControlDeps(), controlSteps);
