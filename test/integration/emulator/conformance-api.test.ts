import {
  AddTagsToResourceCommand,
  CreateReplicationGroupCommand,
  type CreateReplicationGroupCommandInput,
  CreateServerlessCacheCommand,
  CreateSnapshotCommand,
  DeleteReplicationGroupCommand,
  DeleteServerlessCacheCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  DescribeServerlessCachesCommand,
  DescribeSnapshotsCommand,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  InvalidReplicationGroupStateFault,
  InvalidServerlessCacheStateFault,
  ListTagsForResourceCommand,
  NodeGroupNotFoundFault,
  RemoveTagsFromResourceCommand,
  ReplicationGroupNotFoundFault,
  type SourceType,
  StartMigrationCommand,
  TagNotFoundFault,
  TagQuotaPerResourceExceeded,
  TestFailoverCommand,
  TestMigrationCommand,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { DURATIONS, durableReadyGroup, type GroupState } from '../../../infra/local/emulator/model.js';
import { clusteredGroup, conformanceSandbox } from './fixtures.js';

const { emulator, client, nextId, createAvailable, describeGroup, refusal } = await conformanceSandbox();

/** A cluster-mode-enabled group that meets the online-migration prerequisites. */
function migrationTarget(id: string): CreateReplicationGroupCommandInput {
  return clusteredGroup(id, { EngineVersion: '8.1', TransitEncryptionEnabled: false });
}

/** A group put straight into the model, for states the API cannot reach in one call. */
function seededGroup(id: string, overrides: Partial<GroupState>): GroupState {
  return durableReadyGroup(id, {
    description: 'seeded',
    automaticFailover: true,
    createdAt: emulator.clock.now(),
    tags: new Map(),
    ...overrides,
  });
}

describe('Method: TestMigration and StartMigration (target prerequisites)', () => {
  const endpoint = () => [{ Address: '127.0.0.1', Port: emulator.port }];

  it.each<[string, Partial<CreateReplicationGroupCommandInput>, RegExp]>([
    ['in-transit encryption', { TransitEncryptionEnabled: true }, /in-transit encryption must be disabled/],
    ['no Multi-AZ', { MultiAZEnabled: false }, /Multi-AZ must be enabled/],
    [
      'Redis OSS 5.0.4 with cluster mode disabled',
      { Engine: 'redis', EngineVersion: '5.0.4', ClusterMode: 'disabled', NumNodeGroups: undefined },
      /Redis OSS 5\.0\.4 is below 5\.0\.5/,
    ],
    [
      'Redis OSS 5.0.5 with cluster mode enabled',
      { Engine: 'redis', EngineVersion: '5.0.5' },
      /Redis OSS 5\.0\.5 is below 5\.0\.6/,
    ],
    [
      'data tiering (r6gd)',
      { CacheNodeType: 'cache.r6gd.xlarge', DataTieringEnabled: true },
      /data tiering \(node type cache\.r6gd\.xlarge\)/,
    ],
  ])(
    'refuses a target with %s as InvalidParameterValue naming it, on both calls',
    async (_, change, named) => {
      // Prepare
      const id = nextId('prereq');
      await createAvailable({ ...migrationTarget(id), ...change });
      const input = { ReplicationGroupId: id, CustomerNodeEndpointList: endpoint() };

      // Act
      const tested = await refusal(client.send(new TestMigrationCommand(input)));
      const started = await refusal(client.send(new StartMigrationCommand(input)));

      // Assess
      for (const error of [tested, started]) {
        expect(error).toBeInstanceOf(InvalidParameterValueException);
        expect(error.$metadata.httpStatusCode).toBe(400);
        expect(error.message).toMatch(named);
      }
      expect((await describeGroup(id)).Status).toBe('available');
    },
  );

  it('takes exactly one customer endpoint in cluster mode enabled too', async () => {
    const id = nextId('prereq');
    await createAvailable(migrationTarget(id));

    const error = await refusal(
      client.send(
        new StartMigrationCommand({
          ReplicationGroupId: id,
          CustomerNodeEndpointList: [...endpoint(), { Address: '127.0.0.2', Port: 6379 }],
        }),
      ),
    );

    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect(error.message).toMatch(/exactly one customer endpoint is taken, got 2/);
  });

  it('accepts Redis OSS 5.0.5 with cluster mode disabled and a Valkey target', async () => {
    const redis = nextId('prereq');
    await createAvailable({
      ...migrationTarget(redis),
      Engine: 'redis',
      EngineVersion: '5.0.5',
      ClusterMode: 'disabled',
      NumNodeGroups: undefined,
    });
    const valkey = nextId('prereq');
    await createAvailable(migrationTarget(valkey));

    for (const id of [redis, valkey]) {
      const answer = await client.send(
        new TestMigrationCommand({ ReplicationGroupId: id, CustomerNodeEndpointList: endpoint() }),
      );
      expect(answer.ReplicationGroup?.ReplicationGroupId).toBe(id);
    }
  });

  it('names a serverless cache as no migration target', async () => {
    const name = nextId('slmig');
    await client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: name, Engine: 'valkey' }));

    const error = await refusal(
      client.send(
        new StartMigrationCommand({ ReplicationGroupId: name, CustomerNodeEndpointList: endpoint() }),
      ),
    );

    expect(error).toBeInstanceOf(ReplicationGroupNotFoundFault);
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(error.message).toMatch(/is a serverless cache/);
  });
});

describe('Method: CreateReplicationGroup (required parameters and defaults)', () => {
  const minimal = (id: string): CreateReplicationGroupCommandInput => ({
    ReplicationGroupId: id,
    ReplicationGroupDescription: 'minimal',
    CacheNodeType: 'cache.r7g.large',
  });

  it.each<[string, Partial<CreateReplicationGroupCommandInput>]>([
    ['CacheNodeType', { CacheNodeType: undefined }],
    ['ReplicationGroupDescription', { ReplicationGroupDescription: undefined }],
  ])('refuses a request without %s as MissingParameter', async (parameter, change) => {
    const id = nextId('req');

    const error = await refusal(
      client.send(new CreateReplicationGroupCommand({ ...minimal(id), ...change })),
    );

    expect(error.name).toBe('MissingParameter');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain(parameter);
    await expect(describeGroup(id)).rejects.toBeInstanceOf(ReplicationGroupNotFoundFault);
  });

  it('defaults to one cluster, no automatic backups, no automatic failover, no Multi-AZ', async () => {
    const group = await createAvailable(minimal(nextId('dflt')));

    expect(group.MemberClusters).toHaveLength(1);
    expect(group).toMatchObject({
      SnapshotRetentionLimit: 0,
      AutomaticFailover: 'disabled',
      MultiAZ: 'disabled',
      ClusterEnabled: false,
    });
  });

  it.each<[string, Partial<CreateReplicationGroupCommandInput>, RegExp]>([
    [
      'cluster mode enabled without automatic failover',
      { ClusterMode: 'enabled', NumNodeGroups: 2, ReplicasPerNodeGroup: 1 },
      /AutomaticFailoverEnabled must be true/,
    ],
    [
      'Multi-AZ without automatic failover',
      { NumCacheClusters: 2, MultiAZEnabled: true },
      /Multi-AZ requires AutomaticFailoverEnabled/,
    ],
    [
      'Multi-AZ without a replica',
      { NumCacheClusters: 1, AutomaticFailoverEnabled: true, MultiAZEnabled: true },
      /Multi-AZ requires at least one replica/,
    ],
    [
      'automatic failover with one cluster',
      { NumCacheClusters: 1, AutomaticFailoverEnabled: true },
      /NumCacheClusters of at least 2/,
    ],
  ])('refuses %s as InvalidParameterCombination', async (_, change, message) => {
    const error = await refusal(
      client.send(new CreateReplicationGroupCommand({ ...minimal(nextId('combo')), ...change })),
    );

    expect(error).toBeInstanceOf(InvalidParameterCombinationException);
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toMatch(message);
  });

  it('takes the node type from the snapshot it restores', async () => {
    const source = await createAvailable({ ...minimal(nextId('src')), CacheNodeType: 'cache.m7g.large' });
    const snapshot = `${source.ReplicationGroupId}-snap`;
    await client.send(
      new CreateSnapshotCommand({ ReplicationGroupId: source.ReplicationGroupId, SnapshotName: snapshot }),
    );
    emulator.clock.advance(DURATIONS.snapshot);

    const restored = await createAvailable({
      ReplicationGroupId: nextId('rst'),
      ReplicationGroupDescription: 'restore',
      SnapshotName: snapshot,
    });

    expect(restored.CacheNodeType).toBe('cache.m7g.large');
  });
});

describe('Method: AddTagsToResource, ListTagsForResource, RemoveTagsFromResource', () => {
  const tags = async (arn: string) =>
    (await client.send(new ListTagsForResourceCommand({ ResourceName: arn }))).TagList ?? [];

  it('answers ReplicationGroupNotFoundFault (404) for a missing group ARN, on every tag action', async () => {
    const arn = emulator.model.arn('replicationgroup', 'no-such-group');

    const errors = [
      await refusal(client.send(new ListTagsForResourceCommand({ ResourceName: arn }))),
      await refusal(
        client.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: 'a', Value: 'b' }] })),
      ),
      await refusal(client.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: ['a'] }))),
    ];

    for (const error of errors) {
      expect(error).toBeInstanceOf(ReplicationGroupNotFoundFault);
      expect(error.$metadata.httpStatusCode).toBe(404);
    }
  });

  it('tags a member cluster through its cluster: ARN; group tags reach the members', async () => {
    // Prepare
    const group = await createAvailable({
      ...migrationTarget(nextId('ctag')),
      Tags: [{ Key: 'env', Value: 'prod' }],
    });
    const member = emulator.model.arn('cluster', group.MemberClusters?.[0] ?? '');
    const groupArn = group.ARN ?? '';

    // Act
    await client.send(
      new AddTagsToResourceCommand({ ResourceName: member, Tags: [{ Key: 'node', Value: 'primary' }] }),
    );
    await client.send(
      new AddTagsToResourceCommand({ ResourceName: groupArn, Tags: [{ Key: 'team', Value: 'cache' }] }),
    );

    // Assess
    expect(await tags(member)).toEqual([
      { Key: 'env', Value: 'prod' },
      { Key: 'node', Value: 'primary' },
      { Key: 'team', Value: 'cache' },
    ]);
    expect(await tags(groupArn)).toEqual([
      { Key: 'env', Value: 'prod' },
      { Key: 'team', Value: 'cache' },
    ]);
  });

  it('adds none of the tags of a request that would pass 50 (TagQuotaPerResourceExceeded)', async () => {
    const group = await createAvailable({
      ...migrationTarget(nextId('quota')),
      Tags: Array.from({ length: 45 }, (_, index) => ({ Key: `k${index}`, Value: 'v' })),
    });
    const arn = group.ARN ?? '';

    const error = await refusal(
      client.send(
        new AddTagsToResourceCommand({
          ResourceName: arn,
          Tags: Array.from({ length: 6 }, (_, index) => ({ Key: `new${index}`, Value: 'v' })),
        }),
      ),
    );

    expect(error).toBeInstanceOf(TagQuotaPerResourceExceeded);
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(await tags(arn)).toHaveLength(45);
  });

  it('refuses to remove a key the resource does not have (TagNotFound), removing nothing', async () => {
    const group = await createAvailable({
      ...migrationTarget(nextId('untag')),
      Tags: [{ Key: 'env', Value: 'prod' }],
    });
    const arn = group.ARN ?? '';

    const error = await refusal(
      client.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: ['env', 'missing'] })),
    );

    expect(error).toBeInstanceOf(TagNotFoundFault);
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(await tags(arn)).toEqual([{ Key: 'env', Value: 'prod' }]);
  });
});

describe('Method: TestFailover, DeleteReplicationGroup, DeleteServerlessCache (states)', () => {
  it('answers NodeGroupNotFoundFault (404) for a node group the group does not have', async () => {
    const group = await createAvailable(migrationTarget(nextId('fo')));

    const error = await refusal(
      client.send(
        new TestFailoverCommand({ ReplicationGroupId: group.ReplicationGroupId, NodeGroupId: '0003' }),
      ),
    );

    expect(error).toBeInstanceOf(NodeGroupNotFoundFault);
    expect(error.$metadata.httpStatusCode).toBe(404);
  });

  it('refuses to delete a group that is already deleting', async () => {
    const group = await createAvailable(migrationTarget(nextId('del')));
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: group.ReplicationGroupId }));

    const error = await refusal(
      client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: group.ReplicationGroupId })),
    );

    expect(error).toBeInstanceOf(InvalidReplicationGroupStateFault);
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('refuses to delete a serverless cache that is still creating', async () => {
    const name = nextId('sldel');
    await client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: name, Engine: 'valkey' }));

    const error = await refusal(client.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: name })));

    expect(error).toBeInstanceOf(InvalidServerlessCacheStateFault);
    expect(error.$metadata.httpStatusCode).toBe(400);
    const cache = await client.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: name }));
    expect(cache.ServerlessCaches?.[0]?.Status).toBe('creating');
  });
});

describe('Pagination markers and DescribeEvents', () => {
  const forged = Buffer.from('ReplicationGroup-42').toString('base64url');

  it.each([
    [
      'DescribeReplicationGroups',
      (marker: string) => new DescribeReplicationGroupsCommand({ Marker: marker }),
    ],
    [
      'DescribeServerlessCaches',
      (marker: string) => new DescribeServerlessCachesCommand({ NextToken: marker }),
    ],
    ['DescribeSnapshots', (marker: string) => new DescribeSnapshotsCommand({ Marker: marker })],
    ['DescribeCacheClusters', (marker: string) => new DescribeCacheClustersCommand({ Marker: marker })],
    ['DescribeEvents', (marker: string) => new DescribeEventsCommand({ Marker: marker })],
  ] as const)('%s refuses a malformed or forged marker as InvalidParameterValue', async (_, command) => {
    for (const marker of ['not a marker!', forged]) {
      // Each command type is sent through the one client; the union is the client's input.
      const error = await refusal(client.send(command(marker) as DescribeEventsCommand));
      expect(error).toBeInstanceOf(InvalidParameterValueException);
      expect(error.$metadata.httpStatusCode).toBe(400);
    }
  });

  it('keeps the next page of events when new events arrive between pages', async () => {
    // Prepare
    const source = nextId('ev');
    for (let index = 0; index < 25; index += 1)
      emulator.model.event('replication-group', source, `old ${index}`);
    const query = { SourceIdentifier: source, MaxRecords: 20 };

    // Act
    const first = await client.send(new DescribeEventsCommand(query));
    for (let index = 0; index < 5; index += 1)
      emulator.model.event('replication-group', source, `new ${index}`);
    const second = await client.send(new DescribeEventsCommand({ ...query, Marker: first.Marker }));

    // Assess
    const messages = [...(first.Events ?? []), ...(second.Events ?? [])].map((event) => event.Message);
    expect(messages).toEqual(Array.from({ length: 25 }, (_, index) => `old ${24 - index}`));
    expect(second.Marker).toBeUndefined();
  });

  it('takes only the SourceType enum values, and files snapshot events under their group', async () => {
    const group = await createAvailable(migrationTarget(nextId('evsnap')));
    const id = group.ReplicationGroupId ?? '';
    await client.send(new CreateSnapshotCommand({ ReplicationGroupId: id, SnapshotName: `${id}-s` }));
    emulator.clock.advance(DURATIONS.snapshot);

    const error = await refusal(
      client.send(new DescribeEventsCommand({ SourceType: 'snapshot' as SourceType })),
    );
    const events = await client.send(
      new DescribeEventsCommand({ SourceIdentifier: id, SourceType: 'replication-group' }),
    );

    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect(events.Events?.[0]?.Message).toBe(
      `Snapshot succeeded for snapshot with ID '${id}-s' of replication group with ID '${id}'`,
    );
  });
});

describe('Snapshots record EffectiveDurability', () => {
  it('records what ran, not what was requested, and a restore inherits it', async () => {
    // Prepare: Durability=sync requested, async still running (a change in flight).
    const id = nextId('effd');
    emulator.model.putGroup(seededGroup(id, { durability: 'sync', effectiveDurability: 'async', shards: 2 }));

    // Act
    await client.send(new CreateSnapshotCommand({ ReplicationGroupId: id, SnapshotName: `${id}-s` }));
    emulator.clock.advance(DURATIONS.snapshot);
    const snapshot = await client.send(new DescribeSnapshotsCommand({ SnapshotName: `${id}-s` }));
    const restored = await createAvailable({
      ReplicationGroupId: `${id}-r`,
      ReplicationGroupDescription: 'restore',
      SnapshotName: `${id}-s`,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      TransitEncryptionEnabled: true,
    });

    // Assess
    expect(snapshot.Snapshots?.[0]?.Durability).toBe('async');
    expect(restored).toMatchObject({ Durability: 'async', EffectiveDurability: 'async' });
  });

  it('records disabled, not default, for a group that never asked for durability', async () => {
    const group = await createAvailable(migrationTarget(nextId('effdef')));
    const id = group.ReplicationGroupId ?? '';

    const started = await client.send(
      new CreateSnapshotCommand({ ReplicationGroupId: id, SnapshotName: `${id}-s` }),
    );

    expect(group.Durability).toBe('default');
    expect(started.Snapshot?.Durability).toBe('disabled');
  });
});

describe('Response shapes', () => {
  it('splits slots 0-16383 across the shards in order, without overlap', async () => {
    const group = await createAvailable({ ...migrationTarget(nextId('slots')), NumNodeGroups: 3 });

    expect(group.NodeGroups?.map((shard) => shard.Slots)).toEqual(['0-5461', '5462-10922', '10923-16383']);
  });

  it('gives each member of a cluster-mode-disabled group a ReadEndpoint, and none in cluster mode', async () => {
    const disabled = await createAvailable({
      ...migrationTarget(nextId('rd')),
      ClusterMode: 'disabled',
      NumNodeGroups: undefined,
      ReplicasPerNodeGroup: undefined,
      NumCacheClusters: 3,
    });
    const enabled = await createAvailable(migrationTarget(nextId('re')));

    const members = disabled.NodeGroups?.[0]?.NodeGroupMembers ?? [];
    expect(members).toHaveLength(3);
    for (const member of members) {
      expect(member.ReadEndpoint).toEqual({
        Address: `${member.CacheClusterId}.abc123.us-east-1.cache.amazonaws.com`,
        Port: 6379,
      });
    }
    expect(enabled.NodeGroups?.[0]?.NodeGroupMembers?.[0]?.ReadEndpoint).toBeUndefined();
  });

  it('lists CacheNodes with ShowCacheNodeInfo=true, once the cluster is provisioned', async () => {
    // Prepare
    const group = await createAvailable(migrationTarget(nextId('nodes')));
    const clusterId = group.MemberClusters?.[0] ?? '';
    const creating = nextId('nodesc');
    await client.send(new CreateReplicationGroupCommand(migrationTarget(creating)));

    // Act
    const shown = await client.send(
      new DescribeCacheClustersCommand({ CacheClusterId: clusterId, ShowCacheNodeInfo: true }),
    );
    const plain = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: clusterId }));
    const notYet = await client.send(
      new DescribeCacheClustersCommand({ CacheClusterId: `${creating}-0001-001`, ShowCacheNodeInfo: true }),
    );

    // Assess
    expect(shown.CacheClusters?.[0]?.CacheNodes).toEqual([
      expect.objectContaining({
        CacheNodeId: '0001',
        CacheNodeStatus: 'available',
        Endpoint: { Address: `${clusterId}.abc123.us-east-1.cache.amazonaws.com`, Port: 6379 },
      }),
    ]);
    expect(plain.CacheClusters?.[0]?.CacheNodes).toBeUndefined();
    expect(notYet.CacheClusters?.[0]?.CacheNodes).toBeUndefined();
  });
});
