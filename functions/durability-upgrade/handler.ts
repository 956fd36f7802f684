import { migrationHandler } from '../../shared/jobs/migration/step.js';
import { createUpgradeDeps, upgradeSteps } from '../../shared/jobs/upgrade/steps.js';

/** Every Task of the durability-upgrade state machine (infra/durability-upgrade.asl.yaml). */
export const handler = migrationHandler('durability-upgrade', upgradeSteps, createUpgradeDeps(process.env));
