import {
  CompleteMigrationCommand,
  CreateReplicationGroupCommand,
  DescribeEventsCommand,
  ElastiCacheClient,
  StartMigrationCommand,
} from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Clock } from '../../../infra/local/emulator/clock.js';
import { DURATIONS } from '../../../infra/local/emulator/model.js';
import {
  hasRedisServer,
  type RedisProcess,
  redisServerMigration,
  standInMigration,
  startRedisServer,
} from '../../../infra/local/emulator/redis-migration.js';
import { type Emulator, startEmulator } from '../../../infra/local/emulator/server.js';
import { withNode } from '../../../shared/aws/valkey.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const KEYS_BEFORE = 10_000;
const KEYS_DURING = 500;

async function createGroup(client: ElastiCacheClient, emulator: Emulator, id: string) {
  await client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: id,
      ReplicationGroupDescription: 'target',
      Engine: 'valkey',
      ClusterMode: 'disabled',
      ReplicasPerNodeGroup: 1,
      CacheNodeType: 'cache.r7g.large',
      // The online-migration prerequisites: Multi-AZ (with automatic failover), no TLS.
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
    }),
  );
  emulator.clock.advance(DURATIONS.create);
}

describe.runIf(hasRedisServer())('Migration into an emulated group backed by redis-server', () => {
  const backend = redisServerMigration({ syncTimeoutMs: 20_000 });
  let emulator: Emulator;
  let client: ElastiCacheClient;
  let source: RedisProcess;

  beforeAll(async () => {
    const clock = new Clock();
    clock.freeze();
    emulator = await startEmulator({ clock, migrationBackend: backend });
    client = new ElastiCacheClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    source = await startRedisServer();
  });

  afterAll(async () => {
    backend.close();
    source.stop();
    await emulator.close();
  });

  it('moves every key written before and during the migration', async () => {
    // Prepare
    await createGroup(client, emulator, 'orders-migrated');
    await withNode(source, async (node) => {
      const pipeline = node.pipeline();
      for (let key = 0; key < KEYS_BEFORE; key += 1) pipeline.set(`key:${key}`, `value-${key}`);
      await pipeline.exec();
    });
    const endpoint = { Address: source.address, Port: source.port };

    // Act
    await client.send(
      new StartMigrationCommand({
        ReplicationGroupId: 'orders-migrated',
        CustomerNodeEndpointList: [endpoint],
      }),
    );
    await withNode(source, async (node) => {
      const pipeline = node.pipeline();
      for (let key = KEYS_BEFORE; key < KEYS_BEFORE + KEYS_DURING; key += 1)
        pipeline.set(`key:${key}`, `value-${key}`);
      await pipeline.exec();
    });
    await client.send(new CompleteMigrationCommand({ ReplicationGroupId: 'orders-migrated' }));
    emulator.clock.advance(DURATIONS.completeMigration);
    const events = await client.send(new DescribeEventsCommand({ SourceIdentifier: 'orders-migrated' }));

    // Assess
    const target = backend.targetEndpoint('orders-migrated');
    expect(target).toBeDefined();
    const { size, sample, role } = await withNode(target ?? source, async (node) => ({
      size: await node.dbsize(),
      sample: await node.mget('key:0', `key:${KEYS_BEFORE - 1}`, `key:${KEYS_BEFORE + KEYS_DURING - 1}`),
      role: (await node.role())[0],
    }));
    expect(size).toBe(KEYS_BEFORE + KEYS_DURING);
    expect(sample).toEqual(['value-0', `value-${KEYS_BEFORE - 1}`, `value-${KEYS_BEFORE + KEYS_DURING - 1}`]);
    expect(role).toBe('master');
    expect(events.Events?.[0]?.Message).toBe('Complete Migration successful for orders-migrated');
  });

  it('stops at once on a forced abort and reports it as not synced', async () => {
    // Prepare
    await createGroup(client, emulator, 'orders-aborted');
    await client.send(
      new StartMigrationCommand({
        ReplicationGroupId: 'orders-aborted',
        CustomerNodeEndpointList: [{ Address: source.address, Port: source.port }],
      }),
    );

    // Act
    await client.send(new CompleteMigrationCommand({ ReplicationGroupId: 'orders-aborted', Force: true }));
    emulator.clock.advance(DURATIONS.completeMigration);
    const events = await client.send(new DescribeEventsCommand({ SourceIdentifier: 'orders-aborted' }));

    // Assess
    expect(events.Events?.[0]?.Message).toBe(
      'Migration stopped for orders-aborted without data sync (forced)',
    );
  });
});

describe('Migration stand-in (no redis-server)', () => {
  it('answers INFO replication with progress that converges', async () => {
    // Prepare
    const backend = standInMigration();
    await backend.start('g', [{ address: '127.0.0.1', port: 1 }]);
    const target = backend.targetEndpoint('g');
    if (target === undefined) throw new Error('no stand-in target');

    // Act
    const { readInfo } = await import('../../../shared/aws/valkey.js');
    const statuses: string[] = [];
    for (let read = 0; read < 3; read += 1) statuses.push((await readInfo(target)).master_link_status ?? '');
    backend.close();

    // Assess
    expect(statuses).toEqual(['down', 'down', 'up']);
  });
});
