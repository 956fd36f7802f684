import type { FunctionManifest } from '../../infra/function-manifest.js';
import { PARTITIONS } from '../../shared/aws/state-keys.js';
import { DURABILITY_GROUP_ACTIONS } from '../../shared/jobs/durability/actions.js';

export const manifest: FunctionManifest = {
  description: 'Migration workflow - raises durability through the durability job',
  triggers: [{ task: 'migration' }],
  timeout: 120,
  memory: 512,
  environment: [
    // A migrated group needs TLS first: it goes through the durability upgrade workflow.
    'upgradeStateMachine',
  ],
  actions: [...DURABILITY_GROUP_ACTIONS, 'states:StartExecution'],
  stateKeys: [
    PARTITIONS.lease,
    PARTITIONS.targetLeases,
    PARTITIONS.findings,
    PARTITIONS.legacyFindings,
    // The last soaks: a group its soak stepped back is held.
    PARTITIONS.lastSoak,
  ],
  memberAccess: false,
  vpc: false,
  alarms: ['Errors', 'Throttles'],
};
