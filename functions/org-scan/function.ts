import type { FunctionManifest } from '../../infra/function-manifest.js';

export const manifest: FunctionManifest = {
  description: 'Organisation scan - lists the targets (accounts x regions), then sums up their results',
  triggers: [{ task: 'org-scan' }],
  timeout: 120,
  memory: 512,
  environment: [],
  actions: [
    'organizations:ListAccounts',
    'organizations:ListAccountsForParent',
    'organizations:ListOrganizationalUnitsForParent',
    'organizations:ListRoots',
  ],
  stateKeys: [],
  memberAccess: true,
  vpc: false,
  alarms: ['Errors', 'Throttles'],
};
