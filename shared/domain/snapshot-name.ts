/**
 * The name of a snapshot this app takes of a replication group: `guardrails-<group>-<UTC time>`,
 * the time as digits to the millisecond (`20261125103000123`), so names sort by time and two
 * snapshots of one group taken in the same second (an operator's script, a retry) do not collide.
 *
 * @example
 * snapshotName('orders', new Date('2026-11-25T10:30:00.123Z')); // 'guardrails-orders-20261125103000123'
 */
export function snapshotName(replicationGroupId: string, at: Date): string {
  return `guardrails-${replicationGroupId}-${at.toISOString().replace(/[^0-9]/g, '')}`;
}
