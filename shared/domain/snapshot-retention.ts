/** What retention needs to know of one of our snapshots. */
export interface RetainedSnapshot {
  name: string;
  replicationGroupId?: string;
  status: string;
  createdAt?: string;
}

export interface RetentionDecision<Snapshot extends RetainedSnapshot> {
  expired: Snapshot[];
  /** Each kept snapshot with why. */
  kept: { snapshot: Snapshot; reason: string }[];
}

const DAY_MS = 86_400_000;

/** The fewest and most days our snapshots are kept (`snapshotRetentionDays`, `--retention-days`). */
export const SNAPSHOT_RETENTION_DAYS = { min: 1, max: 3650 } as const;
/** Days kept unless the policy or the flag says otherwise. */
export const DEFAULT_RETENTION_DAYS = 14;

/**
 * Which of the app's own snapshots have outlived the retention: older than `retentionDays`,
 * `available` (one still being created cannot be judged), never the newest *available* one
 * of its group (it may be the only way back; a failed or unfinished newer one is no way
 * back), and never one that a change in flight names (`inFlight`: a migration's or a
 * durability change's snapshot). Pass only snapshots this app created and tagged.
 *
 * @example
 * const { expired } = expiredSnapshots(await listOurSnapshots(client, tagging), 14, new Date());
 */
export function expiredSnapshots<Snapshot extends RetainedSnapshot>(
  snapshots: readonly Snapshot[],
  retentionDays: number,
  now: Date,
  inFlight: ReadonlySet<string> = new Set(),
): RetentionDecision<Snapshot> {
  const cutoff = now.getTime() - retentionDays * DAY_MS;
  const newest = new Map<string, Snapshot>();
  for (const snapshot of snapshots) {
    if (snapshot.status !== 'available') continue;
    const group = snapshot.replicationGroupId ?? '';
    const current = newest.get(group);
    if (current === undefined || (snapshot.createdAt ?? '') > (current.createdAt ?? ''))
      newest.set(group, snapshot);
  }
  const decision: RetentionDecision<Snapshot> = { expired: [], kept: [] };
  for (const snapshot of snapshots) {
    const created = snapshot.createdAt === undefined ? Number.NaN : Date.parse(snapshot.createdAt);
    const keep = (reason: string) => decision.kept.push({ snapshot, reason });
    if (newest.get(snapshot.replicationGroupId ?? '') === snapshot)
      keep('newest available snapshot of its group');
    else if (inFlight.has(snapshot.name))
      keep('named by a change in flight (migration or durability change)');
    else if (snapshot.status !== 'available') keep(`status is ${snapshot.status}`);
    else if (Number.isNaN(created)) keep('creation time unknown');
    else if (created >= cutoff) keep(`younger than ${retentionDays} days`);
    else decision.expired.push(snapshot);
  }
  return decision;
}
