import {
  CompleteMigrationCommand,
  DescribeReplicationGroupsCommand,
  type ElastiCacheClient,
  IncreaseReplicaCountCommand,
  type IncreaseReplicaCountCommandInput,
  ListTagsForResourceCommand,
  ModifyReplicationGroupCommand,
  type ModifyReplicationGroupCommandInput,
  ModifyReplicationGroupShardConfigurationCommand,
  type ModifyReplicationGroupShardConfigurationCommandInput,
  paginateDescribeEvents,
  type ReplicationGroup,
  StartMigrationCommand,
  TestMigrationCommand,
} from '@aws-sdk/client-elasticache';
import type { PlanStep } from '../domain/durability/readiness.js';
import { type DurabilityLevel, RESOURCE_TYPES, type Resource } from '../domain/resource.js';
import { RESOURCE_KINDS } from '../domain/resource-kinds.js';
import type { FleetClients } from './clients.js';
import { AwsCallError, awsCall } from './errors.js';
import { KIND_READERS, toReplicationGroupResource } from './kind-readers.js';
import { mutate } from './mutation.js';
import { readTagsByArn } from './tagging.js';

/**
 * Read the whole fleet: every resource kind (shared/aws/kind-readers.ts) page by page, and
 * each kind's tags in bulk from the tagging API, all streams at once. Calls: one per 100 of each.
 *
 * `onProgress` hears the number of resources described so far, after each page.
 *
 * @example
 * const fleet = await readFleet(createFleetClients({ region: 'eu-west-1' }));
 */
export async function readFleet(
  clients: FleetClients,
  onProgress?: (described: number) => void,
): Promise<Resource[]> {
  let described = 0;
  const onPage = (count: number) => {
    described += count;
    onProgress?.(described);
  };
  // Every describe stream starts before the tag stream, which reads every kind's tags at once
  // (a small fleet's tags in one call, not one per kind).
  const describing = RESOURCE_TYPES.map((type) =>
    awsCall(RESOURCE_KINDS[type].describeCall, () =>
      KIND_READERS[type].describe(clients.elasticache, onPage),
    ),
  );
  const tagging = awsCall('GetResources', () =>
    readTagsByArn(
      clients.tagging,
      RESOURCE_TYPES.map((type) => RESOURCE_KINDS[type].taggingType),
    ),
  );
  const [kinds, byArn] = await Promise.all([Promise.all(describing), tagging]);
  return kinds.flatMap((resources) => {
    for (const resource of resources) resource.tags = byArn.get(resource.arn) ?? {};
    return resources;
  });
}

/** One replication group as the API describes it, or undefined when it does not exist (any more). */
async function describeGroup(
  client: ElastiCacheClient,
  replicationGroupId: string,
): Promise<ReplicationGroup | undefined> {
  try {
    const answer = await client.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }),
    );
    return answer.ReplicationGroups?.[0];
  } catch (error) {
    if (error instanceof Error && error.name === 'ReplicationGroupNotFoundFault') return undefined;
    throw new AwsCallError('DescribeReplicationGroups', error);
  }
}

/** One replication group with its tags, or undefined when it does not exist (any more). */
export async function readReplicationGroup(
  client: ElastiCacheClient,
  replicationGroupId: string,
): Promise<Resource | undefined> {
  const group = await describeGroup(client, replicationGroupId);
  if (group?.ARN === undefined) return undefined;
  const arn = group.ARN;
  const tags = await awsCall('ListTagsForResource', () =>
    client.send(new ListTagsForResourceCommand({ ResourceName: arn })),
  );
  return toReplicationGroupResource(
    group,
    Object.fromEntries((tags.TagList ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
  );
}

/**
 * Ask for a durability level: `ModifyReplicationGroup` with Durability as the only change,
 * as AWS requires. The group turns `modifying` (or holds the change as pending). A lost
 * answer, or an "invalid state" refusal of a change already made, is settled by reading the
 * group back: the request counts as made when the group asks for (or runs) `durability`.
 */
export async function setDurability(
  client: ElastiCacheClient,
  replicationGroupId: string,
  durability: DurabilityLevel,
  applyImmediately: boolean,
): Promise<'answered' | 'confirmed'> {
  return mutate(
    'ModifyReplicationGroup',
    () =>
      client.send(
        new ModifyReplicationGroupCommand({
          ReplicationGroupId: replicationGroupId,
          Durability: durability,
          ApplyImmediately: applyImmediately,
        }),
      ),
    async () => {
      const group = await describeGroup(client, replicationGroupId);
      return group?.Durability === durability || group?.EffectiveDurability === durability;
    },
    { landedOnRefusal: ['InvalidReplicationGroupStateFault'] },
  );
}

/** A customer (source) node of an online migration. */
export interface MigrationEndpoint {
  address: string;
  port: number;
}

/**
 * `TestMigration` or `StartMigration` from the customer's nodes into a group. Both answer at
 * once; TestMigration's outcome arrives later as an event, StartMigration turns the group
 * `migrating`. A lost StartMigration answer is settled by that status (the caller holds the
 * group's migration lock and saw it not migrating before).
 */
export async function requestMigration(
  client: ElastiCacheClient,
  call: 'TestMigration' | 'StartMigration',
  replicationGroupId: string,
  endpoints: readonly MigrationEndpoint[],
): Promise<void> {
  const input = {
    ReplicationGroupId: replicationGroupId,
    CustomerNodeEndpointList: endpoints.map((endpoint) => ({
      Address: endpoint.address,
      Port: endpoint.port,
    })),
  };
  if (call === 'TestMigration') {
    // Changes nothing, so the SDK's own retries apply.
    await awsCall(call, () => client.send(new TestMigrationCommand(input)));
    return;
  }
  await mutate(
    call,
    () => client.send(new StartMigrationCommand(input)),
    async () => (await describeGroup(client, replicationGroupId))?.Status === 'migrating',
  );
}

/**
 * `CompleteMigration`: promote the group after syncing, or with `force` stop at once without
 * syncing. A lost answer counts as done when the group has left `migrating`; it is not sent
 * again here, since a group that is completing still reads `migrating` for a while: the
 * caller polls, and decides after a wait whether the call landed.
 */
export async function completeMigration(
  client: ElastiCacheClient,
  replicationGroupId: string,
  force: boolean,
): Promise<'answered' | 'confirmed' | 'unconfirmed'> {
  try {
    return await mutate(
      'CompleteMigration',
      () =>
        client.send(new CompleteMigrationCommand({ ReplicationGroupId: replicationGroupId, Force: force })),
      async () => (await describeGroup(client, replicationGroupId))?.Status !== 'migrating',
      { attempts: 1 },
    );
  } catch (error) {
    if (error instanceof AwsCallError && error.fault === 'OutcomeUnknownError') return 'unconfirmed';
    throw error;
  }
}

/** Messages of a replication group's events since `since`, newest first: every page. */
export async function readGroupEvents(
  client: ElastiCacheClient,
  replicationGroupId: string,
  since: Date,
): Promise<{ message: string; date?: Date }[]> {
  const events: { message: string; date?: Date }[] = [];
  await awsCall('DescribeEvents', async () => {
    const pages = paginateDescribeEvents(
      { client, pageSize: 100 },
      { SourceIdentifier: replicationGroupId, SourceType: 'replication-group', StartTime: since },
    );
    for await (const page of pages) {
      for (const event of page.Events ?? []) events.push({ message: event.Message ?? '', date: event.Date });
    }
  });
  return events;
}

/** The call of one step (its params are the planner's, named as the API names them). */
function planStepCall(client: ElastiCacheClient, step: Pick<PlanStep, 'api' | 'params'>) {
  const params: unknown = step.params;
  switch (step.api) {
    case 'IncreaseReplicaCount':
      return () => client.send(new IncreaseReplicaCountCommand(params as IncreaseReplicaCountCommandInput));
    case 'ModifyReplicationGroupShardConfiguration':
      return () =>
        client.send(
          new ModifyReplicationGroupShardConfigurationCommand(
            params as ModifyReplicationGroupShardConfigurationCommandInput,
          ),
        );
    default:
      return () =>
        client.send(new ModifyReplicationGroupCommand(params as ModifyReplicationGroupCommandInput));
  }
}

/**
 * Send one step of a readiness plan (shared/domain/durability/readiness.ts) exactly once: a lost answer
 * is settled by `landed` (the group turned `modifying`, or the step is no longer needed), as
 * for every change this app makes (shared/aws/mutation.ts).
 */
export async function sendPlanStep(
  client: ElastiCacheClient,
  step: Pick<PlanStep, 'api' | 'params'>,
  landed: () => Promise<boolean>,
): Promise<void> {
  await mutate(step.api, planStepCall(client, step), landed, {
    landedOnRefusal: ['InvalidReplicationGroupStateFault'],
  });
}
