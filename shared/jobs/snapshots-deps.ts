/**
 * Snapshot cleanup's dependencies: the ElastiCache and tagging clients, the state store
 * (leases name the snapshots still needed) and the event publisher, and nothing else.
 */
import { createFleetClients } from '../aws/clients.js';
import { EventPublisher } from '../aws/notify.js';
import { StateStore } from '../aws/state-store.js';
import { createPolicyFunctionBase } from './policy-source.js';

/**
 * Build once per container.
 *
 * @example
 * const cleanup = createSnapshotCleanupDeps();
 * await cleanupSnapshots(cleanup.clients, { ...options, store: cleanup.store, events: cleanup.events });
 */
export function createSnapshotCleanupDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = createPolicyFunctionBase('snapshot-cleanup', {}, env);
  return {
    ...base,
    clients: createFleetClients(base.aws),
    store: new StateStore(base.config.STATE_TABLE, base.aws),
    events: new EventPublisher(base.config.EVENT_BUS_NAME, base.aws),
  };
}
