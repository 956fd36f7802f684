import {
  DescribeReplicationGroupsCommand,
  DescribeServerlessCachesCommand,
  ElastiCacheClient,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { readFleet } from '../../../shared/aws/elasticache.js';
import { AwsCallError } from '../../../shared/aws/errors.js';
import { toReplicationGroupResource } from '../../../shared/aws/kind-readers.js';

const ARN = (id: string) => `arn:aws:elasticache:us-east-1:123456789012:replicationgroup:${id}`;
const region = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

function group(id: string, extra: Partial<ReplicationGroup> = {}): ReplicationGroup {
  return {
    ReplicationGroupId: id,
    ARN: ARN(id),
    Status: 'available',
    Engine: 'valkey',
    ClusterEnabled: true,
    ClusterMode: 'enabled',
    MultiAZ: 'enabled',
    TransitEncryptionEnabled: true,
    AtRestEncryptionEnabled: false,
    StorageEncryptionType: 'sse-elasticache',
    Durability: 'sync',
    EffectiveDurability: 'sync',
    CacheNodeType: 'cache.r7g.large',
    NodeGroups: [
      { NodeGroupId: '0001', NodeGroupMembers: [{}, {}, {}] },
      { NodeGroupId: '0002', NodeGroupMembers: [{}, {}] },
    ],
    MemberClusters: [`${id}-0001-001`],
    ...extra,
  };
}

describe('Function: readFleet', () => {
  const elasticache = mockClient(ElastiCacheClient);
  const tagging = mockClient(ResourceGroupsTaggingAPIClient);

  afterEach(() => {
    elasticache.reset();
    tagging.reset();
  });

  it('reads every page by Marker and joins tags from one stream of GetResources pages for every kind', async () => {
    // Prepare
    elasticache
      .on(DescribeReplicationGroupsCommand, { MaxRecords: 100, Marker: undefined })
      .resolves({ ReplicationGroups: [group('a-1'), group('a-2')], Marker: 'm1' })
      .on(DescribeReplicationGroupsCommand, { Marker: 'm1' })
      .resolves({ ReplicationGroups: [group('b-1')], Marker: 'm2' })
      .on(DescribeReplicationGroupsCommand, { Marker: 'm2' })
      .resolves({ ReplicationGroups: [group('c-1', { EffectiveDurability: undefined })] })
      .on(DescribeServerlessCachesCommand)
      .resolves({
        ServerlessCaches: [
          {
            ServerlessCacheName: 'sess',
            ARN: 'arn:sc:sess',
            Engine: 'valkey',
            Status: 'available',
            StorageEncryptionType: 'sse-kms',
            KmsKeyId: 'k1',
          },
        ],
      });
    // Every kind's tags in one stream: the serverless cache's come on the last page.
    const types = ['elasticache:replicationgroup', 'elasticache:serverlesscache'];
    tagging
      .on(GetResourcesCommand, { ResourceTypeFilters: types, PaginationToken: undefined })
      .resolves({
        ResourceTagMappingList: [{ ResourceARN: ARN('a-1'), Tags: [{ Key: 'env', Value: 'prod' }] }],
        PaginationToken: 't1',
      })
      .on(GetResourcesCommand, { ResourceTypeFilters: types, PaginationToken: 't1' })
      .resolves({
        ResourceTagMappingList: [
          { ResourceARN: ARN('c-1'), Tags: [{ Key: 'owner', Value: 'team-c' }] },
          { ResourceARN: 'arn:sc:sess', Tags: [{ Key: 'data', Value: 'sensitive' }] },
        ],
      });

    // Act
    const fleet = await readFleet({
      elasticache: new ElastiCacheClient({ region, credentials }),
      tagging: new ResourceGroupsTaggingAPIClient({ region, credentials }),
    });

    // Assess
    expect(fleet.map((resource) => [resource.id, resource.tags])).toEqual([
      ['a-1', { env: 'prod' }],
      ['a-2', {}],
      ['b-1', {}],
      ['c-1', { owner: 'team-c' }],
      ['sess', { data: 'sensitive' }],
    ]);
    expect(elasticache).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 3);
    expect(tagging).toHaveReceivedCommandTimes(GetResourcesCommand, 2);
    expect(fleet[3]?.effectiveDurability).toBeUndefined();
    expect(fleet[4]).toMatchObject({
      type: 'serverless-cache',
      storageEncryptionType: 'sse-kms',
      kmsKeyId: 'k1',
    });
  });

  it('names the failing call when the API refuses', async () => {
    // Prepare
    elasticache
      .on(DescribeReplicationGroupsCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDenied' }));
    elasticache.on(DescribeServerlessCachesCommand).resolves({});
    tagging.on(GetResourcesCommand).resolves({});

    // Act
    const attempt = readFleet({
      elasticache: new ElastiCacheClient({ region, credentials }),
      tagging: new ResourceGroupsTaggingAPIClient({ region, credentials }),
    });

    // Assess
    await expect(attempt).rejects.toThrow(AwsCallError);
    await expect(attempt).rejects.toThrow('DescribeReplicationGroups failed: AccessDenied: not allowed');
  });
});

describe('Function: toReplicationGroupResource', () => {
  it('normalises the durability, encryption and topology fields', () => {
    // Act
    const resource = toReplicationGroupResource(
      group('g', {
        PendingModifiedValues: { TransitEncryptionEnabled: true },
        Durability: 'default',
        GlobalReplicationGroupInfo: {},
      }),
      { env: 'prod' },
    );

    // Assess
    expect(resource).toMatchObject({
      type: 'replication-group',
      id: 'g',
      engine: 'valkey',
      clusterMode: 'enabled',
      durability: 'default',
      effectiveDurability: 'sync',
      storageEncryptionType: 'sse-elasticache',
      atRestEncryptionEnabled: false,
      multiAZ: true,
      shards: 2,
      minReplicasPerShard: 1,
      pendingModifications: true,
      globalDatastore: false,
      tags: { env: 'prod' },
    });
  });

  it('treats a value outside the known enum as unknown rather than guessing', () => {
    const resource = toReplicationGroupResource(
      group('g', { EffectiveDurability: 'eventual' as 'sync' }),
      {},
    );
    expect(resource.effectiveDurability).toBeUndefined();
  });

  it("names each shard's primary as the node to watch where the answer gives roles (cluster mode disabled)", () => {
    // Act
    const resource = toReplicationGroupResource(
      group('g', {
        NodeGroups: [
          {
            NodeGroupId: '0001',
            NodeGroupMembers: [
              { CacheClusterId: 'g-001', CacheNodeId: '0001', CurrentRole: 'replica' },
              { CacheClusterId: 'g-002', CacheNodeId: '0001', CurrentRole: 'primary' },
            ],
          },
        ],
      }),
      {},
    );

    // Assess
    expect(resource.writeNodes).toEqual([{ cacheClusterId: 'g-002', cacheNodeId: '0001' }]);
  });

  it('watches every member of a shard whose answer names no role (cluster mode enabled)', () => {
    // Act
    const resource = toReplicationGroupResource(
      group('g', {
        NodeGroups: [
          {
            NodeGroupId: '0001',
            NodeGroupMembers: [
              { CacheClusterId: 'g-0001-001', CacheNodeId: '0001' },
              { CacheClusterId: 'g-0001-002', CacheNodeId: '0001' },
            ],
          },
          { NodeGroupId: '0002', NodeGroupMembers: [{ CacheClusterId: 'g-0002-001', CacheNodeId: '0001' }] },
        ],
      }),
      {},
    );

    // Assess
    expect(resource.writeNodes?.map((node) => node.cacheClusterId)).toEqual([
      'g-0001-001',
      'g-0001-002',
      'g-0002-001',
    ]);
  });

  it('falls back on MemberClusters (node 0001) when the shards list no members', () => {
    const resource = toReplicationGroupResource(group('g'), {});
    expect(resource.writeNodes).toEqual([{ cacheClusterId: 'g-0001-001', cacheNodeId: '0001' }]);
  });

  it('derives cluster mode from ClusterEnabled when ClusterMode is absent', () => {
    const resource = toReplicationGroupResource(
      group('g', { ClusterMode: undefined, ClusterEnabled: false }),
      {},
    );
    expect(resource.clusterMode).toBe('disabled');
  });
});
