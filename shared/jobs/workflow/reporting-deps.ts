/**
 * The deps of a workflow function that reports to people (migration-finish, durability-upgrade):
 * ElastiCache, the state table, events and alerts. A module of its own: the state store's module
 * bundles the DynamoDB document client, which the workflow functions without a state table must
 * not carry (see deps.ts).
 */
import type { ElastiCacheClient } from '../../aws/clients.js';
import type { AlertPublisher, EventPublisher } from '../../aws/notify.js';
import { StateStore } from '../../aws/state-store.js';
import { alertsOf, elastiCacheOf, eventsOf, wallClock, type workflowBase } from './deps.js';

export interface ReportingDeps {
  elasticache: ElastiCacheClient;
  store: StateStore;
  events: EventPublisher;
  /** Where a failure or an approval request is announced to people; events always go out. */
  alerts?: AlertPublisher;
  now: () => Date;
}

/**
 * A reporting workflow function's deps, from its base.
 *
 * @example
 * const base = workflowBase('migration-finish', {}, env);
 * return { ...base, ...reportingDeps(base) };
 */
export function reportingDeps(base: ReturnType<typeof workflowBase>): ReportingDeps {
  return {
    elasticache: elastiCacheOf(base),
    store: new StateStore(base.config.STATE_TABLE, base.aws),
    events: eventsOf(base),
    alerts: alertsOf(base),
    now: wallClock,
  };
}
