import {
  type CreateReplicationGroupCommandInput,
  DecreaseReplicaCountCommand,
  DescribeCacheClustersCommand,
  IncreaseReplicaCountCommand,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  ModifyReplicationGroupCommand,
  type ModifyReplicationGroupCommandInput,
} from '@aws-sdk/client-elasticache';
import { beforeEach, describe, expect, it } from 'vitest';
import { DURATIONS } from '../../../infra/local/emulator/model.js';
import { clusteredGroup, conformanceSandbox } from './fixtures.js';

/** A Wednesday: the default window (sun:05:00-sun:06:00) next starts 2026-11-29T05:00Z. */
const WEDNESDAY = Date.parse('2026-11-25T10:00:00Z');
const NEXT_WINDOW = Date.parse('2026-11-29T05:00:00Z');

const sandbox = await conformanceSandbox(WEDNESDAY);
const { emulator, client, nextId, describeGroup: describe1, refusal } = sandbox;
const clustered = (id: string) => clusteredGroup(id);

/** Valkey 8.1, cluster mode disabled, one replica, no Multi-AZ (so no automatic failover), no TLS. */
function single(id: string): CreateReplicationGroupCommandInput {
  return {
    ReplicationGroupId: id,
    ReplicationGroupDescription: 'conformance-modify',
    Engine: 'valkey',
    EngineVersion: '8.1',
    ClusterMode: 'disabled',
    ReplicasPerNodeGroup: 1,
    MultiAZEnabled: false,
    TransitEncryptionEnabled: false,
    CacheNodeType: 'cache.r7g.large',
  };
}

/** Create the group and wait until it is available; its id. */
async function createAvailable(input: CreateReplicationGroupCommandInput): Promise<string> {
  return (await sandbox.createAvailable(input)).ReplicationGroupId ?? '';
}

/** The group's first member cluster: where AWS shows the engine version and the window. */
async function member(id: string) {
  const group = await describe1(id);
  const answer = await client.send(
    new DescribeCacheClustersCommand({ CacheClusterId: group.MemberClusters?.[0] ?? '' }),
  );
  return answer.CacheClusters?.[0];
}

function modify(input: ModifyReplicationGroupCommandInput) {
  return client.send(new ModifyReplicationGroupCommand(input));
}

/** Modify with ApplyImmediately and let the `modifying` period pass. */
async function modifyNow(input: ModifyReplicationGroupCommandInput, durationMs: number = DURATIONS.modify) {
  const answer = await modify({ ...input, ApplyImmediately: true });
  emulator.clock.advance(durationMs);
  return answer;
}

async function expectCombinationRefused(action: Promise<unknown>, message: RegExp) {
  const error = await refusal(action);
  expect(error).toBeInstanceOf(InvalidParameterCombinationException);
  expect(error.$metadata.httpStatusCode).toBe(400);
  expect(error.message).toMatch(message);
}

beforeEach(() => {
  emulator.faults.reset();
  emulator.clock.freeze(WEDNESDAY);
});

describe('ElastiCache emulator: ModifyReplicationGroup in-transit encryption', () => {
  it('enables TLS in two steps: preferred with TransitEncryptionEnabled, then required', async () => {
    // Prepare
    const id = await createAvailable(single(nextId('tls')));

    // Act
    await modifyNow({
      ReplicationGroupId: id,
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'preferred',
    });
    const preferred = await describe1(id);
    await modifyNow({ ReplicationGroupId: id, TransitEncryptionMode: 'required' });
    const required = await describe1(id);

    // Assess
    expect(preferred).toMatchObject({ TransitEncryptionEnabled: true, TransitEncryptionMode: 'preferred' });
    expect(required).toMatchObject({
      Status: 'available',
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
    });
  });

  it.each<[string, ModifyReplicationGroupCommandInput['TransitEncryptionMode'], RegExp]>([
    ['without a mode', undefined, /needs TransitEncryptionMode=preferred in the same request/],
    ['straight to required', 'required', /needs TransitEncryptionMode=preferred in the same request/],
  ])('refuses TransitEncryptionEnabled=true %s', async (_, mode, message) => {
    const id = await createAvailable(single(nextId('tls-one-step')));
    await expectCombinationRefused(
      modify({ ReplicationGroupId: id, TransitEncryptionEnabled: true, TransitEncryptionMode: mode }),
      message,
    );
    expect((await describe1(id)).TransitEncryptionEnabled).toBe(false);
  });

  it('refuses a mode without in-transit encryption', async () => {
    const id = await createAvailable(single(nextId('tls-mode')));
    await expectCombinationRefused(
      modify({ ReplicationGroupId: id, TransitEncryptionMode: 'preferred' }),
      /TransitEncryptionMode needs in-transit encryption/,
    );
  });

  it('refuses to enable TLS online on Redis OSS before 7.0', async () => {
    const id = await createAvailable({ ...single(nextId('tls-old')), Engine: 'redis', EngineVersion: '6.2' });
    await expectCombinationRefused(
      modify({ ReplicationGroupId: id, TransitEncryptionEnabled: true, TransitEncryptionMode: 'preferred' }),
      /Valkey 7\.2 or Redis OSS 7\.0 and later; .* runs redis 6\.2/,
    );
  });

  it('disables TLS only from preferred', async () => {
    // Prepare
    const id = await createAvailable(clustered(nextId('tls-off')));

    // Act & Assess
    await expectCombinationRefused(
      modify({ ReplicationGroupId: id, TransitEncryptionEnabled: false }),
      /needs TransitEncryptionMode=preferred first \(it is required\)/,
    );
    await modifyNow({ ReplicationGroupId: id, TransitEncryptionMode: 'preferred' });
    await modifyNow({ ReplicationGroupId: id, TransitEncryptionEnabled: false });
    const group = await describe1(id);
    expect(group.TransitEncryptionEnabled).toBe(false);
    expect(group.TransitEncryptionMode).toBeUndefined();
  });
});

describe('ElastiCache emulator: ModifyReplicationGroup Multi-AZ and automatic failover', () => {
  it('turns Multi-AZ on with automatic failover in the same request', async () => {
    // Prepare
    const id = await createAvailable(single(nextId('maz')));

    // Act & Assess
    await expectCombinationRefused(
      modify({ ReplicationGroupId: id, MultiAZEnabled: true }),
      /Multi-AZ on .* needs automatic failover/,
    );
    await modifyNow({ ReplicationGroupId: id, MultiAZEnabled: true, AutomaticFailoverEnabled: true });
    expect(await describe1(id)).toMatchObject({ MultiAZ: 'enabled', AutomaticFailover: 'enabled' });
  });

  it('refuses Multi-AZ and automatic failover on a group without replicas', async () => {
    const id = await createAvailable({ ...single(nextId('maz-none')), ReplicasPerNodeGroup: 0 });
    await expectCombinationRefused(
      modify({ ReplicationGroupId: id, MultiAZEnabled: true, AutomaticFailoverEnabled: true }),
      /needs at least one replica per shard/,
    );
    await expectCombinationRefused(
      modify({ ReplicationGroupId: id, AutomaticFailoverEnabled: true }),
      /Automatic failover on .* needs at least one replica per shard/,
    );
  });

  it('keeps automatic failover on a cluster mode enabled group', async () => {
    const id = await createAvailable(clustered(nextId('af-cme')));
    await expectCombinationRefused(
      modify({ ReplicationGroupId: id, AutomaticFailoverEnabled: false, MultiAZEnabled: false }),
      /cannot be disabled on .*: cluster mode enabled groups always have it/,
    );
  });

  it('turns Multi-AZ off but keeps automatic failover', async () => {
    const id = await createAvailable(clustered(nextId('maz-off')));
    await modifyNow({ ReplicationGroupId: id, MultiAZEnabled: false });
    expect(await describe1(id)).toMatchObject({ MultiAZ: 'disabled', AutomaticFailover: 'enabled' });
  });
});

describe('ElastiCache emulator: ModifyReplicationGroup cluster mode', () => {
  /** Cluster mode disabled with Multi-AZ (so automatic failover) and one replica: ready to move. */
  const movable = (id: string) => ({ ...single(id), AutomaticFailoverEnabled: true, MultiAZEnabled: true });

  it('moves disabled -> compatible -> enabled, one request each', async () => {
    // Prepare
    const id = await createAvailable(movable(nextId('cm')));

    // Act
    await modifyNow({ ReplicationGroupId: id, ClusterMode: 'compatible' });
    const compatible = await describe1(id);
    await modifyNow({ ReplicationGroupId: id, ClusterMode: 'enabled' });
    const enabled = await describe1(id);

    // Assess
    expect(compatible).toMatchObject({ Status: 'available', ClusterMode: 'compatible' });
    expect(enabled).toMatchObject({ Status: 'available', ClusterMode: 'enabled', ClusterEnabled: true });
  });

  it('refuses enabled straight from disabled, and any way back', async () => {
    // Prepare
    const id = await createAvailable(movable(nextId('cm-skip')));

    // Act & Assess
    await expectCombinationRefused(
      modify({ ReplicationGroupId: id, ClusterMode: 'enabled' }),
      /set compatible first/,
    );
    await modifyNow({ ReplicationGroupId: id, ClusterMode: 'compatible' });
    await expectCombinationRefused(
      modify({ ReplicationGroupId: id, ClusterMode: 'disabled' }),
      /only moves disabled -> compatible -> enabled and cannot be reverted/,
    );
    const enabled = await createAvailable(clustered(nextId('cm-back')));
    await expectCombinationRefused(
      modify({ ReplicationGroupId: enabled, ClusterMode: 'compatible' }),
      /cannot be reverted/,
    );
  });

  it('refuses compatible without automatic failover, a replica, or a recent engine', async () => {
    const id = await createAvailable({
      ...single(nextId('cm-unready')),
      Engine: 'redis',
      EngineVersion: '6.2',
      ReplicasPerNodeGroup: 0,
    });
    await expectCombinationRefused(
      modify({ ReplicationGroupId: id, ClusterMode: 'compatible' }),
      /Valkey 7\.2 or Redis OSS 7\.0 or later; it needs automatic failover enabled; it needs at least one replica/,
    );
  });

  it('takes ClusterMode alone, and nothing else while compatible', async () => {
    // Prepare
    const id = await createAvailable(movable(nextId('cm-alone')));

    // Act & Assess
    await expectCombinationRefused(
      modify({ ReplicationGroupId: id, ClusterMode: 'compatible', SnapshotRetentionLimit: 3 }),
      /ClusterMode must be modified on its own; remove SnapshotRetentionLimit/,
    );
    await modifyNow({ ReplicationGroupId: id, ClusterMode: 'compatible' });
    await expectCombinationRefused(
      modify({ ReplicationGroupId: id, CacheNodeType: 'cache.r7g.xlarge' }),
      /in cluster mode compatible: only ClusterMode can be modified/,
    );
    await expectCombinationRefused(
      client.send(
        new IncreaseReplicaCountCommand({
          ReplicationGroupId: id,
          NewReplicaCount: 2,
          ApplyImmediately: true,
        }),
      ),
      /in cluster mode compatible: replicas cannot change/,
    );
  });
});

describe('ElastiCache emulator: ModifyReplicationGroup engine upgrades', () => {
  it('upgrades to a known, newer version, after which durability is allowed', async () => {
    // Prepare
    const id = await createAvailable({ ...clustered(nextId('up')), EngineVersion: '8.1' });
    await expectCombinationRefused(
      modify({ ReplicationGroupId: id, Durability: 'sync', ApplyImmediately: true }),
      /Valkey 9\.0/,
    );

    // Act
    const answer = await modify({ ReplicationGroupId: id, EngineVersion: '9.0', ApplyImmediately: true });
    const during = await member(id);
    emulator.clock.advance(DURATIONS.modify);
    const after = await member(id);
    await modifyNow({ ReplicationGroupId: id, Durability: 'sync' }, DURATIONS.durabilityChange);

    // Assess
    expect(answer.ReplicationGroup?.Status).toBe('modifying');
    expect(during?.EngineVersion).toBe('8.1');
    expect(after?.EngineVersion).toBe('9.0');
    expect((await describe1(id)).EffectiveDurability).toBe('sync');
  });

  it('shows a held durability change as the requested Durability, never in PendingModifiedValues', async () => {
    // Prepare
    const id = await createAvailable(clustered(nextId('held')));

    // Act
    await modify({ ReplicationGroupId: id, Durability: 'sync', ApplyImmediately: false });
    const held = await describe1(id);
    const wire = await fetch(emulator.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `Action=DescribeReplicationGroups&Version=2015-02-02&ReplicationGroupId=${id}`,
    });
    emulator.model.runMaintenance(id);
    const applied = await describe1(id);

    // Assess: the API's ReplicationGroupPendingModifiedValues has no durability member.
    expect(held).toMatchObject({ Status: 'available', Durability: 'sync', EffectiveDurability: 'disabled' });
    expect(
      (await wire.text()).match(/<PendingModifiedValues>[\s\S]*?<\/PendingModifiedValues>/)?.[0],
    ).not.toContain('Durability');
    expect(applied.EffectiveDurability).toBe('sync');
  });

  it('refuses a version it does not know, with InvalidParameterValue', async () => {
    const id = await createAvailable(single(nextId('up-unknown')));
    const error = await refusal(modify({ ReplicationGroupId: id, EngineVersion: '9.7' }));
    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toMatch(/Cannot find version 9\.7 for valkey/);
  });

  it('refuses a downgrade', async () => {
    const id = await createAvailable(single(nextId('down')));
    await expectCombinationRefused(
      modify({ ReplicationGroupId: id, EngineVersion: '8.0' }),
      /Cannot downgrade .* from valkey 8\.1 to valkey 8\.0/,
    );
  });

  it('upgrades Redis OSS to Valkey when the request names the Valkey version', async () => {
    // Prepare
    const id = await createAvailable({ ...single(nextId('cross')), Engine: 'redis', EngineVersion: '7.1' });

    // Act & Assess
    await expectCombinationRefused(
      modify({ ReplicationGroupId: id, Engine: 'valkey' }),
      /Engine=valkey needs EngineVersion in the same request/,
    );
    await modifyNow({ ReplicationGroupId: id, Engine: 'valkey', EngineVersion: '8.0' });
    expect((await describe1(id)).Engine).toBe('valkey');
    expect((await member(id))?.EngineVersion).toBe('8.0');
    await expectCombinationRefused(
      modify({ ReplicationGroupId: id, Engine: 'redis', EngineVersion: '7.1' }),
      /only Redis OSS -> Valkey is supported/,
    );
  });
});

describe('ElastiCache emulator: ModifyReplicationGroup parameters', () => {
  it.each<[string, Partial<ModifyReplicationGroupCommandInput>, Record<string, unknown>]>([
    ['SnapshotRetentionLimit', { SnapshotRetentionLimit: 7 }, { SnapshotRetentionLimit: 7 }],
    ['CacheNodeType', { CacheNodeType: 'cache.r7g.xlarge' }, { CacheNodeType: 'cache.r7g.xlarge' }],
    ['MultiAZEnabled', { MultiAZEnabled: false }, { MultiAZ: 'disabled' }],
    ['ReplicationGroupDescription', { ReplicationGroupDescription: 'renamed' }, { Description: 'renamed' }],
    [
      'TransitEncryptionMode',
      { TransitEncryptionMode: 'preferred' },
      { TransitEncryptionEnabled: true, TransitEncryptionMode: 'preferred' },
    ],
  ])('applies %s after the modifying period', async (_, change, expected) => {
    const id = await createAvailable(clustered(nextId('param')));
    await modifyNow({ ReplicationGroupId: id, ...change });
    expect(await describe1(id)).toMatchObject({ Status: 'available', ...expected });
  });

  it.each<[string, Partial<ModifyReplicationGroupCommandInput>]>([
    ['SecurityGroupIds', { SecurityGroupIds: ['sg-1'] }],
    ['SnapshotWindow', { SnapshotWindow: '03:00-04:00' }],
    ['AutoMinorVersionUpgrade', { AutoMinorVersionUpgrade: false }],
    ['AuthToken', { AuthToken: 'a-long-enough-token-1234', AuthTokenUpdateStrategy: 'ROTATE' }],
    ['UserGroupIdsToAdd', { UserGroupIdsToAdd: ['ug-1'] }],
    ['IpDiscovery', { IpDiscovery: 'ipv6' }],
    ['NotificationTopicArn', { NotificationTopicArn: 'arn:aws:sns:us-east-1:123456789012:t' }],
  ])('refuses %s as not modelled, naming it, and changes nothing', async (name, change) => {
    // Prepare
    const id = await createAvailable(clustered(nextId('unmodelled')));

    // Act
    const error = await refusal(modify({ ReplicationGroupId: id, ApplyImmediately: true, ...change }));

    // Assess
    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain(`${name}`);
    expect(error.message).toContain('not modelled by the emulator');
    expect((await describe1(id)).Status).toBe('available');
  });

  it('refuses a malformed or short maintenance window', async () => {
    const id = await createAvailable(clustered(nextId('window-bad')));
    for (const window of ['sunday 05:00', 'sun:05:00-sun:05:30']) {
      const error = await refusal(modify({ ReplicationGroupId: id, PreferredMaintenanceWindow: window }));
      expect(error).toBeInstanceOf(InvalidParameterValueException);
      expect(error.message).toMatch(/PreferredMaintenanceWindow/);
    }
  });
});

describe('ElastiCache emulator: pending changes and the maintenance window', () => {
  it('holds a change without ApplyImmediately, available, until the window applies it', async () => {
    // Prepare
    const id = await createAvailable(single(nextId('window')));

    // Act
    const answer = await modify({
      ReplicationGroupId: id,
      CacheNodeType: 'cache.r7g.xlarge',
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'preferred',
      AutomaticFailoverEnabled: true,
    });
    const held = await member(id);
    emulator.clock.advance(NEXT_WINDOW - 1 - emulator.clock.now());
    const justBefore = await describe1(id);
    emulator.clock.advance(1);
    const atWindow = await describe1(id);
    emulator.clock.advance(DURATIONS.modify);
    const applied = await describe1(id);

    // Assess
    expect(answer.ReplicationGroup).toMatchObject({
      Status: 'available',
      CacheNodeType: 'cache.r7g.large',
      TransitEncryptionEnabled: false,
      PendingModifiedValues: {
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: 'preferred',
        AutomaticFailoverStatus: 'enabled',
      },
    });
    expect(held).toMatchObject({
      PreferredMaintenanceWindow: 'sun:05:00-sun:06:00',
      PendingModifiedValues: { CacheNodeType: 'cache.r7g.xlarge', TransitEncryptionEnabled: true },
    });
    expect(justBefore).toMatchObject({ Status: 'available', CacheNodeType: 'cache.r7g.large' });
    expect(atWindow.Status).toBe('modifying');
    expect(applied).toMatchObject({
      Status: 'available',
      CacheNodeType: 'cache.r7g.xlarge',
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'preferred',
      AutomaticFailover: 'enabled',
      PendingModifiedValues: {},
    });
  });

  it('applies at the window the group is given, and in one step once the clock has passed it', async () => {
    // Prepare
    const id = await createAvailable(clustered(nextId('window-moved')));

    // Act
    await modify({ ReplicationGroupId: id, SnapshotRetentionLimit: 5 });
    await modify({ ReplicationGroupId: id, PreferredMaintenanceWindow: 'wed:12:00-wed:13:00' });
    const moved = await member(id);
    emulator.clock.advance(3 * 3_600_000);
    const applied = await describe1(id);

    // Assess
    expect(moved?.PreferredMaintenanceWindow).toBe('wed:12:00-wed:13:00');
    expect(applied).toMatchObject({ Status: 'available', SnapshotRetentionLimit: 5 });
  });

  it('applies held changes with the next ApplyImmediately request', async () => {
    // Prepare
    const id = await createAvailable(clustered(nextId('window-flush')));
    await modify({ ReplicationGroupId: id, SnapshotRetentionLimit: 9 });

    // Act
    await modifyNow({ ReplicationGroupId: id, CacheNodeType: 'cache.r7g.xlarge' });

    // Assess
    expect(await describe1(id)).toMatchObject({
      SnapshotRetentionLimit: 9,
      CacheNodeType: 'cache.r7g.xlarge',
    });
  });

  it('holds a durability change for the window too', async () => {
    const id = await createAvailable(clustered(nextId('window-durable')));
    await modify({ ReplicationGroupId: id, Durability: 'async' });
    expect((await describe1(id)).EffectiveDurability).toBe('disabled');
    emulator.clock.advance(NEXT_WINDOW + DURATIONS.durabilityChange - emulator.clock.now());
    expect(await describe1(id)).toMatchObject({ Status: 'available', EffectiveDurability: 'async' });
  });
});

describe('ElastiCache emulator: replicas and vertical scaling', () => {
  it('adds and removes replicas after the modifying period', async () => {
    // Prepare
    const id = await createAvailable({ ...clustered(nextId('replicas')), MultiAZEnabled: false });

    // Act
    const increasing = await client.send(
      new IncreaseReplicaCountCommand({ ReplicationGroupId: id, NewReplicaCount: 3, ApplyImmediately: true }),
    );
    emulator.clock.advance(DURATIONS.modify);
    const increased = await describe1(id);
    await client.send(
      new DecreaseReplicaCountCommand({ ReplicationGroupId: id, NewReplicaCount: 0, ApplyImmediately: true }),
    );
    emulator.clock.advance(DURATIONS.modify);
    const decreased = await describe1(id);

    // Assess
    expect(increasing.ReplicationGroup?.Status).toBe('modifying');
    expect(increased.NodeGroups?.map((shard) => shard.NodeGroupMembers?.length)).toEqual([4, 4]);
    expect(decreased.NodeGroups?.map((shard) => shard.NodeGroupMembers?.length)).toEqual([1, 1]);
    expect(decreased.Status).toBe('available');
  });

  it.each<[string, CreateReplicationGroupCommandInput, RegExp]>([
    ['Multi-AZ', clustered('unused'), /with Multi-AZ/],
    [
      'automatic failover (cluster mode disabled)',
      { ...single('unused'), AutomaticFailoverEnabled: true, MultiAZEnabled: true },
      /automatic failover/,
    ],
  ])('refuses to drop below one replica with %s', async (_, input, message) => {
    const id = await createAvailable({ ...input, ReplicationGroupId: nextId('min') });
    await expectCombinationRefused(
      client.send(
        new DecreaseReplicaCountCommand({
          ReplicationGroupId: id,
          NewReplicaCount: 0,
          ApplyImmediately: true,
        }),
      ),
      message,
    );
  });

  it('refuses ApplyImmediately=false on replica changes', async () => {
    const id = await createAvailable(clustered(nextId('replicas-later')));
    const error = await refusal(
      client.send(
        new IncreaseReplicaCountCommand({
          ReplicationGroupId: id,
          NewReplicaCount: 2,
          ApplyImmediately: false,
        }),
      ),
    );
    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect(error.message).toMatch(/ApplyImmediately=false is not supported by IncreaseReplicaCount/);
  });

  it('scales a durable group only to another Graviton node type', async () => {
    // Prepare
    const id = await createAvailable({ ...clustered(nextId('scale')), Durability: 'sync' });

    // Act & Assess
    await expectCombinationRefused(
      modify({ ReplicationGroupId: id, CacheNodeType: 'cache.r5.xlarge', ApplyImmediately: true }),
      /has durability sync, which this modification would break: durability is not supported on node type cache\.r5\.xlarge/,
    );
    await modifyNow({ ReplicationGroupId: id, CacheNodeType: 'cache.r8g.xlarge' });
    expect(await describe1(id)).toMatchObject({
      CacheNodeType: 'cache.r8g.xlarge',
      EffectiveDurability: 'sync',
    });
  });
});
