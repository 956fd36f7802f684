import type { FunctionManifest } from '../../infra/function-manifest.js';
import { PARTITIONS } from '../../shared/aws/state-keys.js';
import { fleetReads } from '../../shared/domain/resource-kinds.js';

export const manifest: FunctionManifest = {
  description: 'Alerts once per StorageEncryptionType transition',
  triggers: [{ schedule: 'scanRate' }, { eventBridge: 'encryptionDrift.cloudTrail' }],
  timeout: 120,
  memory: 512,
  // One run at a time: two scans comparing against the same baselines would alert twice.
  reservedConcurrency: 1,
  environment: ['alertTopic'],
  actions: [
    // The whole fleet: every resource kind's reads, tags in bulk.
    ...fleetReads(),
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:GetItem',
    'dynamodb:DeleteItem',
    'events:PutEvents',
    'sns:Publish',
    // ListParents: whether a member's event is of an account under the policy's OUs.
    'organizations:ListParents',
  ],
  stateKeys: [PARTITIONS.encryptionBaseline, PARTITIONS.legacyEncryptionBaseline, PARTITIONS.sentAlert],
  // A member account's event is compared in that account and region through its member role.
  memberAccess: true,
  vpc: false,
  // No throttle alarm: with one run at a time, a throttle is an event waiting for the run before
  // it (Lambda retries it, then FailedInvocations), not a fault.
  alarms: ['Errors'],
};
