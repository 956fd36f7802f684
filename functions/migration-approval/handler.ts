import { approvalSteps, createApprovalDeps } from '../../shared/jobs/migration/approval.js';
import { migrationHandler } from '../../shared/jobs/migration/step.js';

/** Task of the migration state machine (infra/migration.asl.yaml): only the approval steps, only their clients. */
export const handler = migrationHandler('migration-approval', approvalSteps, createApprovalDeps(process.env));
