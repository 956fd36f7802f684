import { createFinishDeps, finishSteps } from '../../shared/jobs/migration/finish.js';
import { migrationHandler } from '../../shared/jobs/migration/step.js';

/** Task of the migration state machine (infra/migration.asl.yaml): only the finish steps, only their clients. */
export const handler = migrationHandler('migration-finish', finishSteps, createFinishDeps(process.env));
