/**
 * Security Hub's `BatchImportFindings` for the sandbox (REST-JSON: `POST /findings/import`),
 * answering the real SDK client as Security Hub does: 1 to 100 findings per call, each checked
 * for the required ASFF fields and for being the caller's own (its account, under the caller's
 * default product ARN in the request's region); refused ones are named in `FailedFindings`,
 * accepted ones create or update the finding with the same `Id`. An update keeps what customers
 * own (`Note`, `UserDefinedFields`, `VerificationState`, `Workflow`: changed with
 * BatchUpdateFindings only), and Security Hub itself resets a NOTIFIED or RESOLVED workflow to
 * NEW when the finding comes back. An update whose `UpdatedAt` is not later than the held
 * finding's is ignored (answered as a success). An account × region without Security Hub refuses every call.
 * One store of findings per account and region; every call is captured in memory and, with a
 * directory, in `securityhub.jsonl`.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { QueryFault } from './protocol.js';

/** Where BatchImportFindings is served. */
export const SECURITY_HUB_IMPORT_PATH = '/findings/import';
const MAX_FINDINGS = 100;
/** The fields BatchImportFindings requires of each finding (AwsSecurityFinding). */
const REQUIRED_FIELDS = [
  'SchemaVersion',
  'Id',
  'ProductArn',
  'GeneratorId',
  'AwsAccountId',
  'CreatedAt',
  'UpdatedAt',
  'Severity',
  'Title',
  'Description',
  'Resources',
  'Types',
] as const;
const SEVERITY_LABELS = new Set(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
/** What BatchImportFindings cannot change once a finding exists (customers own them). */
const CUSTOMER_FIELDS = ['Note', 'UserDefinedFields', 'VerificationState', 'Workflow'] as const;

/** Who called: the account of the SigV4 credentials and the region the request was signed for. */
export interface SecurityHubCaller {
  account: string;
  region: string;
}

export type StoredAsff = Record<string, unknown> & { Id: string };

export interface FailedFinding {
  Id: string;
  ErrorCode: string;
  ErrorMessage: string;
}

/** One BatchImportFindings call as it arrived, with what was accepted and refused. */
export interface CapturedImport {
  account: string;
  region: string;
  time: string;
  /** Every finding sent, as sent. */
  findings: unknown[];
  accepted: string[];
  /** Accepted but ignored: an update not later (`UpdatedAt`) than the finding held. */
  ignored: string[];
  failed: FailedFinding[];
}

/** The sandbox's Security Hub: findings per account and region, and every import call. */
export class SecurityHubFindings {
  /** Every call, refused ones too, in order; tests count and read them. */
  readonly imports: CapturedImport[] = [];
  readonly #stores = new Map<string, Map<string, StoredAsff>>();
  readonly #refusals = new Map<string, { code: string; message: string }>();
  readonly #dir: string | undefined;
  readonly #holds: { arrived: () => void; released: Promise<void> }[] = [];

  constructor(dir?: string) {
    this.#dir = dir;
    if (dir !== undefined) mkdirSync(dir, { recursive: true });
  }

  /** The findings held for one account and region, by Id. */
  findings(account: string, region: string): Map<string, StoredAsff> {
    const key = `${account}/${region}`;
    const store = this.#stores.get(key) ?? new Map<string, StoredAsff>();
    this.#stores.set(key, store);
    return store;
  }

  /** Refuse the next import of finding `id` with `code` (a test's way to see a refusal retried). */
  refuseNext(id: string, code = 'InvalidInput', message = 'refused by the sandbox'): void {
    this.#refusals.set(id, { code, message });
  }

  /** Take the refusal scripted for `id`, if any. */
  takeRefusal(id: string): { code: string; message: string } | undefined {
    const refusal = this.#refusals.get(id);
    this.#refusals.delete(id);
    return refusal;
  }

  /**
   * Hold the next BatchImportFindings call (injected latency, ended by the test): `arrived`
   * resolves once it is held, `release` lets it through. How a test makes an older run's import
   * land after a newer one's.
   */
  holdNextImport(): { arrived: Promise<void>; release: () => void } {
    let release = () => {};
    let arrived = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const arrival = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    this.#holds.push({ arrived, released });
    return { arrived: arrival, release };
  }

  /** Wait out the hold set for this call, if any (the route calls it before importing). */
  async admit(): Promise<void> {
    const hold = this.#holds.shift();
    if (hold === undefined) return;
    hold.arrived();
    await hold.released;
  }

  capture(record: CapturedImport): void {
    this.imports.push(record);
    if (this.#dir !== undefined)
      appendFileSync(join(this.#dir, 'securityhub.jsonl'), `${JSON.stringify(record)}\n`);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isEmpty = (value: unknown) =>
  value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);

/** Why Security Hub would refuse this finding from `caller`, or undefined when it is accepted. */
function refusalOf(finding: Record<string, unknown>, caller: SecurityHubCaller): FailedFinding | undefined {
  const id = typeof finding.Id === 'string' ? finding.Id : '';
  const invalid = (message: string) => ({ Id: id, ErrorCode: 'InvalidInput', ErrorMessage: message });
  const missing = REQUIRED_FIELDS.filter((field) => isEmpty(finding[field]));
  if (missing.length > 0) return invalid(`missing required fields: ${missing.join(', ')}`);
  const severity = finding.Severity;
  if (!isRecord(severity) || !SEVERITY_LABELS.has(String(severity.Label)))
    return invalid(`Severity.Label must be one of ${[...SEVERITY_LABELS].join(', ')}`);
  const resources = finding.Resources;
  if (!Array.isArray(resources) || !resources.every((r) => isRecord(r) && !isEmpty(r.Type) && !isEmpty(r.Id)))
    return invalid('each of Resources needs Type and Id');
  for (const field of ['CreatedAt', 'UpdatedAt'] as const)
    if (Number.isNaN(Date.parse(String(finding[field])))) return invalid(`${field} is not a timestamp`);
  const product = new RegExp(
    `^arn:aws[a-z-]*:securityhub:${caller.region}:${caller.account}:product/${caller.account}/default$`,
  );
  if (finding.AwsAccountId !== caller.account || !product.test(String(finding.ProductArn)))
    return {
      Id: id,
      ErrorCode: 'AccessDeniedException',
      ErrorMessage: `account ${caller.account} may import only its own findings under its default product in ${caller.region}`,
    };
  return undefined;
}

/** `finding.<parent>.<child>` (`Compliance.Status`), or undefined. */
function field(finding: Record<string, unknown> | undefined, parent: string, child: string): unknown {
  const value = finding?.[parent];
  return isRecord(value) ? value[child] : undefined;
}

/**
 * What Security Hub holds after importing `asff`: a new finding as sent (workflow NEW unless
 * given); an existing one updated, but with the customer's fields as they were, and a NOTIFIED
 * or RESOLVED workflow back to NEW when the finding is unarchived or stops passing.
 */
function merged(asff: Record<string, unknown>, before: StoredAsff | undefined): StoredAsff {
  const id = String(asff.Id);
  if (before === undefined) return { Workflow: { Status: 'NEW' }, ...asff, Id: id };
  const next: StoredAsff = { ...asff, Id: id };
  for (const name of CUSTOMER_FIELDS) {
    if (before[name] === undefined) delete next[name];
    else next[name] = before[name];
  }
  const unarchived = before.RecordState === 'ARCHIVED' && next.RecordState === 'ACTIVE';
  const stopsPassing =
    field(before, 'Compliance', 'Status') === 'PASSED' &&
    ['WARNING', 'FAILED', 'NOT_AVAILABLE'].includes(String(field(next, 'Compliance', 'Status')));
  const closed = ['NOTIFIED', 'RESOLVED'].includes(String(field(before, 'Workflow', 'Status')));
  if (closed && (unarchived || stopsPassing)) next.Workflow = { Status: 'NEW' };
  return next;
}

/** Security Hub's answer to a call into an account and region where it is not enabled. */
export const notSubscribed = (account: string) =>
  new QueryFault('InvalidAccessException', `Account ${account} is not subscribed to AWS Security Hub`, 401);

/**
 * BatchImportFindings from `caller`: the handler a REST route registers for
 * `POST /findings/import`. Throws `InvalidInputException` (400) for no or more than 100 findings.
 */
export function importFindings(
  store: SecurityHubFindings,
  caller: SecurityHubCaller,
  input: unknown,
  now = Date.now(),
) {
  const findings = isRecord(input) && Array.isArray(input.Findings) ? (input.Findings as unknown[]) : [];
  if (findings.length === 0 || findings.length > MAX_FINDINGS)
    throw new QueryFault('InvalidInputException', `Findings must hold 1 to ${MAX_FINDINGS} findings`, 400);
  const held = store.findings(caller.account, caller.region);
  const accepted: string[] = [];
  const ignored: string[] = [];
  const failed: FailedFinding[] = [];
  for (const finding of findings) {
    const asff = isRecord(finding) ? finding : {};
    const refusal = refusalOf(asff, caller);
    const scripted = refusal === undefined ? store.takeRefusal(String(asff.Id)) : undefined;
    if (refusal !== undefined) failed.push(refusal);
    else if (scripted !== undefined)
      failed.push({ Id: String(asff.Id), ErrorCode: scripted.code, ErrorMessage: scripted.message });
    else {
      const before = held.get(String(asff.Id));
      if (before !== undefined && Date.parse(String(asff.UpdatedAt)) <= Date.parse(String(before.UpdatedAt)))
        ignored.push(String(asff.Id));
      else held.set(String(asff.Id), merged(asff, before));
      accepted.push(String(asff.Id));
    }
  }
  store.capture({ ...caller, time: new Date(now).toISOString(), findings, accepted, ignored, failed });
  return { FailedCount: failed.length, SuccessCount: accepted.length, FailedFindings: failed };
}
