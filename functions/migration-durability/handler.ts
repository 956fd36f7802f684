import { createMigrationDurabilityDeps, durabilitySteps } from '../../shared/jobs/migration/durability.js';
import { workflowHandler } from '../../shared/jobs/workflow/task.js';

/** Task of the migration state machine (infra/migration.asl.yaml): only the durability steps, only their clients. */
export const handler = workflowHandler(createMigrationDurabilityDeps(), durabilitySteps);
