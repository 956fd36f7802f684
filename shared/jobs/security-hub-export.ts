/**
 * Findings into Security Hub on a change of state: per target (one account and region), import
 * what is new or changed, archive what is gone, and import nothing for what is unchanged. What
 * was imported is kept in the state table (`securityHubImportKind`), one partition per target.
 */
import { createHash } from 'node:crypto';
import type { AsffFinding, FindingsImporter, ImportRefusal } from '../aws/security-hub.js';
import { type SecurityHubImport, securityHubImportKind } from '../aws/state-keys.js';
import type { StateStore } from '../aws/state-store.js';
import type { Finding } from '../domain/finding.js';
import { arnLocation, COMPLIANCE_OF, findingId, toAsff } from '../domain/security-findings.js';
import { mapConcurrent } from '../runtime/concurrency.js';
import { InputValidationError } from '../runtime/errors.js';
import { redact } from '../runtime/redact.js';

export interface SecurityHubExportDeps {
  /** Built with the target's own credentials and region: findings are imported from their account. */
  securityHub: FindingsImporter;
  store: StateStore;
  now?: () => Date;
}

/** The one target (account and region) whose findings are exported; Security Hub receives them there. */
export interface ExportScope {
  account: string;
  region: string;
}

export interface SecurityHubExportResult {
  /** New and changed findings imported. */
  imported: number;
  /** Findings of resources gone (or no longer evaluated) imported as ARCHIVED, their records removed. */
  archived: number;
  /** Findings whose state had not changed: nothing imported. */
  unchanged: number;
  /** Findings Security Hub refused; their stored state is kept, so the next run tries again. */
  failed: ImportRefusal[];
  /**
   * Imports a newer run had already recorded (runs that overlap): their record is left as the
   * newer run wrote it, as Security Hub keeps the finding with the latest `UpdatedAt`.
   */
  superseded: number;
}

/** Store writes in flight at once (one conditional-free put or delete per finding). */
const STORE_CONCURRENCY = 16;

/** One import this run makes, and what to do with its record once Security Hub accepts it. */
interface PlannedImport {
  asff: AsffFinding;
  /** The record to store; undefined for an archive, whose record is removed. */
  record?: SecurityHubImport;
  /** For an archive: the `UpdatedAt` of the record it removes (a newer run's record stays). */
  replaces?: string;
}

/** The ASFF content without `UpdatedAt`: equal hashes, same state, nothing to import. */
function contentHash(asff: AsffFinding): string {
  const { UpdatedAt: _updatedAt, ...content } = asff;
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

/** The finding through the one redaction every sink uses (findings hold no secret; kept so). */
function redacted(finding: Finding): Finding {
  return redact(finding) as Finding;
}

/** What this run imports: new and changed findings, then an archive of each stored one now absent. */
function planImports(
  scope: ExportScope,
  findings: readonly Finding[],
  stored: ReadonlyMap<string, SecurityHubImport>,
  now: Date,
): { planned: PlannedImport[]; unchanged: number } {
  const current = new Map(findings.map((finding) => [findingId(finding), redacted(finding)]));
  const planned: PlannedImport[] = [];
  let unchanged = 0;
  const updatedAt = now.toISOString();
  for (const [id, finding] of current) {
    const before = stored.get(id);
    const firstSeen = before?.firstSeen ?? updatedAt;
    // An error (a throttled read, say) tells nothing of the resource: the last known state is
    // sent again, marked stale, so an error never resolves a FAILED finding nor passes it.
    const known =
      finding.status === 'error' && before !== undefined && before.finding.status !== 'error'
        ? before.finding
        : finding;
    const stale = known === finding ? {} : { stale: finding.reason };
    const asff = toAsff(known, { ...scope, now, firstSeen: new Date(firstSeen), ...stale });
    const hash = contentHash(asff);
    if (before?.hash === hash) unchanged += 1;
    else {
      const compliance = COMPLIANCE_OF[known.status];
      planned.push({ asff, record: { compliance, hash, firstSeen, updatedAt, finding: known } });
    }
  }
  for (const [id, before] of stored) {
    if (current.has(id)) continue;
    const context = {
      ...scope,
      now,
      firstSeen: new Date(before.firstSeen),
      recordState: 'ARCHIVED' as const,
    };
    planned.push({ asff: toAsff(before.finding, context), replaces: before.updatedAt });
  }
  return { planned, unchanged };
}

/**
 * Export one target's findings to Security Hub, only on a change of state: a new finding is
 * imported; a changed one (a fixed violation becomes Compliance PASSED, severity INFORMATIONAL)
 * is imported again under the same `Id` and `CreatedAt`; one stored but absent from `findings` (resource deleted, or no
 * longer evaluated) is imported once as ARCHIVED and its record removed; an unchanged one is not
 * imported at all. A refused finding keeps its old record, so the next run tries it again.
 *
 * Call it once per target, after that target's scan completed, with all its findings (a finding
 * left out is archived) and an importer built from the target's credentials: Security Hub takes a
 * finding from its own account only, under the default product ARN of `scope`.
 *
 * @example
 * const result = await exportFindings({ securityHub: new SecurityHubImporter(aws), store }, { account, region }, report.findings);
 */
export async function exportFindings(
  deps: SecurityHubExportDeps,
  scope: ExportScope,
  findings: readonly Finding[],
): Promise<SecurityHubExportResult> {
  // Security Hub takes a finding from its own account only: another account's is a caller's mistake.
  const foreign = findings.findIndex((finding) => arnLocation(finding.arn).account !== scope.account);
  if (foreign >= 0)
    throw new InputValidationError(
      `findings[${foreign}].arn: ${findings[foreign]?.arn} is not in account ${scope.account}, the target exported; export each target's findings with its own credentials`,
    );
  const kind = securityHubImportKind(scope);
  const stored = new Map(
    (await deps.store.listRecords(kind)).map((record) => [findingId(record.finding), record]),
  );
  const now = deps.now?.() ?? new Date();
  const { planned, unchanged } = planImports(scope, findings, stored, now);
  const failed =
    planned.length === 0 ? [] : await deps.securityHub.importFindings(planned.map((p) => p.asff));
  const refused = new Set(failed.map((failure) => failure.id));
  const accepted = planned.filter((plan) => !refused.has(plan.asff.Id));
  // Records follow the imports: a run that stops in between imports the same again next time,
  // which Security Hub takes as the same finding (same Id). Each write is conditional on being
  // the newest, as Security Hub ignores an import older than the finding it holds: of two runs
  // that overlap, the newer one's record stays, whichever lands last.
  const recorded = await mapConcurrent(accepted, STORE_CONCURRENCY, ({ asff, record, replaces }) =>
    record === undefined
      ? deps.store.deleteRecord(
          kind,
          asff.Id,
          replaces === undefined ? undefined : { field: 'updatedAt', is: replaces },
        )
      : deps.store.putRecordWhile(kind, asff.Id, record, { field: 'updatedAt', olderThan: record.updatedAt }),
  );
  const superseded = recorded.filter((written) => !written).length;
  const archived = accepted.filter((plan, index) => plan.record === undefined && recorded[index]).length;
  const imported = accepted.filter((plan, index) => plan.record !== undefined && recorded[index]).length;
  return { imported, archived, unchanged, failed, superseded };
}
