import { migrationHandler } from '../../shared/jobs/migration.js';

/** Task of the migration state machine (infra/migration.asl.yaml); its actions are in shared/jobs/migration.ts. */
export const handler = migrationHandler('migration-approval');
