import { createDurabilityUpgradeDeps } from '../../shared/jobs/upgrade/deps.js';
import { upgradeSteps } from '../../shared/jobs/upgrade/steps.js';
import { workflowHandler } from '../../shared/jobs/workflow/task.js';

/** Every Task of the durability-upgrade state machine (infra/durability-upgrade.asl.yaml). */
export const handler = workflowHandler(createDurabilityUpgradeDeps(), upgradeSteps);
