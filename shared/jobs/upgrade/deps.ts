/**
 * durability-upgrade's deps: ElastiCache (the group, its engine versions, parameter groups and
 * snapshots), the state table (lock, lease, approvals), events and alerts; nothing that reads
 * nodes, no Step Functions client.
 */
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { AlertPublisher, EventPublisher } from '../../aws/notify.js';
import { StateStore } from '../../aws/state-store.js';
import {
  alertsOf,
  awsOptions,
  elastiCacheOf,
  eventsOf,
  wallClock,
  workflowConfig,
} from '../workflow/deps.js';

export interface UpgradeDeps {
  elasticache: ElastiCacheClient;
  store: StateStore;
  events: EventPublisher;
  /** Where a stopped upgrade and an approval request are announced to people; events always go out. */
  alerts?: AlertPublisher;
  now: () => Date;
}

/** The deps of the `durability-upgrade` function, from its environment. */
export function createUpgradeDeps(env: NodeJS.ProcessEnv): UpgradeDeps {
  const config = workflowConfig(env);
  return {
    elasticache: elastiCacheOf(config),
    store: new StateStore(config.STATE_TABLE, awsOptions(config)),
    events: eventsOf(config),
    alerts: alertsOf(config),
    now: wallClock,
  };
}
