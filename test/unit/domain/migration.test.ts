import { describe, expect, it } from 'vitest';
import { type MigrationTarget, migrationTargetProblems } from '../../../shared/domain/migration/index.js';

const ready: MigrationTarget = {
  id: 'orders',
  engine: 'valkey',
  engineVersion: '8.1',
  clusterMode: 'disabled',
  transitEncryptionEnabled: false,
  multiAZ: true,
  dataTiering: false,
  globalDatastore: false,
  effectiveDurability: 'disabled',
};

describe('Function: migrationTargetProblems', () => {
  it('finds nothing wrong with a Valkey target without TLS, with Multi-AZ, given one endpoint', () => {
    expect(migrationTargetProblems(ready, 1)).toEqual([]);
  });

  it.each<[string, Partial<MigrationTarget>, number, RegExp]>([
    ['TLS on', { transitEncryptionEnabled: true }, 1, /in-transit encryption is enabled/],
    ['Multi-AZ off', { multiAZ: false }, 1, /Multi-AZ is disabled/],
    ['data tiering', { dataTiering: true }, 1, /data tiering/],
    ['a Global Datastore member', { globalDatastore: true }, 1, /Global Datastore/],
    ['durable', { effectiveDurability: 'sync' }, 1, /EffectiveDurability is sync/],
    ['two endpoints', {}, 2, /exactly one customer endpoint, got 2/],
    [
      'two endpoints with cluster mode enabled',
      { clusterMode: 'enabled' },
      2,
      /exactly one customer endpoint/,
    ],
    [
      'Redis OSS 5.0.4',
      { engine: 'redis', engineVersion: '5.0.4' },
      1,
      /5\.0\.4 is too old: a target needs 5\.0\.5/,
    ],
    [
      'Redis OSS 5.0.5 with cluster mode enabled',
      { engine: 'redis', engineVersion: '5.0.5', clusterMode: 'enabled' },
      1,
      /needs 5\.0\.6/,
    ],
    ['Redis OSS of unknown version', { engine: 'redis', engineVersion: undefined }, 1, /could not be read/],
  ])('refuses a target with %s', (_, change, endpoints, problem) => {
    const problems = migrationTargetProblems({ ...ready, ...change }, endpoints);

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it.each([
    ['5.0.5', 'disabled'],
    ['5.0.6', 'enabled'],
    ['7.1', 'enabled'],
  ] as const)('takes Redis OSS %s with cluster mode %s', (engineVersion, clusterMode) => {
    expect(migrationTargetProblems({ ...ready, engine: 'redis', engineVersion, clusterMode }, 1)).toEqual([]);
  });

  it('names every problem at once', () => {
    expect(
      migrationTargetProblems({ ...ready, transitEncryptionEnabled: true, multiAZ: false }, 3),
    ).toHaveLength(3);
  });
});
