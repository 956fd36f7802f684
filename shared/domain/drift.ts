import { kmsKeyRef } from './checks/storage-encryption.js';
import type { Finding } from './finding.js';
import type { DurabilityLevel, Resource, ResourceType, StorageEncryptionType } from './resource.js';

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
   * Alerts a run claimed and has not confirmed as sent, with the baseline before them: a run
   * that died while sending leaves them here, and a later run sends them again.
   */
  pending?: { alerts: EncryptionAlert[]; claimedAt: string; previous?: EncryptionBaseline };
}

export const ALERT_KINDS = ['drift', 'violation', 'resolved', 'retired'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface EncryptionAlert {
  kind: AlertKind;
  severity: 'info' | 'low' | 'medium' | 'high';
  resourceType: ResourceType;
  resourceId: string;
  arn: string;
  /** The rule concerned, or `storage-encryption` when no rule matches the resource. */
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

function sameState(baseline: EncryptionBaseline, resource: Resource): boolean {
  if (baseline.storageEncryptionType !== resource.storageEncryptionType) return false;
  if (resource.storageEncryptionType !== 'sse-kms') return true;
  const before = baseline.kmsKeyId === undefined ? undefined : kmsKeyRef(baseline.kmsKeyId);
  const now = resource.kmsKeyId === undefined ? undefined : kmsKeyRef(resource.kmsKeyId);
  return before === now;
}

const DURABLE = new Set<string>(['sync', 'async']);

/**
 * Compare one resource with its baseline and the policy's storage-encryption findings; at
 * most one alert per resource and run: `resolved` when it complies again; otherwise `drift`
 * when its state changed (every change with `alertOnAnyChange`, else only into a state the
 * policy refuses; severity high when it now breaks a rule, low when a durability change
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
  const current: EncryptionBaseline = {
    arn: resource.arn,
    resourceType: resource.type,
    resourceId: resource.id,
    createdAt: resource.createdAt,
    storageEncryptionType: type,
    kmsKeyId: resource.kmsKeyId,
    effectiveDurability: resource.effectiveDurability,
    violations,
    observedAt: now.toISOString(),
  };
  const base = {
    resourceType: resource.type,
    resourceId: resource.id,
    arn: resource.arn,
    rule: violations[0] ?? findings[0]?.rule ?? 'storage-encryption',
  };
  const alerts: EncryptionAlert[] = [];
  const before = baseline?.violations ?? [];
  const newly = violations.filter((rule) => !before.includes(rule));
  const resolved = baseline !== undefined && before.length > 0 && violations.length === 0;
  const from =
    baseline === undefined
      ? undefined
      : describeEncryption(baseline.storageEncryptionType, baseline.kmsKeyId);
  const changed = baseline !== undefined && !sameState(baseline, resource);
  let cause: string | undefined;
  if (changed && baseline !== undefined) {
    const recreated =
      baseline.createdAt !== undefined &&
      resource.createdAt !== undefined &&
      baseline.createdAt !== resource.createdAt;
    const durabilityTurnedOn =
      !recreated &&
      baseline.storageEncryptionType === 'none' &&
      type !== 'none' &&
      baseline.effectiveDurability !== resource.effectiveDurability &&
      DURABLE.has(resource.effectiveDurability ?? '');
    cause = recreated
      ? `resource recreated (created ${resource.createdAt}, was ${baseline.createdAt})`
      : durabilityTurnedOn
        ? `durability change (EffectiveDurability ${baseline.effectiveDurability ?? 'unknown'} -> ${resource.effectiveDurability})`
        : undefined;
  }
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
      severity: newly.length > 0 ? 'high' : cause?.startsWith('durability') ? 'low' : 'medium',
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
      severity: 'high',
      to,
      summary: `${resource.id} is outside policy (${newly.join(', ')}): ${violating[0]?.reason ?? to}`,
      findings: violating,
    });
  }
  const unchanged =
    baseline !== undefined &&
    sameState(baseline, resource) &&
    baseline.createdAt === current.createdAt &&
    baseline.effectiveDurability === current.effectiveDurability &&
    baseline.violations.join() === violations.join();
  return unchanged ? { alerts } : { alerts, baseline: current };
}

/** The informational notice that a resource is gone and its baseline retired. */
export function retirementAlert(baseline: EncryptionBaseline): EncryptionAlert {
  return {
    kind: 'retired',
    severity: 'info',
    resourceType: baseline.resourceType,
    resourceId: baseline.resourceId,
    arn: baseline.arn,
    rule: baseline.violations[0] ?? 'storage-encryption',
    from: describeEncryption(baseline.storageEncryptionType, baseline.kmsKeyId),
    summary: `${baseline.resourceId} no longer exists; its encryption baseline is retired`,
    findings: [],
  };
}
