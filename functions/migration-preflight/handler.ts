import { createPreflightDeps, preflightSteps } from '../../shared/jobs/migration/preflight.js';
import { migrationHandler } from '../../shared/jobs/migration/step.js';

/** Task of the migration state machine (infra/migration.asl.yaml): only the preflight steps, only their clients. */
export const handler = migrationHandler(
  'migration-preflight',
  preflightSteps,
  createPreflightDeps(process.env),
);
