import {
  CreateCacheParameterGroupCommand,
  type CreateReplicationGroupCommandInput,
  DescribeCacheClustersCommand,
  DescribeCacheParameterGroupsCommand,
  DescribeCacheParametersCommand,
  ModifyCacheParameterGroupCommand,
  ModifyReplicationGroupCommand,
  type ModifyReplicationGroupCommandInput,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { DURATIONS } from '../../../infra/local/emulator/model.js';
import { conformanceSandbox } from './fixtures.js';

const sandbox = await conformanceSandbox();
const { emulator, client, nextId, refusal } = sandbox;

/** Redis OSS 7.1, cluster mode disabled, one replica with automatic failover: ready for Valkey and cluster mode. */
function redisGroup(id: string, overrides: Partial<CreateReplicationGroupCommandInput> = {}) {
  return {
    ReplicationGroupId: id,
    ReplicationGroupDescription: 'parameter groups',
    Engine: 'redis',
    EngineVersion: '7.1',
    ClusterMode: 'disabled',
    ReplicasPerNodeGroup: 1,
    AutomaticFailoverEnabled: true,
    MultiAZEnabled: true,
    CacheNodeType: 'cache.r7g.large',
    ...overrides,
  } satisfies CreateReplicationGroupCommandInput;
}

/** A custom group of `family` with `values` set. */
async function customGroup(name: string, family: string, values: Record<string, string>) {
  await client.send(
    new CreateCacheParameterGroupCommand({
      CacheParameterGroupName: name,
      CacheParameterGroupFamily: family,
      Description: 'conformance',
    }),
  );
  await client.send(
    new ModifyCacheParameterGroupCommand({
      CacheParameterGroupName: name,
      ParameterNameValues: Object.entries(values).map(([ParameterName, ParameterValue]) => ({
        ParameterName,
        ParameterValue,
      })),
    }),
  );
}

/** The parameter group the group's first member cluster shows (where AWS shows it). */
async function memberParameterGroup(id: string) {
  const group = await sandbox.describeGroup(id);
  const answer = await client.send(
    new DescribeCacheClustersCommand({ CacheClusterId: group.MemberClusters?.[0] ?? '' }),
  );
  return answer.CacheClusters?.[0]?.CacheParameterGroup?.CacheParameterGroupName;
}

async function modifyNow(input: ModifyReplicationGroupCommandInput) {
  await client.send(new ModifyReplicationGroupCommand({ ...input, ApplyImmediately: true }));
  emulator.clock.advance(DURATIONS.modify);
}

describe('Emulator: cache parameter groups', () => {
  it('lists the default group of every family with and without .cluster.on, paginated', async () => {
    const first = await client.send(new DescribeCacheParameterGroupsCommand({ MaxRecords: 20 }));
    const names = (first.CacheParameterGroups ?? []).map((group) => group.CacheParameterGroupName);
    expect(names).toEqual(expect.arrayContaining(['default.valkey8', 'default.valkey8.cluster.on']));
    expect(names).toEqual(expect.arrayContaining(['default.redis7', 'default.redis7.cluster.on']));
    const one = await client.send(
      new DescribeCacheParameterGroupsCommand({ CacheParameterGroupName: 'default.valkey9.cluster.on' }),
    );
    expect(one.CacheParameterGroups?.[0]?.CacheParameterGroupFamily).toBe('valkey9');
    const missing = await refusal(
      client.send(new DescribeCacheParameterGroupsCommand({ CacheParameterGroupName: 'nope' })),
    );
    expect([missing.name, missing.$metadata.httpStatusCode]).toEqual([
      'CacheParameterGroupNotFoundFault',
      404,
    ]);
  });

  it('shows user-set values with Source user and the rest as system; a default group cannot be changed', async () => {
    const name = nextId('tuned');
    await customGroup(name, 'redis7', { 'maxmemory-policy': 'allkeys-lru' });
    const user = await client.send(
      new DescribeCacheParametersCommand({ CacheParameterGroupName: name, Source: 'user' }),
    );
    expect(user.Parameters?.map((p) => [p.ParameterName, p.ParameterValue])).toEqual([
      ['maxmemory-policy', 'allkeys-lru'],
    ]);
    const system = await client.send(
      new DescribeCacheParametersCommand({ CacheParameterGroupName: name, Source: 'system' }),
    );
    expect(system.Parameters?.find((p) => p.ParameterName === 'cluster-enabled')?.ParameterValue).toBe('no');
    const onDefault = await refusal(
      client.send(
        new ModifyCacheParameterGroupCommand({
          CacheParameterGroupName: 'default.redis7',
          ParameterNameValues: [{ ParameterName: 'timeout', ParameterValue: '10' }],
        }),
      ),
    );
    expect(onDefault.name).toBe('InvalidCacheParameterGroupStateFault');
    const again = await refusal(
      client.send(
        new CreateCacheParameterGroupCommand({
          CacheParameterGroupName: name,
          CacheParameterGroupFamily: 'redis7',
          Description: 'again',
        }),
      ),
    );
    expect(again.name).toBe('CacheParameterGroupAlreadyExistsFault');
  });

  it('shows each member its parameter group: the default of its family, or the one it was created with', async () => {
    const plain = nextId('plain');
    await sandbox.createAvailable(redisGroup(plain));
    expect(await memberParameterGroup(plain)).toBe('default.redis7');
    const tuned = nextId('tuned');
    await customGroup(tuned, 'redis7', { timeout: '300' });
    const withCustom = nextId('custom');
    await sandbox.createAvailable(redisGroup(withCustom, { CacheParameterGroupName: tuned }));
    expect(await memberParameterGroup(withCustom)).toBe(tuned);
  });

  it('refuses Redis OSS to Valkey on a custom parameter group without a Valkey one, or with one of the wrong family', async () => {
    const params = nextId('redis-params');
    await customGroup(params, 'redis7', { 'maxmemory-policy': 'allkeys-lru' });
    const id = nextId('cross');
    await sandbox.createAvailable(redisGroup(id, { CacheParameterGroupName: params }));
    const upgrade = {
      ReplicationGroupId: id,
      Engine: 'valkey',
      EngineVersion: '9.0',
      ApplyImmediately: true,
    };
    const without = await refusal(client.send(new ModifyReplicationGroupCommand(upgrade)));
    expect([without.name, without.$metadata.httpStatusCode]).toEqual([
      'InvalidParameterCombinationException',
      400,
    ]);
    expect(without.message).toContain('Valkey parameter group');
    const valkey8 = nextId('valkey8-params');
    await customGroup(valkey8, 'valkey8', { 'maxmemory-policy': 'allkeys-lru' });
    const wrongFamily = await refusal(
      client.send(new ModifyReplicationGroupCommand({ ...upgrade, CacheParameterGroupName: valkey8 })),
    );
    expect([wrongFamily.name, wrongFamily.$metadata.httpStatusCode]).toEqual([
      'InvalidParameterCombinationException',
      400,
    ]);
    const unknown = await refusal(
      client.send(new ModifyReplicationGroupCommand({ ...upgrade, CacheParameterGroupName: 'absent' })),
    );
    expect([unknown.name, unknown.$metadata.httpStatusCode]).toEqual([
      'CacheParameterGroupNotFoundFault',
      404,
    ]);
    expect(await memberParameterGroup(id)).toBe(params);

    const valkey9 = nextId('valkey9-params');
    await customGroup(valkey9, 'valkey9', { 'maxmemory-policy': 'allkeys-lru' });
    await modifyNow({ ...upgrade, CacheParameterGroupName: valkey9 });
    expect(await memberParameterGroup(id)).toBe(valkey9);
  });

  it('moves a default group to the target family on its own (Redis OSS to Valkey, cluster mode)', async () => {
    const id = nextId('defaults');
    await sandbox.createAvailable(redisGroup(id));
    await modifyNow({ ReplicationGroupId: id, Engine: 'valkey', EngineVersion: '9.0' });
    expect(await memberParameterGroup(id)).toBe('default.valkey9');
    await modifyNow({ ReplicationGroupId: id, ClusterMode: 'compatible' });
    expect(await memberParameterGroup(id)).toBe('default.valkey9.cluster.on');
  });

  it('refuses a cluster mode change on a custom group without cluster-enabled=yes, and takes one with it', async () => {
    const params = nextId('cmd-params');
    await customGroup(params, 'valkey9', { timeout: '300' });
    const id = nextId('cmd');
    await sandbox.createAvailable(
      redisGroup(id, { Engine: 'valkey', EngineVersion: '9.0', CacheParameterGroupName: params }),
    );
    const refused = await refusal(
      client.send(
        new ModifyReplicationGroupCommand({
          ReplicationGroupId: id,
          ClusterMode: 'compatible',
          ApplyImmediately: true,
        }),
      ),
    );
    expect([refused.name, refused.$metadata.httpStatusCode]).toEqual([
      'InvalidParameterCombinationException',
      400,
    ]);
    expect(refused.message).toContain('cluster-enabled=yes');
    const clusterOn = nextId('cme-params');
    await customGroup(clusterOn, 'valkey9', { timeout: '300', 'cluster-enabled': 'yes' });
    await modifyNow({
      ReplicationGroupId: id,
      ClusterMode: 'compatible',
      CacheParameterGroupName: clusterOn,
    });
    expect(await memberParameterGroup(id)).toBe(clusterOn);
    expect((await sandbox.describeGroup(id)).ClusterMode).toBe('compatible');
  });

  it('refuses a major version change on a custom group without a group of the new family', async () => {
    const params = nextId('v8-params');
    await customGroup(params, 'valkey8', { timeout: '300' });
    const id = nextId('major');
    await sandbox.createAvailable(
      redisGroup(id, { Engine: 'valkey', EngineVersion: '8.1', CacheParameterGroupName: params }),
    );
    const refused = await refusal(
      client.send(
        new ModifyReplicationGroupCommand({
          ReplicationGroupId: id,
          EngineVersion: '9.0',
          ApplyImmediately: true,
        }),
      ),
    );
    expect(refused.message).toContain('family valkey9');
    // A minor version within the family keeps the custom group.
    await modifyNow({ ReplicationGroupId: id, EngineVersion: '8.2' });
    expect(await memberParameterGroup(id)).toBe(params);
  });
});
