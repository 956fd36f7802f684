import type { FunctionManifest } from '../../infra/function-manifest.js';
import {
  DURABILITY_GROUP_ACTIONS,
  DURABILITY_GROUP_STATE_KEYS,
} from '../../shared/jobs/durability/actions.js';

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
  stateKeys: DURABILITY_GROUP_STATE_KEYS,
  memberAccess: false,
  vpc: false,
  alarms: ['Errors', 'Throttles'],
};
