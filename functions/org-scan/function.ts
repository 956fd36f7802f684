import type { FunctionManifest } from '../../infra/function-manifest.js';
import { PARTITIONS } from '../../shared/aws/state-keys.js';

export const manifest: FunctionManifest = {
  description:
    'Organisation scan - lists the targets (accounts x regions), archives the findings of those dropped, then sums up their results',
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
    // A dropped target's findings archived: its import records read and deleted, the list kept.
    'dynamodb:Query',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:DeleteItem',
    'securityhub:BatchImportFindings',
  ],
  stateKeys: [PARTITIONS.securityHubImports, PARTITIONS.targetHistory],
  memberAccess: true,
  vpc: false,
  alarms: ['Errors', 'Throttles'],
};
