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
    // The deployment's own enabled regions (all-enabled), with its own role: no member role there.
    'account:ListRegions',
  ],
  stateKeys: [],
  memberAccess: true,
  vpc: false,
  alarms: ['Errors', 'Throttles'],
};
