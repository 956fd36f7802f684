import type { FunctionManifest } from '../../infra/function-manifest.js';

export const manifest: FunctionManifest = {
  description:
    'Organisation scan - lists the targets (accounts x regions) into the scan bucket, then sums up their results',
  triggers: [{ task: 'org-scan' }],
  timeout: 120,
  memory: 512,
  // The Map's targets and results (runs/<execution>/…).
  environment: ['scanBucket'],
  actions: [
    'organizations:ListAccounts',
    'organizations:ListAccountsForParent',
    'organizations:ListOrganizationalUnitsForParent',
    'organizations:ListRoots',
    // The deployment's own enabled regions (all-enabled), with its own role: no member role there.
    'account:ListRegions',
    // The targets and the listing's failures written, the Map's manifest and result files read.
    's3:PutObject',
    's3:GetObject',
  ],
  stateKeys: [],
  memberAccess: true,
  vpc: false,
  alarms: ['Errors', 'Throttles'],
};
