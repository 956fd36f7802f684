import { checkReads, type FunctionManifest } from '../../infra/function-manifest.js';
import { PARTITIONS } from '../../shared/aws/state-keys.js';
import { durabilityScanActions } from '../../shared/jobs/durability/actions.js';

export const manifest: FunctionManifest = {
  description: "One target's scheduled scan (durability and drift); remediates under guards in enforce mode",
  triggers: [{ task: 'org-scan' }],
  // One account x region per invocation, from the org-scan state machine's Map.
  timeout: 900,
  memory: 512,
  // The deployment's scanConcurrency, the most items the org-scan Map runs at once: a large Map
  // cannot take the concurrency durability-react and the migration functions need.
  reservedConcurrency: 'scanConcurrency',
  environment: [
    // Staged upgrades the policy allows (durability.stagedChanges) start here, for the
    // deployment's own account and region only.
    'upgradeStateMachine',
    'alertTopic',
    'securityHubExport',
  ],
  actions: [
    // Every check's reads, then the durability job's (the role lists each action once, infra/iam.cjs).
    ...checkReads(),
    ...durabilityScanActions(),
    // The deployment's own enabled regions (an all-enabled item of its own account), with its
    // own role; a member account's are read with its member role.
    'account:ListRegions',
    'sns:Publish',
    'states:StartExecution',
    'securityhub:BatchImportFindings',
  ],
  stateKeys: [
    PARTITIONS.lease,
    PARTITIONS.targetLeases,
    PARTITIONS.findings,
    PARTITIONS.legacyFindings,
    PARTITIONS.encryptionBaseline,
    PARTITIONS.legacyEncryptionBaseline,
    PARTITIONS.sentAlert,
    PARTITIONS.securityHubImports,
    // The last soaks: a group its soak stepped back is held.
    PARTITIONS.lastSoak,
  ],
  memberAccess: true,
  vpc: false,
  alarms: ['Errors', 'Throttles'],
};
