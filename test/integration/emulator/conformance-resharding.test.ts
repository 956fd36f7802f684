import {
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  InvalidReplicationGroupStateFault,
  ModifyReplicationGroupShardConfigurationCommand,
  type ModifyReplicationGroupShardConfigurationCommandInput,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { DURATIONS } from '../../../infra/local/emulator/model.js';
import { clusteredGroup, conformanceSandbox } from './fixtures.js';

const { emulator, client, nextId, createAvailable, describeGroup, refusal } = await conformanceSandbox();

function reshard(input: Omit<ModifyReplicationGroupShardConfigurationCommandInput, 'ApplyImmediately'>) {
  return client.send(
    new ModifyReplicationGroupShardConfigurationCommand({ ApplyImmediately: true, ...input }),
  );
}

describe('Sandbox conformance: ModifyReplicationGroupShardConfiguration', () => {
  it('adds shards after its lifecycle (modifying, then available) with the slots spread evenly again', async () => {
    // Prepare
    const id = nextId('grow');
    await createAvailable(clusteredGroup(id));

    // Act
    const answer = await reshard({ ReplicationGroupId: id, NodeGroupCount: 5 });
    const during = await describeGroup(id);
    const again = await refusal(reshard({ ReplicationGroupId: id, NodeGroupCount: 6 }));
    emulator.clock.advance(DURATIONS.modify);
    const after = await describeGroup(id);

    // Assess
    expect(answer.ReplicationGroup?.Status).toBe('modifying');
    expect(during.NodeGroups).toHaveLength(2);
    expect(again).toBeInstanceOf(InvalidReplicationGroupStateFault);
    expect(after.Status).toBe('available');
    expect(after.NodeGroups?.map((shard) => shard.Slots)).toEqual([
      '0-3276',
      '3277-6553',
      '6554-9830',
      '9831-13107',
      '13108-16383',
    ]);
    expect(after.NodeGroups?.every((shard) => shard.NodeGroupMembers?.length === 2)).toBe(true);
  });

  it('removes shards only with NodeGroupsToRemove or NodeGroupsToRetain that leave the count asked', async () => {
    // Prepare
    const id = nextId('shrink');
    await createAvailable(clusteredGroup(id, { NumNodeGroups: 3 }));

    // Act
    const bare = await refusal(reshard({ ReplicationGroupId: id, NodeGroupCount: 2 }));
    const both = await refusal(
      reshard({
        ReplicationGroupId: id,
        NodeGroupCount: 2,
        NodeGroupsToRemove: ['0003'],
        NodeGroupsToRetain: ['0001'],
      }),
    );
    const unknown = await refusal(
      reshard({ ReplicationGroupId: id, NodeGroupCount: 2, NodeGroupsToRemove: ['0009'] }),
    );
    const short = await refusal(
      reshard({ ReplicationGroupId: id, NodeGroupCount: 2, NodeGroupsToRetain: ['0001'] }),
    );
    await reshard({ ReplicationGroupId: id, NodeGroupCount: 2, NodeGroupsToRemove: ['0003'] });
    emulator.clock.advance(DURATIONS.modify);

    // Assess
    expect(bare).toBeInstanceOf(InvalidParameterCombinationException);
    expect(both).toBeInstanceOf(InvalidParameterCombinationException);
    expect(unknown).toBeInstanceOf(InvalidParameterValueException);
    expect(short).toBeInstanceOf(InvalidParameterValueException);
    expect((await describeGroup(id)).NodeGroups?.map((shard) => shard.Slots)).toEqual([
      '0-8191',
      '8192-16383',
    ]);
  });

  it('refuses what AWS refuses: ReshardingConfiguration not one per shard or while removing, a removal list while adding, cluster mode disabled', async () => {
    // Prepare
    const id = nextId('refuse');
    await createAvailable(clusteredGroup(id));
    const disabled = nextId('cmd');
    await createAvailable(clusteredGroup(disabled, { ClusterMode: 'disabled', NumNodeGroups: 1 }));
    const zones = (count: number) =>
      Array.from({ length: count }, () => ({ PreferredAvailabilityZones: ['us-east-1a', 'us-east-1b'] }));

    // Act / Assess
    expect(
      await refusal(
        reshard({ ReplicationGroupId: id, NodeGroupCount: 4, ReshardingConfiguration: zones(3) }),
      ),
    ).toBeInstanceOf(InvalidParameterValueException);
    expect(
      await refusal(
        reshard({
          ReplicationGroupId: id,
          NodeGroupCount: 1,
          NodeGroupsToRemove: ['0002'],
          ReshardingConfiguration: zones(1),
        }),
      ),
    ).toBeInstanceOf(InvalidParameterCombinationException);
    expect(
      await refusal(reshard({ ReplicationGroupId: id, NodeGroupCount: 3, NodeGroupsToRetain: ['0001'] })),
    ).toBeInstanceOf(InvalidParameterCombinationException);
    expect(await refusal(reshard({ ReplicationGroupId: disabled, NodeGroupCount: 2 }))).toBeInstanceOf(
      InvalidParameterCombinationException,
    );
    expect((await describeGroup(id)).Status).toBe('available');
    await reshard({ ReplicationGroupId: id, NodeGroupCount: 4, ReshardingConfiguration: zones(4) });
    expect((await describeGroup(id)).Status).toBe('modifying');
  });

  it('rebalances when the count stays the same (modifying, then available)', async () => {
    // Prepare
    const id = nextId('rebalance');
    await createAvailable(clusteredGroup(id, { NumNodeGroups: 3 }));

    // Act
    const zones = await refusal(
      reshard({
        ReplicationGroupId: id,
        NodeGroupCount: 3,
        ReshardingConfiguration: [{ PreferredAvailabilityZones: ['us-east-1a'] }],
      }),
    );
    const answer = await reshard({ ReplicationGroupId: id, NodeGroupCount: 3 });
    emulator.clock.advance(DURATIONS.modify);

    // Assess
    expect(zones).toBeInstanceOf(InvalidParameterCombinationException);
    expect(answer.ReplicationGroup?.Status).toBe('modifying');
    const after = await describeGroup(id);
    expect(after.Status).toBe('available');
    expect(after.NodeGroups?.map((shard) => shard.Slots)).toEqual(['0-5461', '5462-10922', '10923-16383']);
  });
});
