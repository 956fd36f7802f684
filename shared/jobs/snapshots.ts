import type { FleetClients } from '../aws/clients.js';
import { deleteSnapshot, listOurSnapshots, type SnapshotRecord } from '../aws/snapshots.js';
import { expiredSnapshots } from '../domain/snapshot-retention.js';
import { mapConcurrent } from '../runtime/concurrency.js';

export interface CleanupReport {
  deleted: string[];
  /** Expired, but left alone because dry-run is on. */
  wouldDelete: string[];
  kept: { name: string; reason: string }[];
}

/**
 * Delete the app's own snapshots older than the retention, never a group's newest.
 *
 * @example
 * const report = await cleanupSnapshots(clients, { retentionDays: 14, dryRun: false, now: new Date() });
 */
export async function cleanupSnapshots(
  clients: FleetClients,
  options: { retentionDays: number; dryRun: boolean; now: Date },
): Promise<CleanupReport> {
  const ours: SnapshotRecord[] = await listOurSnapshots(clients.elasticache, clients.tagging);
  const { expired, kept } = expiredSnapshots(ours, options.retentionDays, options.now);
  const names = expired.map((snapshot) => snapshot.name);
  if (!options.dryRun) await mapConcurrent(names, 4, (name) => deleteSnapshot(clients.elasticache, name));
  return {
    deleted: options.dryRun ? [] : names,
    wouldDelete: options.dryRun ? names : [],
    kept: kept.map(({ snapshot, reason }) => ({ name: snapshot.name, reason })),
  };
}
