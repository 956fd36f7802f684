import type { ElastiCacheClient } from '../../aws/clients.js';
import { readReplicationGroup } from '../../aws/elasticache.js';
import type { Resource } from '../../domain/resource.js';
import { MIGRATION_ERRORS } from '../../domain/workflow/index.js';
import { MigrationError } from './state.js';

/** The target group, or a GroupNotFound failure: a migration's group must exist throughout. */
export async function groupOrFail(elasticache: ElastiCacheClient, groupId: string): Promise<Resource> {
  const group = await readReplicationGroup(elasticache, groupId);
  if (group === undefined)
    throw new MigrationError(MIGRATION_ERRORS.groupNotFound, `replication group ${groupId} does not exist`);
  return group;
}
