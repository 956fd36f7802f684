/**
 * The rebuild a durability plan gives when no online change gets a group there: snapshot the
 * group, create a durable copy that holds at least what it holds, cut clients over. Pure.
 */

import type { DurabilityLevel, Resource } from '../resource.js';
import type { DurableLayout } from './node-types.js';

export interface RebuildRecipe {
  snapshot: { api: 'CreateSnapshot'; params: Record<string, string> };
  create: { api: 'CreateReplicationGroup'; params: Record<string, string | number | boolean> };
  afterwards: string[];
}

/**
 * The durable copy of a group that cannot get there online: snapshot, create, cut over. The new
 * group holds at least what the old one holds (`layout`). A data-tiering group's backup restores
 * only into r6gd nodes, which durability does not support, so its copy starts empty and the
 * data is reloaded (online migration takes no ElastiCache source and no durable target).
 *
 * @example
 * const recipe = rebuildRecipe(facts, 'sync', DEFAULT_PLAN_OPTIONS, { nodeType: 'cache.r7g.8xlarge', shards: 2 });
 */
export function rebuildRecipe(
  group: Pick<Resource, 'id' | 'dataTiering' | 'minReplicasPerShard'>,
  target: DurabilityLevel,
  options: { engineVersion: string },
  layout: DurableLayout,
): RebuildRecipe {
  const snapshotName = `${group.id}-pre-rebuild`;
  const tiered = group.dataTiering === true;
  return {
    snapshot: { api: 'CreateSnapshot', params: { ReplicationGroupId: group.id, SnapshotName: snapshotName } },
    create: {
      api: 'CreateReplicationGroup',
      params: {
        ReplicationGroupId: `${group.id.slice(0, 32)}-durable`,
        ReplicationGroupDescription: `durable rebuild of ${group.id}`,
        ...(tiered ? {} : { SnapshotName: snapshotName }),
        Engine: 'valkey',
        EngineVersion: options.engineVersion,
        CacheNodeType: layout.nodeType,
        ClusterMode: 'enabled',
        NumNodeGroups: Math.max(1, layout.shards),
        ReplicasPerNodeGroup: Math.max(1, group.minReplicasPerShard ?? 1),
        AutomaticFailoverEnabled: true,
        MultiAZEnabled: true,
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: 'preferred',
        DataTieringEnabled: false,
        Durability: target,
      },
    },
    afterwards: [
      ...(tiered
        ? [
            `the new group starts empty: ${snapshotName} restores only into r6gd nodes; reload the data from the application's source of truth before moving clients`,
          ]
        : []),
      'point clients at the new group (cluster-aware, TLS) and watch errors',
      `keep ${snapshotName} until the new group has served for a retention period`,
      `delete ${group.id} once nothing connects to it`,
    ],
  };
}
