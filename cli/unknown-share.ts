/**
 * A scan whose findings are all `unknown` evaluated nothing: it must not read as compliance.
 * This module counts the unknown share of a scan and names its likely cause — the answer
 * fields the 2026-06-02 ElastiCache model change added, which an older AWS CLI drops from
 * saved output and an older endpoint or engine never sends.
 */
import type { Finding } from '../shared/domain/finding.js';
import type { Resource, ResourceType } from '../shared/domain/resource.js';

/** The answer fields of the 2026-06-02 ElastiCache model change that the checks read. */
export const MODEL_FIELDS = ['EffectiveDurability', 'StorageEncryptionType', 'Durability'] as const;
export type ModelField = (typeof MODEL_FIELDS)[number];

/** The fields each resource type carries once its answer follows the 2026-06-02 model. */
const FIELDS_OF: Record<ResourceType, readonly ModelField[]> = {
  'replication-group': MODEL_FIELDS,
  'serverless-cache': ['StorageEncryptionType'],
};

/** Which resources lack which fields in the answers they came from. */
export type LackingFields = Map<Resource, ModelField[]>;

/**
 * The model fields a describe-* answer (or the values read from it) does not carry.
 *
 * @example
 * lackingFields('serverless-cache', { StorageEncryptionType: undefined }); // ['StorageEncryptionType']
 */
export function lackingFields(
  type: ResourceType,
  answer: Partial<Record<ModelField, unknown>>,
): ModelField[] {
  return FIELDS_OF[type].filter((field) => answer[field] === undefined || answer[field] === null);
}

/** The fields a resource read from a live answer lacks (an unrecognised value counts as lacking). */
export function lackingFieldsOfResource(resource: Resource): ModelField[] {
  return lackingFields(resource.type, {
    Durability: resource.durability,
    EffectiveDurability: resource.effectiveDurability,
    StorageEncryptionType: resource.storageEncryptionType,
  });
}

/** How much of a scan is `unknown`, and which fields the resources behind it lack. */
export interface UnknownShare {
  unknown: number;
  total: number;
  /** Resources with at least one unknown finding. */
  unknownResources: number;
  /** Each field lacking from a resource with an unknown finding, in MODEL_FIELDS order. */
  lacking: ModelField[];
  /** The fields no resource that should carry them carries (none when the fleet is empty). */
  absentEverywhere: ModelField[];
  /** The reasons of unknown findings, when no model field explains them. */
  otherReasons: string[];
}

/**
 * Count the unknown findings of a scan and the model fields their resources lack.
 *
 * @example
 * const share = unknownShare(findings, fleet, lacking);
 * if (share.unknown === share.total) io.stderr('nothing could be evaluated');
 */
export function unknownShare(
  findings: readonly Finding[],
  fleet: readonly Resource[],
  lacking: LackingFields,
): UnknownShare {
  const key = (type: string, id: string) => `${type}\u0000${id}`;
  const byKey = new Map(fleet.map((resource) => [key(resource.type, resource.id), resource]));
  const unknown = findings.filter((finding) => finding.status === 'unknown');
  const unknownResources = new Set<Resource>();
  const reasons = new Set<string>();
  for (const finding of unknown) {
    const resource = byKey.get(key(finding.resourceType, finding.resourceId));
    if (resource !== undefined && (lacking.get(resource)?.length ?? 0) > 0) unknownResources.add(resource);
    else reasons.add(finding.reason);
  }
  const lackedBy = new Set([...unknownResources].flatMap((resource) => lacking.get(resource) ?? []));
  const absentEverywhere = MODEL_FIELDS.filter((field) => {
    const carriers = fleet.filter((resource) => FIELDS_OF[resource.type].includes(field));
    return carriers.length > 0 && carriers.every((resource) => lacking.get(resource)?.includes(field));
  });
  return {
    unknown: unknown.length,
    total: findings.length,
    unknownResources: new Set(unknown.map((finding) => key(finding.resourceType, finding.resourceId))).size,
    lacking: MODEL_FIELDS.filter((field) => lackedBy.has(field)),
    absentEverywhere,
    otherReasons: [...reasons],
  };
}

/** The unknown share reaches `maxUnknownPercent` (0 to 100): too little was evaluated. */
export function reachesLimit(share: UnknownShare, maxUnknownPercent: number): boolean {
  return share.unknown > 0 && share.unknown * 100 >= maxUnknownPercent * share.total;
}

const MODEL_CHANGE = 'the 2026-06-02 ElastiCache model change (durability, StorageEncryptionType)';

function cause(share: UnknownShare, offline: boolean): string {
  if (share.lacking.length === 0)
    return `see each finding's reason: ${share.otherReasons.slice(0, 3).join('; ')}`;
  const fields = share.lacking.join(', ');
  if (!offline)
    return `the endpoint's answers lack ${fields} (${share.unknownResources} resources): the API or the engine behind it predates ${MODEL_CHANGE}; scan an endpoint and engine that return them`;
  if (share.absentEverywhere.length > 0)
    return `the saved JSON has no ${share.absentEverywhere.join(', ')} in any resource that should carry them: it was saved by an AWS CLI or SDK whose model predates ${MODEL_CHANGE}, and such a CLI drops these fields silently; save it again with an AWS CLI or SDK released after 2026-06-02`;
  return `the saved answers lack ${fields} (${share.unknownResources} resources): saved by an AWS CLI or SDK older than 2026-06-02, or the engine predates the fields`;
}

/**
 * The stderr text for a scan with unknown findings: a warning naming the cause when the share
 * reaches the limit, otherwise one summary line.
 *
 * @example
 * io.stderr(describeUnknownShare(share, { limitReached: true, offline: true, maxUnknownPercent: 100 }));
 */
export function describeUnknownShare(
  share: UnknownShare,
  options: { limitReached: boolean; offline: boolean; maxUnknownPercent: number },
): string {
  const count = `${share.unknown} of ${share.total} findings are unknown`;
  if (!options.limitReached) {
    const brief =
      share.lacking.length === 0
        ? share.otherReasons.slice(0, 3).join('; ')
        : `the ${options.offline ? 'saved answers' : 'answers'} lack ${share.lacking.join(', ')} (${share.unknownResources} resources; an older API, engine or AWS CLI)`;
    return `guardrails: ${count}: ${brief}\n`;
  }
  const headline =
    share.unknown === share.total ? 'nothing could be evaluated' : 'too little could be evaluated';
  return `guardrails: warning: ${headline}: ${count} (--max-unknown ${options.maxUnknownPercent} %). Likely cause: ${cause(share, options.offline)}.\n`;
}
