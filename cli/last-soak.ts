/**
 * A group's last soak as `guardrails upgrade status` shows it, and `guardrails upgrade release`,
 * which lets the durability job raise a group its soak stepped back (shared/domain/durability/
 * soak-hold.ts): the release is written on the record (who, when, why), the series stays for
 * `guardrails plan --format html`.
 */
import { RECORD_KINDS } from '../shared/aws/state-keys.js';
import type { StateStore } from '../shared/aws/state-store.js';
import type { SoakRun } from '../shared/domain/durability/soak-series.js';
import { clip } from '../shared/runtime/echo.js';
import { InputValidationError } from '../shared/runtime/errors.js';

/**
 * The last soak of group `group` (its id; `arn` picks one when groups of several accounts or
 * regions share the id): undefined when none is kept.
 */
export async function lastSoakOf(
  store: Pick<StateStore, 'listRecords'>,
  group: string,
  arn?: string,
): Promise<SoakRun | undefined> {
  const runs = (await store.listRecords(RECORD_KINDS.lastSoak)).filter(
    (run) => run.replicationGroupId === group && (arn === undefined || run.arn === arn),
  );
  if (runs.length > 1)
    throw new InputValidationError(
      `${clip(group)}: soaks of ${runs.length} groups of that id are kept (${runs.map((run) => run.arn).join(', ')}): give one with --arn`,
    );
  return runs[0];
}

/** One line of a group's last soak: how it ended, when, how many looks, the step back. */
export function soakLine(run: SoakRun): string {
  const { soak } = run;
  const parts = [
    `${soak.outcome ?? 'unknown'} (${run.execution})`,
    `started ${soak.startedAt ?? '?'}, last look ${soak.lookedAt ?? '?'}, ${soak.looks ?? 0} looks`,
    ...(soak.steppedBackAt === undefined ? [] : [`stepped back to async at ${soak.steppedBackAt}`]),
    ...(soak.stepBack === undefined ? [] : [`step back ${soak.stepBack}`]),
    ...(soak.reasons === undefined ? [] : [`breach: ${soak.reasons.join('; ')}`]),
    ...(run.released === undefined
      ? []
      : [`released at ${run.released.at} by ${run.released.by} (${run.released.reason})`]),
  ];
  return parts.join('; ');
}

/**
 * Release the hold of `group`'s last soak: the record says who released it, when and why, and
 * the next durability run may raise the group again. Refused when no soak stepped it back.
 *
 * @example
 * await releaseSoakHold(store, 'orders', { by: 'alice', at: new Date().toISOString(), reason: 'shards added' });
 */
export async function releaseSoakHold(
  store: Pick<StateStore, 'listRecords' | 'putRecordWhile'>,
  group: string,
  release: { by: string; at: string; reason: string; arn?: string },
): Promise<SoakRun> {
  const { arn, ...released } = release;
  const run = await lastSoakOf(store, group, arn);
  if (run === undefined) throw new InputValidationError(`${clip(group)}: no soak of this group is kept`);
  if (run.soak.outcome !== 'stepped-back')
    throw new InputValidationError(
      `${clip(group)}: its last soak (${run.execution}) ended ${run.soak.outcome ?? 'unknown'}, not stepped-back: nothing holds it`,
    );
  if (run.released !== undefined)
    throw new InputValidationError(`${clip(group)}: ${soakLine(run)}: released already`);
  const next = { ...run, released };
  // Written only while the record is still this soak's: a soak that ended since it was read wins.
  if (
    !(await store.putRecordWhile(RECORD_KINDS.lastSoak, run.arn, next, {
      field: 'execution',
      is: run.execution,
    }))
  )
    throw new InputValidationError(
      `${clip(group)}: its last soak changed while it was being released (it was ${run.execution}): see guardrails upgrade status, then release again`,
    );
  return next;
}
