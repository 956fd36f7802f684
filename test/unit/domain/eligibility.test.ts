import { describe, expect, it } from 'vitest';
import { durabilityEligibility } from '../../../shared/domain/durability/eligibility.js';
import type { Resource } from '../../../shared/domain/resource.js';

const ready: Resource = {
  type: 'replication-group',
  id: 'orders-1',
  arn: 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:orders-1',
  engine: 'valkey',
  engineVersion: '9.0.1',
  status: 'available',
  clusterMode: 'enabled',
  multiAZ: true,
  minReplicasPerShard: 1,
  transitEncryptionEnabled: true,
  cacheNodeType: 'cache.r7g.large',
  dataTiering: false,
  globalDatastore: false,
  pendingModifications: false,
  tags: {},
};

describe('Function: durabilityEligibility', () => {
  it('accepts a group that meets every requirement', () => {
    expect(durabilityEligibility(ready)).toEqual({ eligible: true, unmet: [] });
  });

  it.each([
    [{ engine: 'redis' }, 'engine must be valkey (is redis)'],
    [{ engineVersion: '8.1' }, 'engine version must be 9.0 or later (is 8.1)'],
    [{ engineVersion: undefined }, 'engine version unknown (must be 9.0 or later)'],
    [{ clusterMode: 'disabled' as const }, 'cluster mode must be enabled (is disabled)'],
    [{ clusterMode: 'compatible' as const }, 'cluster mode must be enabled (is compatible)'],
    [{ multiAZ: false }, 'Multi-AZ must be enabled'],
    [{ minReplicasPerShard: 0 }, 'every shard needs at least 1 replica (fewest: 0)'],
    [{ transitEncryptionEnabled: false }, 'in-transit encryption (TLS) must be enabled'],
    [
      { cacheNodeType: 'cache.r5.large' },
      'node type must be of family r6g|r7g|r8g|m6g|m7g|m8g|c7gn|c8gn (is cache.r5.large)',
    ],
    [
      { cacheNodeType: 'cache.t4g.micro' },
      'node type must be of family r6g|r7g|r8g|m6g|m7g|m8g|c7gn|c8gn (is cache.t4g.micro)',
    ],
    [{ dataTiering: true }, 'data tiering must be off'],
    [{ globalDatastore: true }, 'must not be a Global Datastore member'],
  ])('refuses %o with the reason %s', (change, reason) => {
    expect(durabilityEligibility({ ...ready, ...change })).toEqual({ eligible: false, unmet: [reason] });
  });

  it('accepts later versions and every supported family', () => {
    for (const cacheNodeType of ['cache.m8g.xlarge', 'cache.c7gn.large', 'cache.r6g.12xlarge']) {
      expect(durabilityEligibility({ ...ready, engineVersion: '10.2', cacheNodeType }).eligible).toBe(true);
    }
  });

  it('names every unmet requirement at once', () => {
    // Act
    const result = durabilityEligibility({
      ...ready,
      engineVersion: '8.0',
      clusterMode: 'disabled',
      transitEncryptionEnabled: false,
      minReplicasPerShard: 0,
    });

    // Assess
    expect(result.eligible).toBe(false);
    expect(result.unmet).toHaveLength(4);
  });

  it('never calls a serverless cache eligible', () => {
    expect(durabilityEligibility({ ...ready, type: 'serverless-cache' })).toEqual({
      eligible: false,
      unmet: ['serverless caches cannot be durable'],
    });
  });
});
