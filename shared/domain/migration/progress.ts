/**
 * How a running migration is judged and reported, free of I/O: the service's event messages,
 * the in-sync test, the failure wording and the timings of each phase.
 */

/**
 * How the service's event messages are recognised. AWS does not document their exact words,
 * so the patterns take any phrasing of "Test Migration successful / failed" and
 * "Complete Migration failed"; an unrecognised outcome ends in the loop's timeout, never in
 * a migration started on a failed test.
 */
export const MIGRATION_EVENTS = {
  /** A TestMigration outcome, either way ("started" and the like are not outcomes). */
  test: /test[\s-]*migration.*\b(success|successful|succeeded|passed|completed|fail|failed|failure|error|unable)\b/i,
  failed: /\b(fail|failed|failure|error|unable|could not|cannot)\b/i,
  completeFailed: /complete[\s-]*migration.*\b(fail|failed|failure|error|unable)\b/i,
} as const;

/** Where replication stands, from `INFO replication` of the target's primary and of the source. */
export interface SyncReading {
  linkStatus?: string;
  syncInProgress?: boolean;
  lagBytes?: number;
}

/** Read the link, any full sync running, and how many bytes of offset the target trails by. */
export function syncReading(target: Record<string, string>, source: Record<string, string>): SyncReading {
  const reading: SyncReading = {
    linkStatus: target.master_link_status,
    syncInProgress: target.master_sync_in_progress === '1',
  };
  const sourceOffset = Number(source.master_repl_offset);
  const targetOffset = Number(target.slave_repl_offset ?? target.master_repl_offset);
  if (Number.isFinite(sourceOffset) && Number.isFinite(targetOffset))
    reading.lagBytes = Math.max(0, sourceOffset - targetOffset);
  return reading;
}

/** In sync: the link is up, no full sync runs and the target trails by at most `maxLagBytes`. */
export function inSync(reading: SyncReading, maxLagBytes: number): boolean {
  return (
    reading.linkStatus === 'up' &&
    reading.syncInProgress === false &&
    reading.lagBytes !== undefined &&
    reading.lagBytes <= maxLagBytes
  );
}

/** What became of the group after a failure, in the words of the failure report. */
export function migrationFate(run: { started: boolean; aborted: boolean; abortProblem?: string }): string {
  if (!run.started) return 'not started: the group was not changed';
  if (run.aborted)
    return 'aborted with CompleteMigration Force=true: data not synced, the source still serves';
  return `abort did not finish${run.abortProblem === undefined ? '' : ` (${run.abortProblem})`}: the group may still be migrating, act by hand`;
}

/** When each phase of an execution started and ended, as its steps recorded them. */
export interface MigrationTimes {
  snapshot?: { startedAt?: string; availableAt?: string };
  test?: { requestedAt?: string; passedAt?: string };
  migration?: { startedAt?: string; sync?: { syncedAt?: string } };
  complete?: { requestedAt?: string; completedAt?: string };
  abort?: { requestedAt?: string; stoppedAt?: string };
}

/** Seconds between two ISO times, when both are known. */
function seconds(from?: string, to?: string): number | undefined {
  return from === undefined || to === undefined ? undefined : (Date.parse(to) - Date.parse(from)) / 1000;
}

/** The phases an execution reached, each with its start, end and length in seconds. */
export function migrationTimings(times: MigrationTimes) {
  const rows = [
    { step: 'snapshot', startedAt: times.snapshot?.startedAt, endedAt: times.snapshot?.availableAt },
    { step: 'test-migration', startedAt: times.test?.requestedAt, endedAt: times.test?.passedAt },
    { step: 'sync', startedAt: times.migration?.startedAt, endedAt: times.migration?.sync?.syncedAt },
    {
      step: 'complete-migration',
      startedAt: times.complete?.requestedAt,
      endedAt: times.complete?.completedAt,
    },
    { step: 'abort', startedAt: times.abort?.requestedAt, endedAt: times.abort?.stoppedAt },
  ];
  return rows
    .filter((row) => row.startedAt !== undefined)
    .map((row) => ({ ...row, seconds: seconds(row.startedAt, row.endedAt) }));
}
