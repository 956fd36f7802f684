/**
 * durability-upgrade's deps: ElastiCache (the group, its engine versions, parameter groups and
 * snapshots), the state table (lock, lease, approvals), events and alerts; nothing that reads
 * nodes, no Step Functions client.
 */
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { AlertPublisher, EventPublisher } from '../../aws/notify.js';
import { StateStore } from '../../aws/state-store.js';
import { alertsOf, elastiCacheOf, eventsOf, wallClock, workflowBase } from '../workflow/deps.js';

export interface UpgradeDeps {
  elasticache: ElastiCacheClient;
  store: StateStore;
  events: EventPublisher;
  /** Where a stopped upgrade and an approval request are announced to people; events always go out. */
  alerts?: AlertPublisher;
  now: () => Date;
}

/** The deps of the `durability-upgrade` function, from its environment. */
export function createDurabilityUpgradeDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = workflowBase('durability-upgrade', {}, env);
  return {
    ...base,
    elasticache: elastiCacheOf(base),
    store: new StateStore(base.config.STATE_TABLE, base.aws),
    events: eventsOf(base),
    alerts: alertsOf(base),
    now: wallClock,
  } satisfies UpgradeDeps;
}
