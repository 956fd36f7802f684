import { type CheckKey, checksDeclaring, severityOf } from './checks/registry.js';
import type { Finding } from './finding.js';
import type { Policy } from './policy/schema.js';
import {
  type DurabilityLevel,
  type Resource,
  type ResourceType,
  STORAGE_ENCRYPTION_TYPES,
  type StorageEncryptionType,
} from './resource.js';
import { highestSeverity, type Severity } from './severity.js';

/** The last observed at-rest encryption of one resource: what drift is measured against. */
export interface EncryptionBaseline {
  arn: string;
  resourceType: ResourceType;
  resourceId: string;
  /** Creation time: a deleted and recreated resource with the same id has another. */
  createdAt?: string;
  storageEncryptionType: StorageEncryptionType;
  kmsKeyId?: string;
  effectiveDurability?: DurabilityLevel;
  /** Rules the resource violated when observed. */
  violations: string[];
  observedAt: string;
  /** Compare-and-set counter of the stored record (the state store keeps it). */
  revision?: number;
  /**
   * The baseline's outbox: alerts of its transitions written with it and not yet delivered (SNS
   * and EventBridge), each with its event id; `claimedUntil` is set while a run sends it.
   */
  outbox?: PendingAlert[];
  /** Written by versions before the outbox: alerts a run claimed and had not confirmed as sent. */
  pending?: { alerts: EncryptionAlert[]; claimedAt: string; previous?: EncryptionBaseline };
}

/** An alert in a baseline's outbox. */
export interface PendingAlert {
  id: string;
  alert: EncryptionAlert;
  createdAt: string;
  claimedUntil?: string;
}

export const ALERT_KINDS = ['drift', 'violation', 'resolved', 'retired'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * Transitions that leave something open (a state drifted, a rule newly violated); the others
 * (`resolved`, `retired`) say something closed and are informational.
 */
export const OPEN_KINDS: readonly AlertKind[] = ['drift', 'violation'];

export interface EncryptionAlert {
  kind: AlertKind;
  severity: Severity;
  resourceType: ResourceType;
  resourceId: string;
  arn: string;
  /** The rule concerned, or `storageEncryption` (the check) when no rule matches the resource. */
  rule: string;
  from?: string;
  to?: string;
  /** Why the state changed, when known (`durability change`, `resource recreated`). */
  cause?: string;
  /** One sentence an operator reads first. */
  summary: string;
  findings: Finding[];
}

export interface DriftDecision {
  alerts: EncryptionAlert[];
  /** The baseline to store after the alerts are out; undefined when it is unchanged. */
  baseline?: EncryptionBaseline;
}

/** `sse-kms (key:1234…)`, `sse-elasticache`, `none`. */
export function describeEncryption(type: StorageEncryptionType, kmsKeyId: string | undefined): string {
  return type === 'sse-kms' ? `sse-kms (${kmsKeyId ?? 'key unknown'})` : type;
}

/** The at-rest encryption fields drift is measured on; either may be missing from an API answer. */
export interface EncryptionState {
  storageEncryptionType?: StorageEncryptionType;
  kmsKeyId?: string;
}

interface KmsKeyName {
  kind: 'key' | 'alias';
  name: string;
  /** `partition:region:account` of an ARN; undefined for a bare key id or alias name. */
  scope?: string;
}

function kmsKeyName(value: string): KmsKeyName {
  const fields = value.startsWith('arn:') ? value.split(':') : undefined;
  const resource = fields === undefined ? value : fields.slice(5).join(':');
  const scope = fields === undefined ? undefined : [fields[1], fields[3], fields[4]].join(':');
  if (resource.startsWith('alias/')) return { kind: 'alias', name: resource.slice('alias/'.length), scope };
  if (resource.startsWith('key/')) return { kind: 'key', name: resource.slice('key/'.length), scope };
  return { kind: 'key', name: resource, scope };
}

/**
 * Whether two KMS key references name the same key: a bare key id equals the key ARN that ends
 * in it, and a bare alias name the alias ARN. Two ARNs must also agree on partition, region and
 * account (a multi-Region key has the same id in every region). An alias and a key never match:
 * which key an alias points to is not in the API answer, so only the same alias on both sides is
 * known to be the same key.
 *
 * @example
 * sameKmsKey('1234abcd-12ab-34cd-56ef-1234567890ab',
 *   'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'); // true
 */
export function sameKmsKey(a: string, b: string): boolean {
  const left = kmsKeyName(a);
  const right = kmsKeyName(b);
  if (left.kind !== right.kind || left.name !== right.name) return false;
  return left.scope === undefined || right.scope === undefined || left.scope === right.scope;
}

/**
 * Whether the at-rest encryption changed between two observations. A field missing on either
 * side (an endpoint that predates it) is never a change: only two known values are compared.
 *
 * @example
 * encryptionChanged({ storageEncryptionType: 'sse-kms', kmsKeyId: KEY_A },
 *   { storageEncryptionType: 'sse-kms', kmsKeyId: KEY_B }); // true
 */
export function encryptionChanged(before: EncryptionState, now: EncryptionState): boolean {
  if (before.storageEncryptionType === undefined || now.storageEncryptionType === undefined) return false;
  if (before.storageEncryptionType !== now.storageEncryptionType) return true;
  if (now.storageEncryptionType !== 'sse-kms') return false;
  if (before.kmsKeyId === undefined || now.kmsKeyId === undefined) return false;
  return !sameKmsKey(before.kmsKeyId, now.kmsKeyId);
}

/**
 * Whether every change of state is alerted for a resource (`alertOnAnyChange`, the default),
 * or only a change into a state the policy refuses: false when a rule that found something on
 * the resource turned it off.
 *
 * @example
 * decideDrift(resource, findings, baseline, now, alertsOnAnyChange(policy, findings));
 */
export function alertsOnAnyChange(policy: Policy, findings: readonly Finding[]): boolean {
  const anyChange = new Map(
    policy.rules.map((rule) => [rule.name, rule.storageEncryption?.alertOnAnyChange ?? true]),
  );
  return findings.every((finding) => anyChange.get(finding.rule) !== false);
}

const DURABLE = new Set<string>(['sync', 'async']);

/** The checks whose state the drift job baselines and alerts on (hook `drift: encryption-baseline`). */
export const DRIFT_CHECKS: ReadonlySet<string> = checksDeclaring('drift', 'encryption-baseline');

/** Check names in reports written before each check had one name (its policy key). */
const FORMER_CHECK_NAMES: Readonly<Record<string, CheckKey>> = { 'storage-encryption': 'storageEncryption' };

/**
 * Whether a finding, as recorded now or in an older report, is of a drift-alerted check.
 *
 * @example
 * isDriftFinding('storageEncryption'); // true, and 'storage-encryption' of an older report too
 */
export function isDriftFinding(check: string): boolean {
  return DRIFT_CHECKS.has(FORMER_CHECK_NAMES[check] ?? check);
}

/** The rule an alert names when no rule of the policy concerns the resource. */
const NO_RULE = 'storageEncryption';

/**
 * Compare one resource with its baseline and the policy's storageEncryption findings; at
 * most one alert per resource and run: `resolved` when it complies again; otherwise `drift`
 * when its state changed (every change with `alertOnAnyChange`, else only into a state the
 * policy refuses; severity the findings' when it now breaks a rule, low when a durability change
 * explains it); otherwise `violation` when it newly breaks a rule (first seen, or the policy
 * changed). Nothing repeats while nothing changes. A resource
 * whose API answer lacks `StorageEncryptionType` keeps its baseline and raises nothing.
 *
 * @example
 * const { alerts, baseline } = decideDrift(resource, findings, stored, new Date(), true);
 */
export function decideDrift(
  resource: Resource,
  findings: readonly Finding[],
  baseline: EncryptionBaseline | undefined,
  now: Date,
  alertOnAnyChange = true,
): DriftDecision {
  const type = resource.storageEncryptionType;
  if (type === undefined) return { alerts: [] };
  const violating = findings.filter((finding) => finding.status === 'violation');
  const violations = violating.map((finding) => finding.rule).sort();
  const to = describeEncryption(type, resource.kmsKeyId);
  const observedAt = now.toISOString();
  const current = { ...observedEncryption(resource), storageEncryptionType: type, violations, observedAt };
  const base = {
    resourceType: resource.type,
    resourceId: resource.id,
    arn: resource.arn,
    rule: violations[0] ?? findings[0]?.rule ?? NO_RULE,
  };
  const alerts: EncryptionAlert[] = [];
  const before = baseline?.violations ?? [];
  const newly = violations.filter((rule) => !before.includes(rule));
  // A new violation is alerted at its findings' severity, as ASFF, OCSF and the event say it.
  const newlySeverity = highestSeverity(
    violating.filter((finding) => newly.includes(finding.rule)).map(severityOf),
  );
  const resolved = baseline !== undefined && before.length > 0 && violations.length === 0;
  const from =
    baseline === undefined
      ? undefined
      : describeEncryption(baseline.storageEncryptionType, baseline.kmsKeyId);
  const changed = baseline !== undefined && encryptionChanged(baseline, resource);
  const cause = changed && baseline !== undefined ? causeOf(baseline, resource) : undefined;
  /** A change that durability made (at-rest encryption comes with it): expected, so low severity. */
  const causedByDurability = changed && baseline !== undefined && turnedOnByDurability(baseline, resource);
  const because = cause === undefined ? ' with no known cause' : `: ${cause}`;
  if (resolved) {
    // A return to compliance is one notice, whether or not the state itself changed.
    alerts.push({
      ...base,
      rule: before[0] ?? base.rule,
      kind: 'resolved',
      severity: 'info',
      from: changed ? from : undefined,
      to,
      cause,
      summary: `${resource.id} complies again (${before.join(', ')}): StorageEncryptionType is ${to}`,
      findings: [...findings],
    });
  } else if (changed && (alertOnAnyChange || newly.length > 0)) {
    alerts.push({
      ...base,
      kind: 'drift',
      severity: newly.length > 0 ? newlySeverity : causedByDurability ? 'low' : 'medium',
      from,
      to,
      cause,
      summary: `StorageEncryptionType of ${resource.id} changed from ${from} to ${to}${because}${
        newly.length > 0 ? `; outside policy (${newly.join(', ')})` : ''
      }`,
      findings: [...findings],
    });
  } else if (newly.length > 0) {
    alerts.push({
      ...base,
      rule: newly[0] ?? base.rule,
      kind: 'violation',
      severity: newlySeverity,
      to,
      summary: `${resource.id} is outside policy (${newly.join(', ')}): ${violating[0]?.reason ?? to}`,
      findings: violating,
    });
  }
  return baseline !== undefined && sameBaseline(baseline, current)
    ? { alerts }
    : { alerts, baseline: current };
}

/** Why the encryption of a resource changed since its baseline, when the API answer tells. */
/** At-rest encryption came on with durability (the same resource, not recreated). */
function turnedOnByDurability(baseline: EncryptionBaseline, resource: Resource): boolean {
  return (
    (baseline.createdAt === undefined ||
      resource.createdAt === undefined ||
      baseline.createdAt === resource.createdAt) &&
    baseline.storageEncryptionType === 'none' &&
    resource.storageEncryptionType !== 'none' &&
    baseline.effectiveDurability !== resource.effectiveDurability &&
    DURABLE.has(resource.effectiveDurability ?? '')
  );
}

function causeOf(baseline: EncryptionBaseline, resource: Resource): string | undefined {
  const recreated =
    baseline.createdAt !== undefined &&
    resource.createdAt !== undefined &&
    baseline.createdAt !== resource.createdAt;
  if (recreated) return `resource recreated (created ${resource.createdAt}, was ${baseline.createdAt})`;
  return turnedOnByDurability(baseline, resource)
    ? `durability change (EffectiveDurability ${baseline.effectiveDurability ?? 'unknown'} -> ${resource.effectiveDurability})`
    : undefined;
}

/** Whether a new observation leaves the stored baseline as it is (nothing to write). */
function sameBaseline(baseline: EncryptionBaseline, current: EncryptionBaseline): boolean {
  return (
    !encryptionChanged(baseline, current) &&
    // A key the baseline lacked (read from an older endpoint) is learnt, so a later change shows.
    (baseline.kmsKeyId !== undefined || current.kmsKeyId === undefined) &&
    baseline.createdAt === current.createdAt &&
    baseline.effectiveDurability === current.effectiveDurability &&
    baseline.violations.join() === current.violations.join()
  );
}

/**
 * The raw state of one resource that a JSON report keeps beside its findings, so that
 * `guardrails drift --baseline` compares states, not the findings' display text.
 */
export interface ObservedEncryption extends EncryptionState {
  resourceType: ResourceType;
  resourceId: string;
  arn: string;
  createdAt?: string;
  effectiveDurability?: DurabilityLevel;
}

/**
 * What a report records of a resource for later drift comparisons.
 *
 * @example
 * const report = { summary, findings, resources: fleet.map(observedEncryption) };
 */
export function observedEncryption(resource: Resource): ObservedEncryption {
  return {
    resourceType: resource.type,
    resourceId: resource.id,
    arn: resource.arn,
    createdAt: resource.createdAt,
    storageEncryptionType: resource.storageEncryptionType,
    kmsKeyId: resource.kmsKeyId,
    effectiveDurability: resource.effectiveDurability,
  };
}

/**
 * The state a storageEncryption finding's `observed` text shows (`sse-kms (<key>)`,
 * `sse-elasticache`, `none`), for reports written before they kept `resources`; empty for
 * `unknown` (the API did not say).
 *
 * @example
 * encryptionFromObserved('sse-kms (arn:aws:kms:…:key/1234…)'); // { storageEncryptionType: 'sse-kms', kmsKeyId: 'arn:…' }
 */
export function encryptionFromObserved(observed: string): EncryptionState {
  const kms = /^sse-kms \((.+)\)$/.exec(observed);
  if (kms !== null) return { storageEncryptionType: 'sse-kms', kmsKeyId: kms[1] };
  const type = STORAGE_ENCRYPTION_TYPES.find((known) => known === observed);
  return type === undefined ? {} : { storageEncryptionType: type };
}

/**
 * The baseline a recorded state stands for, with the rules its storageEncryption findings
 * violated then; undefined when the state holds no `StorageEncryptionType` (nothing to compare).
 *
 * @example
 * const baseline = baselineOf(observedEncryption(resource), findings, '2026-11-25T10:00:00Z');
 */
export function baselineOf(
  observed: ObservedEncryption,
  findings: readonly (Pick<Finding, 'arn' | 'status' | 'rule'> & { check: string })[],
  observedAt: string,
): EncryptionBaseline | undefined {
  const type = observed.storageEncryptionType;
  if (type === undefined) return undefined;
  const violations = findings
    .filter(
      (finding) =>
        finding.arn === observed.arn && isDriftFinding(finding.check) && finding.status === 'violation',
    )
    .map((finding) => finding.rule)
    .sort();
  return { ...observed, storageEncryptionType: type, violations, observedAt };
}

/** The informational notice that a resource is gone and its baseline retired. */
export function retirementAlert(baseline: EncryptionBaseline): EncryptionAlert {
  return {
    kind: 'retired',
    severity: 'info',
    resourceType: baseline.resourceType,
    resourceId: baseline.resourceId,
    arn: baseline.arn,
    rule: baseline.violations[0] ?? NO_RULE,
    from: describeEncryption(baseline.storageEncryptionType, baseline.kmsKeyId),
    summary: `${baseline.resourceId} no longer exists; its encryption baseline is retired`,
    findings: [],
  };
}
