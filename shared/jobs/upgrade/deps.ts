/**
 * durability-upgrade's deps: ElastiCache (the group, its engine versions, parameter groups and
 * snapshots), the state table (lock, lease, approvals), events and alerts, and the durability
 * metrics its soak reads; nothing that reads nodes, no Step Functions client.
 */
import {
  createMetricsClient,
  type DurabilityHealthReader,
  durabilityHealthReader,
} from '../../aws/durability-metrics.js';
import { workflowBase } from '../workflow/deps.js';
import { type ReportingDeps, reportingDeps } from '../workflow/reporting-deps.js';

export interface UpgradeDeps extends ReportingDeps {
  /** The soak's metrics (a port: a richer per-node reader may stand in). */
  readHealth: DurabilityHealthReader;
}

/** The deps of the `durability-upgrade` function, from its environment. */
export function createDurabilityUpgradeDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = workflowBase('durability-upgrade', {}, env);
  return {
    ...base,
    ...reportingDeps(base),
    readHealth: durabilityHealthReader(createMetricsClient(base.aws)),
  } satisfies UpgradeDeps;
}
