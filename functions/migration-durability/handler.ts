import { createDurabilityDeps, durabilitySteps } from '../../shared/jobs/migration/durability.js';
import { migrationHandler } from '../../shared/jobs/migration/step.js';

/** Task of the migration state machine (infra/migration.asl.yaml): only the durability steps, only their clients. */
export const handler = migrationHandler(
  'migration-durability',
  durabilitySteps,
  createDurabilityDeps(process.env),
);
