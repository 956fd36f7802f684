/**
 * Engine versions of replication groups, read from their member clusters
 * (DescribeReplicationGroups has no version field).
 */
import { type ElastiCacheClient, paginateDescribeCacheClusters } from '@aws-sdk/client-elasticache';
import type { Resource } from '../domain/resource.js';
import { AwsCallError } from './errors.js';
import { PAGE_SIZE } from './kind-readers.js';

/** Engine versions by replication group id, and the failure that cut the reading short, if any. */
export interface EngineVersions {
  versions: Map<string, string>;
  /** The cache parameter group each group's members show, read from the same pages. */
  parameterGroups: Map<string, string>;
  error?: AwsCallError;
}

/**
 * The engine versions of replication groups (DescribeReplicationGroups has no version
 * field), read from their member clusters. One group (a reaction to an event) costs one
 * call on its first member; more are read 100 clusters to a page, stopping once every
 * wanted group is seen: at most one call per 100 clusters, however many groups are wanted.
 * A page that fails after the SDK's retries ends the reading with what was read so far and
 * the error: the caller decides for the groups left without a version.
 */
export async function readEngineVersions(
  client: ElastiCacheClient,
  groups: readonly Pick<Resource, 'id' | 'firstMemberCluster'>[],
): Promise<EngineVersions> {
  const versions = new Map<string, string>();
  const parameterGroups = new Map<string, string>();
  const wanted = new Set(groups.map((group) => group.id));
  const only = groups.length === 1 ? groups[0]?.firstMemberCluster : undefined;
  try {
    if (wanted.size === 0) return { versions, parameterGroups };
    for await (const page of paginateDescribeCacheClusters(
      { client, pageSize: PAGE_SIZE },
      {
        MaxRecords: PAGE_SIZE,
        ShowCacheNodeInfo: false,
        ...(only === undefined ? {} : { CacheClusterId: only }),
      },
    )) {
      for (const cluster of page.CacheClusters ?? []) {
        const group = cluster.ReplicationGroupId;
        if (group === undefined || !wanted.has(group)) continue;
        if (cluster.EngineVersion !== undefined) versions.set(group, cluster.EngineVersion);
        const parameterGroup = cluster.CacheParameterGroup?.CacheParameterGroupName;
        if (parameterGroup !== undefined) parameterGroups.set(group, parameterGroup);
      }
      if (versions.size === wanted.size) break;
    }
  } catch (error) {
    return { versions, parameterGroups, error: new AwsCallError('DescribeCacheClusters', error) };
  }
  return { versions, parameterGroups };
}

/**
 * Write the engine versions of `resources` onto them (those still without one; a group named
 * twice is read once), and the parameter group their members show. Returns, per ARN, the failure of each group whose version could not
 * be read: the caller decides what that group's findings or plan say.
 *
 * @example
 * const unreadable = await readEngineVersionsInto(client, violating);
 */
export async function readEngineVersionsInto(
  client: ElastiCacheClient,
  resources: readonly Resource[],
): Promise<Map<string, AwsCallError>> {
  const wanted = [...new Set(resources)].filter((resource) => resource.engineVersion === undefined);
  const failures = new Map<string, AwsCallError>();
  if (wanted.length === 0) return failures;
  const { versions, parameterGroups, error } = await readEngineVersions(client, wanted);
  for (const resource of wanted) {
    resource.engineVersion = versions.get(resource.id);
    resource.cacheParameterGroupName ??= parameterGroups.get(resource.id);
    if (resource.engineVersion === undefined && error !== undefined) failures.set(resource.arn, error);
  }
  return failures;
}
