import {
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DescribeSnapshotsCommand,
  type ElastiCacheClient,
  ListTagsForResourceCommand,
  paginateDescribeSnapshots,
  type Snapshot,
} from '@aws-sdk/client-elasticache';
import {
  paginateGetResources,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { InputValidationError } from '../runtime/errors.js';
import { AwsCallError, awsCall } from './errors.js';
import { mutate } from './mutation.js';

/** Tags that mark a snapshot as ours: only these are ever expired by the cleanup. */
export const SNAPSHOT_TAGS = { managed: 'guardrails:managed', reason: 'guardrails:reason' } as const;

/** What the app records of a snapshot it took. */
export interface SnapshotRecord {
  name: string;
  /** Its ARN, as the tagging API lists it (a snapshot read otherwise has none here). */
  arn?: string;
  replicationGroupId?: string;
  status: string;
  /** Durability at snapshot time; a restore inherits it. */
  durability?: string;
  createdAt?: string;
  /** Sum of the node snapshots' CacheSize, as the API writes it (e.g. "5 MB"), or undefined. */
  size?: string;
}

function toRecord(snapshot: Snapshot): SnapshotRecord {
  const nodes = snapshot.NodeSnapshots ?? [];
  const created = nodes
    .map((node) => node.SnapshotCreateTime)
    .filter((date): date is Date => date !== undefined)
    .sort((a, b) => a.getTime() - b.getTime())[0];
  const sizes = nodes.map((node) => node.CacheSize).filter((size): size is string => size !== undefined);
  return {
    name: snapshot.SnapshotName ?? '',
    replicationGroupId: snapshot.ReplicationGroupId,
    status: snapshot.SnapshotStatus ?? 'unknown',
    durability: snapshot.Durability,
    createdAt: created?.toISOString(),
    size: sizes.length > 0 ? sizes.join(' + ') : undefined,
  };
}

/**
 * Start a snapshot of a replication group, tagged as ours with the reason it was taken.
 * It starts `creating`; poll `describeSnapshot` (from a state machine or a later run) until
 * `available`. Every caller names its snapshot per execution or lease, so a retried invocation
 * (its Lambda died or timed out after the request) finds this group's snapshot of that name and
 * sends nothing: the group is `snapshotting` by then, and a second request would be refused.
 * A lost answer, or a name taken meanwhile by this group's snapshot, is settled by reading the
 * snapshot back: it is never started twice.
 */
export async function createSnapshot(
  client: ElastiCacheClient,
  replicationGroupId: string,
  snapshotName: string,
  reason: string,
): Promise<SnapshotRecord> {
  const earlier = await describeSnapshot(client, snapshotName);
  if (earlier?.replicationGroupId === replicationGroupId) return earlier;
  let started: Snapshot | undefined;
  let found: SnapshotRecord | undefined;
  await mutate(
    'CreateSnapshot',
    async () => {
      const answer = await client.send(
        new CreateSnapshotCommand({
          ReplicationGroupId: replicationGroupId,
          SnapshotName: snapshotName,
          Tags: [
            { Key: SNAPSHOT_TAGS.managed, Value: 'true' },
            { Key: SNAPSHOT_TAGS.reason, Value: reason },
          ],
        }),
      );
      started = answer.Snapshot ?? { SnapshotName: snapshotName, SnapshotStatus: 'creating' };
    },
    async () => {
      found = await describeSnapshot(client, snapshotName);
      return found?.replicationGroupId === replicationGroupId;
    },
    { landedOnRefusal: ['SnapshotAlreadyExistsFault'] },
  );
  return started === undefined ? (found as SnapshotRecord) : toRecord(started);
}

/**
 * The current state of one snapshot, or undefined when it does not exist. An empty name is
 * refused before any call: DescribeSnapshots reads an empty SnapshotName as no filter at all.
 */
export async function describeSnapshot(
  client: ElastiCacheClient,
  snapshotName: string,
): Promise<SnapshotRecord | undefined> {
  if (snapshotName === '') throw new InputValidationError('describeSnapshot: snapshotName is empty');
  try {
    const answer = await client.send(new DescribeSnapshotsCommand({ SnapshotName: snapshotName }));
    const snapshot = answer.Snapshots?.[0];
    return snapshot === undefined ? undefined : toRecord(snapshot);
  } catch (error) {
    if (error instanceof Error && error.name === 'SnapshotNotFoundFault') return undefined;
    throw new AwsCallError('DescribeSnapshots', error);
  }
}

/**
 * The newest snapshot of `replicationGroupId` tagged as ours that started at or after
 * `since` (one still `creating` without a start time counts), or undefined: what a change in
 * flight took when its record lost the snapshot's name. One ListTagsForResource per candidate,
 * newest first; candidates are the few snapshots taken since.
 */
export async function findOurSnapshotSince(
  client: ElastiCacheClient,
  replicationGroupId: string,
  since: Date,
): Promise<SnapshotRecord | undefined> {
  const candidates: { record: SnapshotRecord; arn: string }[] = [];
  await awsCall('DescribeSnapshots', async () => {
    const pages = paginateDescribeSnapshots(
      { client, pageSize: 50 },
      { ReplicationGroupId: replicationGroupId, MaxRecords: 50 },
    );
    for await (const page of pages)
      for (const snapshot of page.Snapshots ?? []) {
        const record = toRecord(snapshot);
        const started =
          record.createdAt === undefined
            ? record.status === 'creating'
            : Date.parse(record.createdAt) >= since.getTime();
        if (started && snapshot.ARN !== undefined) candidates.push({ record, arn: snapshot.ARN });
      }
  });
  const newestFirst = candidates.sort((a, b) =>
    (b.record.createdAt ?? '\uffff').localeCompare(a.record.createdAt ?? '\uffff'),
  );
  for (const { record, arn } of newestFirst) {
    const tags = await awsCall('ListTagsForResource', () =>
      client.send(new ListTagsForResourceCommand({ ResourceName: arn })),
    );
    if (tags.TagList?.some((tag) => tag.Key === SNAPSHOT_TAGS.managed && tag.Value === 'true')) return record;
  }
  return undefined;
}

/** Every snapshot tagged as ours, with its details, read in bulk (tags from the tagging API). */
export async function listOurSnapshots(
  client: ElastiCacheClient,
  tagging: ResourceGroupsTaggingAPIClient,
): Promise<SnapshotRecord[]> {
  const arnOf = new Map<string, string>();
  await awsCall('GetResources', async () => {
    for await (const page of paginateGetResources(
      { client: tagging, pageSize: 100 },
      {
        ResourceTypeFilters: ['elasticache:snapshot'],
        TagFilters: [{ Key: SNAPSHOT_TAGS.managed, Values: ['true'] }],
        ResourcesPerPage: 100,
      },
    )) {
      for (const mapping of page.ResourceTagMappingList ?? []) {
        const name = mapping.ResourceARN?.split(':snapshot:')[1];
        if (name !== undefined && mapping.ResourceARN !== undefined) arnOf.set(name, mapping.ResourceARN);
      }
    }
  });
  const records: SnapshotRecord[] = [];
  await awsCall('DescribeSnapshots', async () => {
    for await (const page of paginateDescribeSnapshots({ client, pageSize: 50 }, { MaxRecords: 50 })) {
      for (const snapshot of page.Snapshots ?? []) {
        const arn = arnOf.get(snapshot.SnapshotName ?? '');
        if (arn !== undefined) records.push({ ...toRecord(snapshot), arn });
      }
    }
  });
  return records;
}

/**
 * Delete one snapshot; a snapshot already gone (or going) counts as deleted, also when the
 * answer to the delete was lost.
 */
export async function deleteSnapshot(client: ElastiCacheClient, snapshotName: string): Promise<void> {
  const gone = async () => {
    const snapshot = await describeSnapshot(client, snapshotName);
    return snapshot === undefined || snapshot.status === 'deleting';
  };
  await mutate(
    'DeleteSnapshot',
    () => client.send(new DeleteSnapshotCommand({ SnapshotName: snapshotName })),
    gone,
    {
      landedOnRefusal: ['SnapshotNotFoundFault'],
    },
  );
}
