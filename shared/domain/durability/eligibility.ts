import type { Resource } from '../resource.js';

/** Node families AWS supports for durability (Graviton R, M and C). */
export const DURABLE_NODE_FAMILIES = ['r6g', 'r7g', 'r8g', 'm6g', 'm7g', 'm8g', 'c7gn', 'c8gn'] as const;

/** Lowest Valkey version with durability. */
export const DURABLE_MIN_VALKEY = [9, 0] as const;

/** Numeric order of dotted versions; NaN parts compare as 0. */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    const difference = (left[index] || 0) - (right[index] || 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

export interface Eligibility {
  /** True only when every requirement is known to hold. */
  eligible: boolean;
  /** Each requirement that does not hold, or could not be confirmed, in words an operator can act on. */
  unmet: string[];
}

function nodeFamily(nodeType: string): string | undefined {
  // cache.r7g.large -> r7g
  return nodeType.split('.')[1];
}

function versionAtLeast(version: string, minimum: readonly [number, number]): boolean {
  const [major = Number.NaN, minor = 0] = version.split('.').map(Number);
  if (Number.isNaN(major)) return false;
  return major > minimum[0] || (major === minimum[0] && minor >= minimum[1]);
}

/**
 * Whether durability (`async`/`sync`) can be turned on in place for a resource, with every
 * unmet requirement named: this is also the readiness report for a planned rebuild.
 *
 * @example
 * const { eligible, unmet } = durabilityEligibility(resource);
 * if (!eligible) finding.reason = `needs rebuild: ${unmet.join('; ')}`;
 */
export function durabilityEligibility(resource: Resource): Eligibility {
  const unmet: string[] = [];
  if (resource.type === 'serverless-cache') {
    return { eligible: false, unmet: ['serverless caches cannot be durable'] };
  }
  if (resource.engine !== 'valkey') unmet.push(`engine must be valkey (is ${resource.engine ?? 'unknown'})`);
  if (resource.engineVersion === undefined) unmet.push('engine version unknown (must be 9.0 or later)');
  else if (!versionAtLeast(resource.engineVersion, DURABLE_MIN_VALKEY)) {
    unmet.push(`engine version must be 9.0 or later (is ${resource.engineVersion})`);
  }
  if (resource.clusterMode !== 'enabled') {
    unmet.push(`cluster mode must be enabled (is ${resource.clusterMode ?? 'unknown'})`);
  }
  if (resource.multiAZ !== true) unmet.push('Multi-AZ must be enabled');
  if (resource.minReplicasPerShard === undefined || resource.minReplicasPerShard < 1) {
    unmet.push(`every shard needs at least 1 replica (fewest: ${resource.minReplicasPerShard ?? 'unknown'})`);
  }
  if (resource.transitEncryptionEnabled !== true) unmet.push('in-transit encryption (TLS) must be enabled');
  const family = resource.cacheNodeType === undefined ? undefined : nodeFamily(resource.cacheNodeType);
  if (family === undefined || !(DURABLE_NODE_FAMILIES as readonly string[]).includes(family)) {
    unmet.push(
      `node type must be of family ${DURABLE_NODE_FAMILIES.join('|')} (is ${resource.cacheNodeType ?? 'unknown'})`,
    );
  }
  if (resource.dataTiering === true) unmet.push('data tiering must be off');
  if (resource.globalDatastore === true) unmet.push('must not be a Global Datastore member');
  return { eligible: unmet.length === 0, unmet };
}
