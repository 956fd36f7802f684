/**
 * durability-upgrade's deps: ElastiCache (the group, its engine versions, parameter groups and
 * snapshots), the state table (lock, lease, approvals), events and alerts; nothing that reads
 * nodes, no Step Functions client.
 */
import { workflowBase } from '../workflow/deps.js';
import { type ReportingDeps, reportingDeps } from '../workflow/reporting-deps.js';

export type UpgradeDeps = ReportingDeps;

/** The deps of the `durability-upgrade` function, from its environment. */
export function createDurabilityUpgradeDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = workflowBase('durability-upgrade', {}, env);
  return { ...base, ...reportingDeps(base) } satisfies UpgradeDeps;
}
