/**
 * Every key of the state table and the shape of what is stored under it, in one place: the
 * jobs, the CLI and the IAM of each function (the partitions of its manifest, {@link PARTITIONS})
 * take their keys from here, and every read is parsed with the schemas below, so a bad stored
 * item is a clear error naming its key.
 *
 * The table (`pk`, `sk`, TTL on `expiresAt`). What grows with the organisation is kept per target
 * (`<kind>#<account>#<region>`): a target's run reads its own with one Query per partition, and no
 * partition holds more than one target's items:
 * - `target#<account>#<region>` / `finding#<arn>#<rule>#<check>`: the last finding per resource
 *   and rule, with its outbox: each event not yet published in an attribute `outbox#<event id>`;
 * - `baseline#storage-encryption#<account>#<region>` / `<arn>`: the encryption baseline of each
 *   resource of that target (the previous version kept them all under `baseline#storage-encryption`);
 * - `<kind>` / `<key>`: records a job keeps (migration approvals, …);
 * - `lease#<account>#<region>` / `durability#<arn>`: the durability change in flight of a group of
 *   that target, so a target's run lists its own with one Query;
 * - `lease` / `migration#<group>`: the workflows' locks (the deployment's own groups, a few);
 * - `securityhub#<account>#<region>` / `<finding id>`: what was last imported into Security Hub
 *   for one target, so the next run imports only changes of state;
 * - `targets#org-scan` / `last`: the organisation scan's last target list, so a target dropped
 *   since has its Security Hub findings archived.
 */

import * as z from 'zod';
import { type ArnParts, parseArn } from '../domain/arn.js';
import { CHECKS, type CheckKey } from '../domain/checks/registry.js';
import type { EncryptionAlert, EncryptionBaseline } from '../domain/drift.js';
import { soakRunSchema } from '../domain/durability/soak-series.js';
import { FINDING_STATUSES, type Finding } from '../domain/finding.js';
import { DURABILITY_LEVELS, RESOURCE_TYPES, STORAGE_ENCRYPTION_TYPES } from '../domain/resource.js';
import { COMPLIANCE_OF, type ComplianceStatus } from '../domain/security-findings.js';
import { SEVERITIES } from '../domain/severity.js';
import { fieldProblems } from '../runtime/zod-issues.js';
import { DETAIL_TYPES, type DetailType } from './notify.js';

/** The partition of the workflows' locks (and, before per-target partitions, of every lease). */
export const LEASE_PARTITION = 'lease';
/** Where a target's findings were kept before per-target partitions: read for one version, then moved. */
const LEGACY_FINDING_PARTITION_PREFIX = 'resource#';
const FINDING_PARTITION_PREFIX = 'target#';
const TARGET_LEASE_PARTITION_PREFIX = `${LEASE_PARTITION}#`;
/** The sort key prefix of every finding in its target's partition. */
export const FINDING_SORT_PREFIX = 'finding#';

/** One target's account and region, the part of a per-target partition key. */
interface TargetRef {
  account: string;
  region: string;
}

/** The account and region of a resource ARN (or of an ARN prefix ending at the account). */
function targetOfArn(arn: string): ArnParts {
  const parts = parseArn(arn);
  if (parts === undefined || !/^\d{12}$/.test(parts.account) || parts.region === '')
    throw new Error(
      `${arn} is not the ARN of a regional resource of an account: state is kept per account and region`,
    );
  return parts;
}

const targetPartition = (prefix: string, target: TargetRef) => `${prefix}${target.account}#${target.region}`;

/** The partition of the findings of `target`, read with one Query per run. */
export const findingPartition = (target: TargetRef) => targetPartition(FINDING_PARTITION_PREFIX, target);

/**
 * Lease key prefixes: one lease per durability change of a group, one per migration of a group,
 * one per scheduled run that must not overlap itself (the organisation scan).
 */
export const LEASE_PREFIXES = { durability: 'durability#', migration: 'migration#', run: 'run#' } as const;

/** The lease of the durability change of the group `arn`: one change per group at a time. */
export const durabilityLeaseKey = (arn: string) => `${LEASE_PREFIXES.durability}${arn}`;
/**
 * The key prefix of the durability leases of every group of the target (account and region) that
 * the resource `arn` belongs to: a target's run lists them with one Query of its own partition.
 */
export function targetDurabilityLeases(arn: string): string {
  const { partition, service, region, account } = targetOfArn(arn);
  return durabilityLeaseKey(`arn:${partition}:${service}:${region}:${account}:`);
}
/** The lease (lock) of the migration into group `replicationGroupId`. */
export const migrationLockKey = (replicationGroupId: string) =>
  `${LEASE_PREFIXES.migration}${replicationGroupId}`;
/** The lease of the scheduled run `name` (`org-scan`): one execution at a time. */
export const runLockKey = (name: string) => `${LEASE_PREFIXES.run}${name}`;
/** The sort key prefix of every finding of the resource `arn` in its target's partition. */
export const resourceFindingsPrefix = (arn: string) => `${FINDING_SORT_PREFIX}${arn}#`;
/** Where the finding of `arn` under `rule` and `check` is stored: its target's partition. */
export const findingKey = (finding: Pick<Finding, 'arn' | 'rule' | 'check'>) => ({
  pk: findingPartition(targetOfArn(finding.arn)),
  sk: `${resourceFindingsPrefix(finding.arn)}${finding.rule}#${finding.check}`,
});
/** Where the previous version kept the findings of `arn` (one partition per resource). */
export const legacyFindingPartition = (arn: string) => `${LEGACY_FINDING_PARTITION_PREFIX}${arn}`;
/** Where the previous version kept the finding: read once, then moved. */
export const legacyFindingKey = (finding: Pick<Finding, 'arn' | 'rule' | 'check'>) => ({
  pk: legacyFindingPartition(finding.arn),
  sk: `finding#${finding.rule}#${finding.check}`,
});

/**
 * The partition of the lease `key`: a group's durability change in its target's partition
 * (`lease#<account>#<region>`, the key's ARN, or ARN prefix, names the target), the workflows'
 * locks in {@link LEASE_PARTITION}.
 */
export function leasePartition(key: string): string {
  return key.startsWith(LEASE_PREFIXES.durability)
    ? targetPartition(TARGET_LEASE_PARTITION_PREFIX, targetOfArn(key.slice(LEASE_PREFIXES.durability.length)))
    : LEASE_PARTITION;
}

export const findingSchema: z.ZodType<Finding> = z.object({
  resourceType: z.enum(RESOURCE_TYPES),
  resourceId: z.string(),
  arn: z.string(),
  rule: z.string(),
  check: z.enum(Object.keys(CHECKS) as [CheckKey, ...CheckKey[]]),
  status: z.enum(FINDING_STATUSES),
  expected: z.string(),
  observed: z.string(),
  reason: z.string(),
  action: z.string().nullable(),
  notes: z.array(z.string()).optional(),
  severity: z.enum(SEVERITIES).optional(),
});

/** A finding as stored, with when it was first seen. */
export const storedFindingSchema = z.object({
  status: z.enum(FINDING_STATUSES),
  finding: findingSchema,
  firstSeen: z.string().optional(),
});
export type StoredFinding = z.infer<typeof storedFindingSchema>;

/** The attribute name prefix of a finding's pending events: `outbox#<event id>`. */
export const OUTBOX_ATTRIBUTE_PREFIX = 'outbox#';
/**
 * The attribute name prefix of a pending event's claim: `claim#<event id>`, the time until which
 * one run alone may send it (a run that dies leaves a claim that expires).
 */
export const CLAIM_ATTRIBUTE_PREFIX = 'claim#';

/** A pending event as stored on its finding's item (the id is in the attribute's name). */
export const pendingEventSchema = z.object({
  detailType: z.enum(Object.values(DETAIL_TYPES) as [DetailType, ...DetailType[]]),
  detail: z.record(z.string(), z.unknown()),
  resources: z.array(z.string()).optional(),
  createdAt: z.string(),
});

/** An item of the state table that does not hold what its key says; names the key and the fields. */
export class StoredDataError extends Error {
  constructor(pk: string, sk: string, problems: readonly string[]) {
    super(`the state table's item ${pk} / ${sk} is not readable: ${problems.join('; ')}`);
    this.name = 'StoredDataError';
  }
}

/** Parse one stored item (or part of it) with `schema`, or fail naming its key. */
export function parseStored<Value>(schema: z.ZodType<Value>, value: unknown, pk: string, sk: string): Value {
  const result = schema.safeParse(value);
  if (!result.success) throw new StoredDataError(pk, sk, fieldProblems(result.error, value));
  return result.data;
}

/** A lease as stored; its `details` are parsed by the schema of its kind. */
export const leaseItemSchema = z.object({
  sk: z.string(),
  holder: z.string(),
  acquiredAt: z.string(),
  expiresAt: z.number(),
  claim: z.string().optional(),
  details: z.record(z.string(), z.unknown()).default({}),
});

export { remediationDetailsSchema } from '../domain/durability/lease-steps.js';

/** What snapshot cleanup reads of any lease: the snapshot a change in flight still needs. */
export const snapshotHoldSchema = z.looseObject({ snapshotName: z.string().optional() });

const alertSchema: z.ZodType<EncryptionAlert> = z.object({
  kind: z.enum(['drift', 'violation', 'resolved', 'retired']),
  severity: z.enum(SEVERITIES),
  resourceType: z.enum(RESOURCE_TYPES),
  resourceId: z.string(),
  arn: z.string(),
  rule: z.string(),
  from: z.string().optional(),
  to: z.string().optional(),
  cause: z.string().optional(),
  summary: z.string(),
  findings: z.array(findingSchema),
});

const baselineSchema: z.ZodType<EncryptionBaseline> = z.looseObject({
  arn: z.string(),
  resourceType: z.enum(RESOURCE_TYPES),
  resourceId: z.string(),
  createdAt: z.string().optional(),
  storageEncryptionType: z.enum(STORAGE_ENCRYPTION_TYPES),
  kmsKeyId: z.string().optional(),
  effectiveDurability: z.enum(DURABILITY_LEVELS).optional(),
  // Records written by hand or by older versions may lack these.
  violations: z.array(z.string()).default([]),
  observedAt: z.string().default(''),
  revision: z.number().int().optional(),
  outbox: z
    .array(
      z.object({
        id: z.string(),
        alert: alertSchema,
        createdAt: z.string(),
        claimedUntil: z.string().optional(),
      }),
    )
    .optional(),
  get pending() {
    return z
      .object({ alerts: z.array(alertSchema), claimedAt: z.string(), previous: baselineSchema.optional() })
      .optional();
  },
});

/** A migration waiting for an operator's approval (the Step Functions task token it resumes). */
const approvalSchema = z.looseObject({
  execution: z.string(),
  taskToken: z.string(),
  // What a reader needs is the token and its execution; these two only describe it.
  replicationGroupId: z.string().optional(),
  requestedAt: z.string().optional(),
});
/** An operator's answer to an approval, kept until the CLI has handed it over. */
const decisionSchema = z.looseObject({
  approved: z.boolean(),
  by: z.string(),
  error: z.string().optional(),
  reason: z.string().optional(),
});

/** A kind of record: its partition key and the schema its values are read with. */
export interface RecordKind<Value> {
  readonly name: string;
  readonly schema: z.ZodType<Value>;
}

const kind = <Value>(name: string, schema: z.ZodType<Value>): RecordKind<Value> => ({ name, schema });

/**
 * The records of `kind` read with another schema, for a reader that checks each record itself
 * (the CLI skips a damaged baseline and names it, instead of failing the whole comparison).
 */
export const readAs = <Value>(of: RecordKind<unknown>, schema: z.ZodType<Value>): RecordKind<Value> =>
  kind(of.name, schema);

const COMPLIANCE_STATUSES = [...new Set(Object.values(COMPLIANCE_OF))] as [
  ComplianceStatus,
  ...ComplianceStatus[],
];

/**
 * What was last imported into Security Hub of one finding: its compliance, a hash of its ASFF
 * content (without `UpdatedAt`) to tell a change of state, when it was first imported (its
 * `CreatedAt` for good), the `UpdatedAt` of that import (absent in records that predate it: a
 * newer import orders after them) and the finding itself, to archive it once it is gone.
 */
const securityHubImportSchema = z.object({
  compliance: z.enum(COMPLIANCE_STATUSES),
  hash: z.string(),
  firstSeen: z.string(),
  updatedAt: z.string().optional(),
  finding: findingSchema,
});
export type SecurityHubImport = z.infer<typeof securityHubImportSchema>;
const SECURITY_HUB_PARTITION_PREFIX = 'securityhub#';

/**
 * The records of what was imported into Security Hub for one target (account and region), keyed
 * by finding id: one partition per target, so a target's run reads its own with one Query.
 */
export const securityHubImportKind = (target: { account: string; region: string }) =>
  kind(`${SECURITY_HUB_PARTITION_PREFIX}${target.account}#${target.region}`, securityHubImportSchema);

/** `<account>/<region>`, or `<account>/*`: every region an account enabled (read by its child). */
const targetNameSchema = z
  .string()
  .regex(/^\d{12}\/([a-z0-9-]+|\*)$/, 'expected <account>/<region> or <account>/*');

/**
 * What the organisation scan last listed (`<account>/<region>`): the targets, those whose
 * accounts were not known that run (an OU not listed) carried along, and the targets no longer
 * listed whose Security Hub findings are still to be archived, with the runs that failed to.
 */
const targetHistorySchema = z.object({
  listedAt: z.string(),
  targets: z.array(targetNameSchema),
  dropped: z.array(
    z.object({ target: targetNameSchema, attempts: z.number().int().min(0), cause: z.string() }),
  ),
});
export type TargetHistory = z.infer<typeof targetHistorySchema>;
/** The one record of {@link RECORD_KINDS}.targetHistory. */
export const TARGET_HISTORY_KEY = 'last';

/**
 * The findings whose outbox a run left pending (EventBridge did not take an event, or it was not
 * marked), keyed by {@link outboxOwedKey}: a later run publishes them even when it no longer
 * evaluates their resource (deleted meanwhile). Under the findings' partition pattern, so what
 * writes findings keeps it. `token` is this entry's, so a run clears only the entry it read.
 */
export const OUTBOX_OWED = kind(
  `${FINDING_PARTITION_PREFIX}outbox#owed`,
  z.object({
    finding: z.object({
      arn: z.string(),
      rule: z.string(),
      check: z.enum(Object.keys(CHECKS) as [CheckKey, ...CheckKey[]]),
    }),
    token: z.string(),
  }),
);
export const outboxOwedKey = (finding: Pick<Finding, 'arn' | 'rule' | 'check'>) =>
  `${finding.arn}#${finding.rule}#${finding.check}`;

/** Where the previous version kept every target's encryption baselines: read and moved for one version. */
export const LEGACY_BASELINE_PARTITION = 'baseline#storage-encryption';

/** The encryption baselines of one target (account and region), keyed by ARN: read with one Query. */
export const encryptionBaselineKind = (target: TargetRef) =>
  kind(targetPartition(`${LEGACY_BASELINE_PARTITION}#`, target), baselineSchema);

/** The baselines' partition of the target the resource `arn` belongs to. */
export const baselineKindOf = (arn: string) => encryptionBaselineKind(targetOfArn(arn));

/** Every kind of record the app keeps (and, per target, {@link securityHubImportKind}, {@link encryptionBaselineKind}). */
export const RECORD_KINDS = {
  /** The previous version's baselines of every target ({@link LEGACY_BASELINE_PARTITION}). */
  legacyEncryptionBaseline: kind(LEGACY_BASELINE_PARTITION, baselineSchema),
  migrationApproval: kind('approval#migration', approvalSchema),
  migrationDecision: kind('decision#migration', decisionSchema),
  /** A durability upgrade step waiting for an operator's approval. */
  upgradeApproval: kind('approval#upgrade', approvalSchema),
  /** An operator's answer to an upgrade approval, for an execution run by the sandbox's CLI. */
  upgradeDecision: kind('decision#upgrade', decisionSchema),
  /**
   * The alert ledger, keyed by event id: one message per id. `claimed` until `claimedUntil` by the
   * sender about to publish it, then `sent`; records written before claims expired have no `state`
   * and count as sent.
   */
  sentAlert: kind(
    'alert#sent',
    z.looseObject({
      state: z.enum(['claimed', 'sent']).optional(),
      claimedUntil: z.string().optional(),
      sentAt: z.string().optional(),
      revision: z.number().int().optional(),
    }),
  ),
  /** The organisation scan's last target list, under {@link TARGET_HISTORY_KEY}. */
  targetHistory: kind('targets#org-scan', targetHistorySchema),
  lastSoak: kind('soak#upgrade', soakRunSchema),
} as const;

/**
 * The partitions as IAM `dynamodb:LeadingKeys` patterns: a function's manifest
 * (`functions/<name>/function.ts`) lists those its code reads or writes from here.
 */
export const PARTITIONS = {
  lease: LEASE_PARTITION,
  /** The durability leases, one partition per target (the previous version's `lease` read once). */
  targetLeases: `${TARGET_LEASE_PARTITION_PREFIX}*`,
  findings: `${FINDING_PARTITION_PREFIX}*`,
  /** The previous version's findings, read and moved for one version. */
  legacyFindings: `${LEGACY_FINDING_PARTITION_PREFIX}*`,
  securityHubImports: `${SECURITY_HUB_PARTITION_PREFIX}*`,
  /** The encryption baselines, one partition per target. */
  encryptionBaseline: `${LEGACY_BASELINE_PARTITION}#*`,
  /** The previous version's baselines, read and moved for one version. */
  legacyEncryptionBaseline: LEGACY_BASELINE_PARTITION,
  migrationApproval: RECORD_KINDS.migrationApproval.name,
  upgradeApproval: RECORD_KINDS.upgradeApproval.name,
  sentAlert: RECORD_KINDS.sentAlert.name,
  targetHistory: RECORD_KINDS.targetHistory.name,
  lastSoak: RECORD_KINDS.lastSoak.name,
} as const;
