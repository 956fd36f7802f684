import { controlSteps, createControlDeps } from '../../shared/jobs/migration/control.js';
import { migrationHandler } from '../../shared/jobs/migration/step.js';

/** Task of the migration state machine (infra/migration.asl.yaml): only the control steps, only their clients. */
export const handler = migrationHandler('migration-control', controlSteps, createControlDeps(process.env));
