import type { FunctionManifest } from '../../infra/function-manifest.js';
import { PARTITIONS } from '../../shared/aws/state-keys.js';

export const manifest: FunctionManifest = {
  description:
    'Organisation scan - claims the run, lists the targets (accounts x regions) into the scan bucket, archives the findings of those dropped, sums up their results, releases the run',
  triggers: [{ task: 'org-scan' }],
  // Listing 1 000 accounts, worst case (shared/aws/organization.ts, shared/aws/targets.ts):
  // - whole organisation: ListAccounts, 20 accounts a page: 50 calls, one after the other;
  // - OUs (organization.ous, or rules that match on OUs): the tree is walked from the root, two
  //   calls per parent (ListAccountsForParent, ListOrganizationalUnitsForParent, 20 a page) one
  //   after the other; at the Organizations quota of 1 000 OUs: 1 ListRoots + 1 001 x 2 + 100
  //   extra pages = 2 103 calls;
  // - regions all-enabled: no call here; each account's child reads its enabled regions with the
  //   member role it assumes anyway (one AssumeRole per account and run).
  // At 200 ms a call (Organizations answers from us-east-1 only): 2 103 x 0.2 = 421 s.
  // Organizations publishes no rate for these list calls: a throttled call is retried by the SDK
  // (3 attempts). 900 s, Lambda's maximum, leaves 2.1 x the unthrottled worst case; without OUs
  // the worst case is 50 x 0.2 = 10 s.
  timeout: 900,
  memory: 512,
  // The most items the Map runs at once (the policy's concurrency is clamped to it); the Map's
  // targets and results (runs/<execution>/…).
  environment: ['scanConcurrency', 'scanBucket'],
  actions: [
    'organizations:ListAccounts',
    'organizations:ListAccountsForParent',
    'organizations:ListOrganizationalUnitsForParent',
    'organizations:ListRoots',
    // The run's lease (shared/jobs/org-scan-run.ts): claimed, read back, released; a dropped
    // target's findings archived: its import records read and deleted, the list kept; the
    // previous version's shared partitions asked once per run whether anything is left there.
    'dynamodb:Query',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:DeleteItem',
    'securityhub:BatchImportFindings',
    // The targets and the listing's failures written, the Map's manifest and result files read,
    // the whole summary written beside them.
    's3:PutObject',
    's3:GetObject',
  ],
  stateKeys: [
    PARTITIONS.lease,
    PARTITIONS.legacyEncryptionBaseline,
    PARTITIONS.securityHubImports,
    PARTITIONS.targetHistory,
  ],
  memberAccess: true,
  vpc: false,
  alarms: ['Errors', 'Throttles'],
};
