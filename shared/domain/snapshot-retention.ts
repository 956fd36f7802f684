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

/**
 * Which of the app's own snapshots have outlived the retention: older than `retentionDays`,
 * `available` (one still being created cannot be judged), and never the newest of its group
 * (it may be the only way back). Pass only snapshots this app created and tagged.
 *
 * @example
 * const { expired } = expiredSnapshots(await listOurSnapshots(client, tagging), 14, new Date());
 */
export function expiredSnapshots<Snapshot extends RetainedSnapshot>(
  snapshots: readonly Snapshot[],
  retentionDays: number,
  now: Date,
): RetentionDecision<Snapshot> {
  const cutoff = now.getTime() - retentionDays * DAY_MS;
  const newest = new Map<string, Snapshot>();
  for (const snapshot of snapshots) {
    const group = snapshot.replicationGroupId ?? '';
    const current = newest.get(group);
    if (current === undefined || (snapshot.createdAt ?? '') > (current.createdAt ?? ''))
      newest.set(group, snapshot);
  }
  const decision: RetentionDecision<Snapshot> = { expired: [], kept: [] };
  for (const snapshot of snapshots) {
    const created = snapshot.createdAt === undefined ? Number.NaN : Date.parse(snapshot.createdAt);
    const keep = (reason: string) => decision.kept.push({ snapshot, reason });
    if (newest.get(snapshot.replicationGroupId ?? '') === snapshot) keep('newest snapshot of its group');
    else if (snapshot.status !== 'available') keep(`status is ${snapshot.status}`);
    else if (Number.isNaN(created)) keep('creation time unknown');
    else if (created >= cutoff) keep(`younger than ${retentionDays} days`);
    else decision.expired.push(snapshot);
  }
  return decision;
}
