import { approvalSteps, createMigrationApprovalDeps } from '../../shared/jobs/migration/approval.js';
import { workflowHandler } from '../../shared/jobs/workflow/task.js';

/** Task of the migration state machine (infra/migration.asl.yaml): only the approval steps, only their clients. */
export const handler = workflowHandler(createMigrationApprovalDeps(), approvalSteps);
