import {
  AddTagsToResourceCommand,
  CompleteMigrationCommand,
  CopySnapshotCommand,
  CreateReplicationGroupCommand,
  type CreateReplicationGroupCommandInput,
  CreateServerlessCacheCommand,
  CreateSnapshotCommand,
  DecreaseReplicaCountCommand,
  DeleteReplicationGroupCommand,
  DeleteServerlessCacheCommand,
  DeleteSnapshotCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  DescribeServerlessCachesCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
  IncreaseReplicaCountCommand,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  InvalidReplicationGroupStateFault,
  ListTagsForResourceCommand,
  ModifyReplicationGroupCommand,
  ModifyReplicationGroupShardConfigurationCommand,
  ModifyServerlessCacheCommand,
  RemoveTagsFromResourceCommand,
  ReplicationGroupAlreadyUnderMigrationFault,
  ReplicationGroupNotFoundFault,
  ReplicationGroupNotUnderMigrationFault,
  ServerlessCacheNotFoundFault,
  SnapshotAlreadyExistsFault,
  SnapshotNotFoundFault,
  StartMigrationCommand,
  TestFailoverCommand,
  TestMigrationCommand,
} from '@aws-sdk/client-elasticache';
import {
  paginateGetResources,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { beforeEach, describe, expect, it } from 'vitest';
import { DURATIONS } from '../../../infra/local/emulator/model.js';
import { startEmulator } from '../../../infra/local/emulator/server.js';
import { clusteredGroup, conformanceSandbox, credentials } from './fixtures.js';

const { emulator, client, nextId, createAvailable, describeGroup: describe1 } = await conformanceSandbox();

/** A durable-ready group definition; tests change what they need. */
function durableReady(id: string): CreateReplicationGroupCommandInput {
  return clusteredGroup(id, { Tags: [{ Key: 'env', Value: 'test' }] });
}

/** A group that meets the online-migration prerequisites (no TLS, Multi-AZ, no durability). */
function migrationReady(id: string): CreateReplicationGroupCommandInput {
  return { ...durableReady(id), TransitEncryptionEnabled: false };
}

beforeEach(() => {
  emulator.faults.reset();
  emulator.model.legacyDurabilityRule = false;
});

describe('ElastiCache emulator: replication groups', () => {
  it('round-trips the durability and encryption fields', async () => {
    // Act
    const created = await client.send(
      new CreateReplicationGroupCommand({
        ...durableReady(nextId('rt')),
        Durability: 'sync',
        AtRestEncryptionEnabled: false,
      }),
    );

    // Assess
    expect(created.ReplicationGroup).toMatchObject({
      Status: 'creating',
      Durability: 'sync',
      EffectiveDurability: 'sync',
      AtRestEncryptionEnabled: false,
      StorageEncryptionType: 'sse-elasticache',
      ClusterMode: 'enabled',
      MultiAZ: 'enabled',
      TransitEncryptionEnabled: true,
    });
    expect(created.ReplicationGroup?.NodeGroups?.map((shard) => shard.NodeGroupMembers?.length)).toEqual([
      2, 2,
    ]);
    expect(created.ReplicationGroup?.ReplicationGroupCreateTime).toBeInstanceOf(Date);
  });

  it('resolves default to disabled and derives encryption from the engine default', async () => {
    const valkey = await createAvailable({ ...durableReady(nextId('def')), Durability: 'default' });
    expect(valkey).toMatchObject({
      Durability: 'default',
      EffectiveDurability: 'disabled',
      StorageEncryptionType: 'sse-elasticache',
      AtRestEncryptionEnabled: true,
    });

    const redis = await createAvailable({
      ...durableReady(nextId('redis')),
      Engine: 'redis',
      EngineVersion: '7.1',
    });
    expect(redis).toMatchObject({ StorageEncryptionType: 'none', AtRestEncryptionEnabled: false });

    const kms = await createAvailable({
      ...durableReady(nextId('kms')),
      KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k1',
    });
    expect(kms).toMatchObject({
      StorageEncryptionType: 'sse-kms',
      KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k1',
    });
  });

  it('moves creating -> available with the clock, and emits an event', async () => {
    // Prepare
    const id = nextId('life');
    await client.send(new CreateReplicationGroupCommand(durableReady(id)));

    // Act
    const before = await describe1(id);
    emulator.clock.advance(DURATIONS.create);
    const after = await describe1(id);
    const events = await client.send(
      new DescribeEventsCommand({ SourceIdentifier: id, SourceType: 'replication-group' }),
    );

    // Assess
    expect([before.Status, after.Status]).toEqual(['creating', 'available']);
    expect(events.Events?.map((event) => event.Message)).toContain(`Replication group ${id} created`);
  });

  it.each<[string, Partial<CreateReplicationGroupCommandInput>, RegExp]>([
    ['Valkey 8', { EngineVersion: '8.1' }, /Valkey 9\.0/],
    ['cluster mode disabled', { ClusterMode: 'disabled', NumNodeGroups: undefined }, /cluster mode enabled/],
    ['no replica', { ReplicasPerNodeGroup: 0, MultiAZEnabled: false }, /Multi-AZ/],
    ['no TLS', { TransitEncryptionEnabled: false }, /in-transit encryption/],
    ['non-Graviton nodes', { CacheNodeType: 'cache.r5.large' }, /node type cache\.r5\.large/],
    ['data tiering', { DataTieringEnabled: true }, /data tiering/],
  ])('refuses durability on a group with %s', async (_, change, message) => {
    const attempt = client.send(
      new CreateReplicationGroupCommand({ ...durableReady(nextId('inel')), ...change, Durability: 'async' }),
    );
    await expect(attempt).rejects.toBeInstanceOf(InvalidParameterCombinationException);
    await expect(
      client.send(
        new CreateReplicationGroupCommand({
          ...durableReady(nextId('inel')),
          ...change,
          Durability: 'async',
        }),
      ),
    ).rejects.toThrow(message);
  });

  it('applies a durability change as a standalone modification and turns on encryption', async () => {
    // Prepare
    const id = nextId('mod');
    await createAvailable({ ...durableReady(id), AtRestEncryptionEnabled: false });
    expect((await describe1(id)).StorageEncryptionType).toBe('none');

    // Act
    const modifying = await client.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: id,
        Durability: 'sync',
        ApplyImmediately: true,
      }),
    );
    emulator.clock.advance(DURATIONS.durabilityChange);
    const done = await describe1(id);

    // Assess
    expect(modifying.ReplicationGroup).toMatchObject({
      Status: 'modifying',
      Durability: 'sync',
      EffectiveDurability: 'disabled',
    });
    expect(done).toMatchObject({
      Status: 'available',
      EffectiveDurability: 'sync',
      StorageEncryptionType: 'sse-elasticache',
      AtRestEncryptionEnabled: false,
    });
  });

  it('refuses a durability change bundled with another modification', async () => {
    const id = nextId('bundle');
    await createAvailable(durableReady(id));
    await expect(
      client.send(
        new ModifyReplicationGroupCommand({
          ReplicationGroupId: id,
          Durability: 'sync',
          CacheNodeType: 'cache.r7g.xlarge',
        }),
      ),
    ).rejects.toThrow(/Durability must be modified on its own; remove CacheNodeType/);
    expect((await describe1(id)).Durability).toBe('default');
  });

  it('keeps a change pending without ApplyImmediately', async () => {
    const id = nextId('pending');
    await createAvailable(durableReady(id));
    const answer = await client.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: id,
        Durability: 'async',
        ApplyImmediately: false,
      }),
    );
    expect(answer.ReplicationGroup?.PendingModifiedValues).toBeDefined();
    expect((await describe1(id)).EffectiveDurability).toBe('disabled');
    emulator.model.runMaintenance(id);
    expect((await describe1(id)).EffectiveDurability).toBe('async');
  });

  it('follows the older rule when switched: no on/off after creation, async <-> sync still allowed', async () => {
    // Prepare
    emulator.model.legacyDurabilityRule = true;
    const plain = nextId('legacy');
    const durable = nextId('legacy');
    await createAvailable(durableReady(plain));
    await createAvailable({ ...durableReady(durable), Durability: 'async' });

    // Act & Assess
    await expect(
      client.send(
        new ModifyReplicationGroupCommand({
          ReplicationGroupId: plain,
          Durability: 'sync',
          ApplyImmediately: true,
        }),
      ),
    ).rejects.toThrow(/cannot be turned on after the replication group is created/);
    await client.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: durable,
        Durability: 'sync',
        ApplyImmediately: true,
      }),
    );
    emulator.clock.advance(DURATIONS.durabilityChange);
    expect((await describe1(durable)).EffectiveDurability).toBe('sync');
  });

  it('refuses to modify a group that is not available', async () => {
    const id = nextId('busy');
    await client.send(new CreateReplicationGroupCommand(durableReady(id)));
    await expect(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: id, Durability: 'sync' })),
    ).rejects.toBeInstanceOf(InvalidReplicationGroupStateFault);
  });

  it('reshards, changes replicas, fails over and deletes', async () => {
    // Prepare
    const id = nextId('ops');
    await createAvailable(durableReady(id));

    // Act & Assess
    await client.send(
      new ModifyReplicationGroupShardConfigurationCommand({
        ReplicationGroupId: id,
        NodeGroupCount: 3,
        ApplyImmediately: true,
      }),
    );
    emulator.clock.advance(DURATIONS.modify);
    expect((await describe1(id)).NodeGroups).toHaveLength(3);
    await client.send(
      new IncreaseReplicaCountCommand({ ReplicationGroupId: id, NewReplicaCount: 2, ApplyImmediately: true }),
    );
    emulator.clock.advance(DURATIONS.modify);
    expect((await describe1(id)).NodeGroups?.[0]?.NodeGroupMembers).toHaveLength(3);
    await expect(
      client.send(
        new DecreaseReplicaCountCommand({
          ReplicationGroupId: id,
          NewReplicaCount: 0,
          ApplyImmediately: true,
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterCombinationException);
    await client.send(new TestFailoverCommand({ ReplicationGroupId: id, NodeGroupId: '0001' }));
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: id }));
    expect((await describe1(id)).Status).toBe('deleting');
    emulator.clock.advance(DURATIONS.delete);
    await expect(describe1(id)).rejects.toBeInstanceOf(ReplicationGroupNotFoundFault);
  });

  it('validates parameters like AWS', async () => {
    await expect(
      client.send(new DescribeReplicationGroupsCommand({ MaxRecords: 10 })),
    ).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(
      client.send(new DescribeReplicationGroupsCommand({ MaxRecords: 101 })),
    ).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(
      client.send(
        new ModifyReplicationGroupCommand({ ReplicationGroupId: 'x', Durability: 'eventual' as 'sync' }),
      ),
    ).rejects.toThrow(/Valid values: default, async, sync, disabled/);
    await expect(
      client.send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: 'no-description',
        } as CreateReplicationGroupCommandInput),
      ),
    ).rejects.toMatchObject({
      name: 'MissingParameter',
    });
  });
});

describe('ElastiCache emulator: pagination', () => {
  it('visits every group exactly once, whatever the page size', async () => {
    // Prepare
    const isolated = await startEmulator();
    const { seedFleet } = await import('../../../infra/local/emulator/fleet.js');
    seedFleet(isolated.model, isolated.clock, { groups: 250, serverless: 130 });
    const local = new ElastiCacheClient({ endpoint: isolated.endpoint, region: 'us-east-1', credentials });

    try {
      for (const size of [20, 100]) {
        // Act
        const ids: string[] = [];
        let marker: string | undefined;
        let pages = 0;
        do {
          const answer = await local.send(
            new DescribeReplicationGroupsCommand({ MaxRecords: size, Marker: marker }),
          );
          ids.push(...(answer.ReplicationGroups ?? []).map((group) => group.ReplicationGroupId ?? ''));
          marker = answer.Marker;
          pages += 1;
        } while (marker !== undefined && pages < 100);

        // Assess
        expect(ids).toHaveLength(250);
        expect(new Set(ids).size).toBe(250);
        expect(pages).toBe(Math.ceil(250 / size));
      }
      const caches: string[] = [];
      let token: string | undefined;
      do {
        const answer = await local.send(
          new DescribeServerlessCachesCommand({ MaxResults: 50, NextToken: token }),
        );
        caches.push(...(answer.ServerlessCaches ?? []).map((cache) => cache.ServerlessCacheName ?? ''));
        token = answer.NextToken;
      } while (token !== undefined);
      expect(new Set(caches).size).toBe(130);

      const tagged: string[] = [];
      for await (const page of paginateGetResources(
        {
          client: new ResourceGroupsTaggingAPIClient({
            endpoint: isolated.endpoint,
            region: 'us-east-1',
            credentials,
          }),
        },
        { ResourceTypeFilters: ['elasticache:replicationgroup'], ResourcesPerPage: 100 },
      )) {
        tagged.push(...(page.ResourceTagMappingList ?? []).map((mapping) => mapping.ResourceARN ?? ''));
      }
      expect(new Set(tagged).size).toBe(250);
    } finally {
      await isolated.close();
    }
  });
});

describe('ElastiCache emulator: serverless caches', () => {
  it('creates encrypted caches, modifies, deletes, and names the missing one', async () => {
    // Act
    const created = await client.send(
      new CreateServerlessCacheCommand({ ServerlessCacheName: 'sc-1', Engine: 'valkey' }),
    );
    const kms = await client.send(
      new CreateServerlessCacheCommand({ ServerlessCacheName: 'sc-2', Engine: 'valkey', KmsKeyId: 'k2' }),
    );
    emulator.clock.advance(DURATIONS.create);
    await client.send(
      new ModifyServerlessCacheCommand({ ServerlessCacheName: 'sc-1', Description: 'changed' }),
    );
    const read = await client.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: 'sc-1' }));
    await client.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: 'sc-2' }));
    emulator.clock.advance(DURATIONS.delete);

    // Assess
    expect(created.ServerlessCache?.StorageEncryptionType).toBe('sse-elasticache');
    expect(kms.ServerlessCache?.StorageEncryptionType).toBe('sse-kms');
    expect(read.ServerlessCaches?.[0]).toMatchObject({ Status: 'available', Description: 'changed' });
    await expect(
      client.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: 'sc-2' })),
    ).rejects.toBeInstanceOf(ServerlessCacheNotFoundFault);
  });
});

describe('ElastiCache emulator: snapshots', () => {
  it('captures Durability, and a restore inherits it', async () => {
    // Prepare
    const id = nextId('snap');
    await createAvailable({ ...durableReady(id), Durability: 'async' });

    // Act
    const started = await client.send(
      new CreateSnapshotCommand({
        ReplicationGroupId: id,
        SnapshotName: `${id}-s1`,
        Tags: [{ Key: 'guardrails:managed', Value: 'true' }],
      }),
    );
    const during = await describe1(id);
    emulator.clock.advance(DURATIONS.snapshot);
    const snapshots = await client.send(new DescribeSnapshotsCommand({ SnapshotName: `${id}-s1` }));
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: `${id}-r`,
        ReplicationGroupDescription: 'restore',
        SnapshotName: `${id}-s1`,
        AutomaticFailoverEnabled: true,
        MultiAZEnabled: true,
        TransitEncryptionEnabled: true,
      }),
    );
    emulator.clock.advance(DURATIONS.create);
    const restored = await describe1(`${id}-r`);

    // Assess
    expect(started.Snapshot).toMatchObject({ SnapshotStatus: 'creating', Durability: 'async' });
    expect(during.Status).toBe('snapshotting');
    expect(snapshots.Snapshots?.[0]).toMatchObject({
      SnapshotStatus: 'available',
      Durability: 'async',
      ReplicationGroupId: id,
    });
    expect(snapshots.Snapshots?.[0]?.NodeSnapshots?.[0]?.CacheSize).toMatch(/MB$/);
    expect(restored).toMatchObject({ Durability: 'async', EffectiveDurability: 'async' });
  });

  it('answers the snapshot faults', async () => {
    const id = nextId('snapf');
    await createAvailable(durableReady(id));
    await client.send(new CreateSnapshotCommand({ ReplicationGroupId: id, SnapshotName: `${id}-a` }));
    emulator.clock.advance(DURATIONS.snapshot);
    await expect(
      client.send(new CreateSnapshotCommand({ ReplicationGroupId: id, SnapshotName: `${id}-a` })),
    ).rejects.toBeInstanceOf(SnapshotAlreadyExistsFault);
    await client.send(
      new CopySnapshotCommand({ SourceSnapshotName: `${id}-a`, TargetSnapshotName: `${id}-b` }),
    );
    await expect(
      client.send(new DeleteSnapshotCommand({ SnapshotName: `${id}-missing` })),
    ).rejects.toBeInstanceOf(SnapshotNotFoundFault);
    await client.send(new DeleteSnapshotCommand({ SnapshotName: `${id}-a` }));
    await expect(
      client.send(new DescribeSnapshotsCommand({ SnapshotName: `${id}-a` })),
    ).rejects.toBeInstanceOf(SnapshotNotFoundFault);
  });
});

describe('ElastiCache emulator: migration', () => {
  it('runs TestMigration, StartMigration and CompleteMigration with AWS wording', async () => {
    // Prepare
    const id = nextId('mig');
    await createAvailable(migrationReady(id));
    const endpoints = [{ Address: '127.0.0.1', Port: emulator.port }];

    // Act
    await client.send(
      new TestMigrationCommand({ ReplicationGroupId: id, CustomerNodeEndpointList: endpoints }),
    );
    emulator.clock.advance(DURATIONS.testMigration);
    const started = await client.send(
      new StartMigrationCommand({ ReplicationGroupId: id, CustomerNodeEndpointList: endpoints }),
    );
    await expect(
      client.send(new StartMigrationCommand({ ReplicationGroupId: id, CustomerNodeEndpointList: endpoints })),
    ).rejects.toBeInstanceOf(ReplicationGroupAlreadyUnderMigrationFault);
    await client.send(new CompleteMigrationCommand({ ReplicationGroupId: id }));
    emulator.clock.advance(DURATIONS.completeMigration);
    const done = await describe1(id);
    const events = await client.send(new DescribeEventsCommand({ SourceIdentifier: id, Duration: 60 }));

    // Assess
    expect(started.ReplicationGroup?.Status).toBe('migrating');
    expect(done.Status).toBe('available');
    const messages = events.Events?.map((event) => event.Message) ?? [];
    expect(messages).toContain(`Test Migration successful for ${id}`);
    expect(messages).toContain(`Complete Migration successful for ${id}`);
    await expect(
      client.send(new CompleteMigrationCommand({ ReplicationGroupId: id })),
    ).rejects.toBeInstanceOf(ReplicationGroupNotUnderMigrationFault);
  });

  it('refuses migration into a durable group and more than one endpoint for cluster mode disabled', async () => {
    const durable = nextId('migd');
    await createAvailable({ ...durableReady(durable), Durability: 'sync' });
    // Durability needs TLS and a migration target must not have it: both refusals are named.
    await expect(
      client.send(
        new StartMigrationCommand({
          ReplicationGroupId: durable,
          CustomerNodeEndpointList: [{ Address: '127.0.0.1', Port: 6379 }],
        }),
      ),
    ).rejects.toThrow(/online migration into a durable replication group is not supported/);

    const single = nextId('migs');
    await createAvailable({ ...migrationReady(single), ClusterMode: 'disabled', NumNodeGroups: undefined });
    await expect(
      client.send(
        new StartMigrationCommand({
          ReplicationGroupId: single,
          CustomerNodeEndpointList: [
            { Address: '127.0.0.1', Port: 6379 },
            { Address: '127.0.0.1', Port: 6380 },
          ],
        }),
      ),
    ).rejects.toThrow(/exactly one customer endpoint/);
  });

  it('reports an unreachable source through events', async () => {
    const id = nextId('migu');
    await createAvailable(migrationReady(id));
    await client.send(
      new TestMigrationCommand({
        ReplicationGroupId: id,
        CustomerNodeEndpointList: [{ Address: '127.0.0.1', Port: 1 }],
      }),
    );
    emulator.clock.advance(DURATIONS.testMigration);
    const events = await client.send(new DescribeEventsCommand({ SourceIdentifier: id }));
    expect(events.Events?.[0]?.Message).toMatch(
      new RegExp(`^Test Migration failed for ${id}: unreachable: 127\\.0\\.0\\.1:1`),
    );
  });
});

describe('ElastiCache emulator: tags and cache clusters', () => {
  it('adds, lists and removes tags, and reads member cluster versions', async () => {
    // Prepare
    const id = nextId('tags');
    const group = await createAvailable({ ...durableReady(id), EngineVersion: '9.0.1' });
    const arn = group.ARN ?? '';

    // Act
    await client.send(
      new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: 'owner', Value: 'team' }] }),
    );
    await client.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: ['env'] }));
    const tags = await client.send(new ListTagsForResourceCommand({ ResourceName: arn }));
    const clusters = await client.send(
      new DescribeCacheClustersCommand({ CacheClusterId: group.MemberClusters?.[0] }),
    );

    // Assess
    expect(tags.TagList).toEqual([{ Key: 'owner', Value: 'team' }]);
    expect(clusters.CacheClusters?.[0]).toMatchObject({
      ReplicationGroupId: id,
      EngineVersion: '9.0.1',
      Engine: 'valkey',
    });
  });
});

describe('ElastiCache emulator: fault injection and request log', () => {
  it('fails the next calls of an action with the scripted fault, then recovers', async () => {
    // Prepare
    emulator.faults.failNext({
      action: 'DescribeReplicationGroups',
      code: 'InvalidParameterCombination',
      times: 2,
    });

    // Act & Assess
    await expect(client.send(new DescribeReplicationGroupsCommand({}))).rejects.toBeInstanceOf(
      InvalidParameterCombinationException,
    );
    await expect(client.send(new DescribeReplicationGroupsCommand({}))).rejects.toBeInstanceOf(
      InvalidParameterCombinationException,
    );
    await expect(client.send(new DescribeReplicationGroupsCommand({}))).resolves.toBeDefined();
    expect(emulator.faults.count('DescribeReplicationGroups')).toBe(3);
    expect(emulator.faults.count('DescribeReplicationGroups', true)).toBe(1);
  });

  it('throttles at the configured rate and the SDK retries through it', async () => {
    // Prepare
    emulator.faults.configure({ throttleRate: 0.4, seed: 3 });
    const retrying = new ElastiCacheClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 10,
    });

    // Act
    for (let call = 0; call < 3; call += 1)
      await retrying.send(new DescribeReplicationGroupsCommand({ MaxRecords: 20 }));

    // Assess
    const throttled = emulator.faults.log.filter((entry) => entry.fault === 'Throttling').length;
    expect(throttled).toBeGreaterThan(0);
    expect(emulator.faults.count('DescribeReplicationGroups', true)).toBe(3);
  });

  it('serves the control endpoint over HTTP', async () => {
    // Act
    const set = await fetch(`${emulator.endpoint}/_control/faults`, {
      method: 'POST',
      body: JSON.stringify({ latencyMs: { '*': 1 } }),
    });
    const log = await fetch(`${emulator.endpoint}/_control/requests`, { method: 'POST' });

    // Assess
    expect(await set.json()).toMatchObject({ latencyMs: { '*': 1 } });
    expect(Array.isArray(await log.json())).toBe(true);
  });
});
