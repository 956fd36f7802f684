import type { FleetClients } from '../aws/clients.js';
import { DETAIL_TYPES, type EventPublisher } from '../aws/notify.js';
import { deleteSnapshot, listOurSnapshots, type SnapshotRecord } from '../aws/snapshots.js';
import { snapshotHoldSchema, targetDurabilityLeases } from '../aws/state-keys.js';
import type { StateStore } from '../aws/state-store.js';
import { expiredSnapshots } from '../domain/snapshot-retention.js';
import { mapConcurrent } from '../runtime/concurrency.js';

export interface CleanupReport {
  deleted: string[];
  /** Expired, but left alone because dry-run is on. */
  wouldDelete: string[];
  kept: { name: string; reason: string }[];
}

/**
 * Delete the app's own snapshots older than the retention, never a group's newest available
 * one, nor one that a lease in flight names (with `store`: a running migration's or a
 * durability change's snapshot); with `events`, each deletion is announced
 * (`Guardrails Snapshot`, action `deleted`).
 *
 * @example
 * const report = await cleanupSnapshots(clients, { retentionDays: 14, dryRun: false, now: new Date() });
 */
export async function cleanupSnapshots(
  clients: FleetClients,
  options: {
    retentionDays: number;
    dryRun: boolean;
    now: Date;
    events?: EventPublisher;
    store?: StateStore;
  },
): Promise<CleanupReport> {
  const ours = await listOurSnapshots(clients.elasticache, clients.tagging);
  const inFlight = await snapshotsInFlight(options.store, options.now, ours);
  const { expired, kept } = expiredSnapshots(ours, options.retentionDays, options.now, inFlight);
  const names = expired.map((snapshot) => snapshot.name);
  if (!options.dryRun) {
    await mapConcurrent(names, 4, (name) => deleteSnapshot(clients.elasticache, name));
    await options.events?.publish(
      expired.map((snapshot) => ({
        detailType: DETAIL_TYPES.snapshot,
        detail: {
          action: 'deleted',
          reason: `older than ${options.retentionDays} days`,
          snapshot,
        },
      })),
    );
  }
  return {
    deleted: options.dryRun ? [] : names,
    wouldDelete: options.dryRun ? names : [],
    kept: kept.map(({ snapshot, reason }) => ({ name: snapshot.name, reason })),
  };
}

/**
 * The snapshot names the unexpired leases record (`details.snapshotName`): the workflows' locks
 * (and, for one version, the leases the previous version kept beside them) and the durability
 * leases of each target (account and region) that holds one of `ours`. The workflows' locks
 * stand in for their running executions: each execution takes its lock before its first snapshot
 * and gives it back only in its last Task (migration-finish, the upgrade's succeeded/failed; every
 * Catch of the state machines leads there), an abort releases it only once the execution has
 * stopped, and a lock outlives the longest execution (LOCK_MS 15 days, TimeoutSeconds 14 days),
 * so it can neither expire nor be released by a failed step while its execution runs. A migration
 * whose group needs a staged upgrade passes its lock to that upgrade before starting it
 * (handOverLock): the lock keeps naming the pre-migration snapshot for the whole upgrade, whose
 * own snapshot its durability lease names.
 */
async function snapshotsInFlight(
  store: StateStore | undefined,
  now: Date,
  ours: readonly SnapshotRecord[],
): Promise<Set<string>> {
  if (store === undefined) return new Set();
  // The workflows' locks, and the durability leases of the targets our snapshots are in.
  const prefixes = new Set([
    '',
    ...ours.flatMap(({ arn }) => (arn === undefined ? [] : [targetDurabilityLeases(arn)])),
  ]);
  const leases = (
    await Promise.all([...prefixes].map((prefix) => store.listLeases(prefix, now, snapshotHoldSchema)))
  ).flat();
  return new Set(
    leases
      .map((lease) => lease.details.snapshotName)
      .filter((name): name is string => typeof name === 'string'),
  );
}
