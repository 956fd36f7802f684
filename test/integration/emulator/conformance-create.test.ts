/**
 * CreateReplicationGroup through the real SDK: what a new group keeps of its request, and the
 * restores AWS refuses (infra/local/README.md, "Creating and restoring groups").
 */
import {
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DescribeSnapshotsCommand,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { DURATIONS } from '../../../infra/local/emulator/model.js';
import { clusteredGroup, conformanceSandbox } from './fixtures.js';

const { client, emulator, nextId, createAvailable, describeGroup, refusal } = await conformanceSandbox();

/** A data-tiering group (r6gd) and an available snapshot of it, by name. */
async function tieredSnapshot(): Promise<{ id: string; snapshot: string }> {
  const id = nextId('tiered');
  await createAvailable(clusteredGroup(id, { CacheNodeType: 'cache.r6gd.xlarge', DataTieringEnabled: true }));
  const snapshot = `${id}-backup`;
  await client.send(new CreateSnapshotCommand({ ReplicationGroupId: id, SnapshotName: snapshot }));
  emulator.clock.advance(DURATIONS.snapshot);
  return { id, snapshot };
}

describe('ElastiCache emulator: CreateReplicationGroup in-transit encryption', () => {
  it.each(['preferred', 'required'] as const)(
    'keeps TransitEncryptionMode=%s as it was created',
    async (mode) => {
      // Act
      const group = await createAvailable(clusteredGroup(nextId('tls'), { TransitEncryptionMode: mode }));

      // Assess
      expect(group).toMatchObject({ TransitEncryptionEnabled: true, TransitEncryptionMode: mode });
    },
  );

  it('reads required when TLS comes without a mode, and none without TLS', async () => {
    const withTls = await createAvailable(clusteredGroup(nextId('tls')));
    const without = await createAvailable(
      clusteredGroup(nextId('plain'), { TransitEncryptionEnabled: false }),
    );
    expect(withTls.TransitEncryptionMode).toBe('required');
    expect(without).toMatchObject({ TransitEncryptionEnabled: false });
    expect(without.TransitEncryptionMode).toBeUndefined();
  });

  it('refuses TransitEncryptionMode without TransitEncryptionEnabled', async () => {
    const fault = await refusal(
      client.send(
        new CreateReplicationGroupCommand(
          clusteredGroup(nextId('tls'), {
            TransitEncryptionEnabled: false,
            TransitEncryptionMode: 'preferred',
          }),
        ),
      ),
    );
    expect(fault).toMatchObject({
      name: 'InvalidParameterCombinationException',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('ElastiCache emulator: restoring a data-tiering (r6gd) backup', () => {
  it("gives the snapshot the source group's DataTiering", async () => {
    // Prepare
    const { snapshot } = await tieredSnapshot();
    const plainId = nextId('plain');
    await createAvailable(clusteredGroup(plainId));
    await client.send(
      new CreateSnapshotCommand({ ReplicationGroupId: plainId, SnapshotName: `${plainId}-backup` }),
    );

    // Act
    const tiered = await client.send(new DescribeSnapshotsCommand({ SnapshotName: snapshot }));
    const plain = await client.send(new DescribeSnapshotsCommand({ SnapshotName: `${plainId}-backup` }));

    // Assess
    expect(tiered.Snapshots?.[0]).toMatchObject({
      DataTiering: 'enabled',
      CacheNodeType: 'cache.r6gd.xlarge',
    });
    expect(plain.Snapshots?.[0]?.DataTiering).toBe('disabled');
  });

  it('refuses to restore it into r7g nodes: InvalidParameterCombination, HTTP 400, no group created', async () => {
    // Prepare
    const { snapshot } = await tieredSnapshot();
    const target = nextId('restored');

    // Act
    const fault = await refusal(
      client.send(
        new CreateReplicationGroupCommand(
          clusteredGroup(target, { SnapshotName: snapshot, CacheNodeType: 'cache.r7g.8xlarge' }),
        ),
      ),
    );

    // Assess
    expect(fault).toMatchObject({
      name: 'InvalidParameterCombinationException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(fault.message).toContain('r6gd');
    await expect(describeGroup(target)).rejects.toMatchObject({ name: 'ReplicationGroupNotFoundFault' });
  });

  it('restores it into r6gd nodes, data tiering on', async () => {
    // Prepare
    const { snapshot } = await tieredSnapshot();

    // Act
    const restored = await createAvailable(
      clusteredGroup(nextId('restored'), { SnapshotName: snapshot, CacheNodeType: 'cache.r6gd.2xlarge' }),
    );

    // Assess
    expect(restored).toMatchObject({ CacheNodeType: 'cache.r6gd.2xlarge', DataTiering: 'enabled' });
  });
});
