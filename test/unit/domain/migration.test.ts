import { describe, expect, it } from 'vitest';
import {
  inSync,
  type MigrationTarget,
  migrationFate,
  migrationTargetProblems,
  migrationTimings,
  type PreflightGroup,
  preflightFindings,
  syncReading,
} from '../../../shared/domain/migration/index.js';

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

describe('Function: preflightFindings', () => {
  const group: PreflightGroup = { ...ready, status: 'available', pendingModifications: false };

  it('finds nothing in an available target whose source answers with protected mode off', () => {
    const result = preflightFindings(group, 1, [{ name: '10.0.0.5:6379', protectedMode: 'no' }]);

    expect(result).toEqual({ problems: [], notes: [] });
  });

  it.each<[string, Partial<PreflightGroup>, string]>([
    ['migrating', { status: 'migrating' }, 'the group is already migrating'],
    ['modifying', { status: 'modifying' }, 'the group is modifying, not available'],
    ['changing', { pendingModifications: true }, 'the group has pending modifications'],
  ])('refuses a group that is %s', (_, change, problem) => {
    const result = preflightFindings({ ...group, ...change }, 1, []);

    expect(result.problems).toContain(problem);
  });

  it.each([
    [{ error: 'NOAUTH Authentication required.' }, 'requires AUTH, which online migration does not support'],
    [{ error: 'connect ECONNREFUSED 10.0.0.5:6379' }, 'is not reachable: connect ECONNREFUSED'],
    [{ protectedMode: 'yes' }, 'has protected-mode yes'],
  ])('refuses a source that answered %j', (probe, problem) => {
    const result = preflightFindings(group, 1, [{ name: '10.0.0.5:6379', ...probe }]);

    expect(result.problems).toEqual([expect.stringContaining(`source 10.0.0.5:6379 ${problem}`)]);
  });

  it('only notes what it could not read: protected mode, EffectiveDurability', () => {
    const result = preflightFindings({ ...group, effectiveDurability: undefined }, 1, [
      { name: '10.0.0.5:6379' },
    ]);

    expect(result.problems).toEqual([]);
    expect(result.notes).toEqual([
      expect.stringContaining('EffectiveDurability is not reported'),
      expect.stringContaining('protected-mode could not be read'),
    ]);
  });
});

describe('Function: inSync', () => {
  const source = { role: 'master', master_repl_offset: '5000' };
  const target = (extra: Record<string, string>) => ({
    role: 'slave',
    master_link_status: 'up',
    master_sync_in_progress: '0',
    slave_repl_offset: '4000',
    ...extra,
  });

  it('is in sync when the link is up, no full sync runs and the lag is within the limit', () => {
    const reading = syncReading(target({}), source);

    expect(reading).toEqual({ linkStatus: 'up', syncInProgress: false, lagBytes: 1000 });
    expect(inSync(reading, 1000)).toBe(true);
    expect(inSync(reading, 999)).toBe(false);
  });

  it.each([
    ['the link is down', { master_link_status: 'down' }],
    ['a full sync runs', { master_sync_in_progress: '1' }],
    ['the offset is unreadable', { slave_repl_offset: 'n/a' }],
  ])('is not in sync when %s', (_, extra) => {
    expect(inSync(syncReading(target(extra), source), 1_048_576)).toBe(false);
  });
});

describe('Function: migrationFate', () => {
  it.each([
    [{ started: false, aborted: false }, 'not started: the group was not changed'],
    [
      { started: true, aborted: true },
      'aborted with CompleteMigration Force=true: data not synced, the source still serves',
    ],
    [
      { started: true, aborted: false, abortProblem: 'throttled' },
      'abort did not finish (throttled): the group may still be migrating, act by hand',
    ],
  ])('words %j as "%s"', (run, words) => {
    expect(migrationFate(run)).toBe(words);
  });
});

describe('Function: migrationTimings', () => {
  it('lists the phases reached, with seconds when both ends are known', () => {
    const rows = migrationTimings({
      snapshot: { startedAt: '2026-11-25T10:00:00Z', availableAt: '2026-11-25T10:01:30Z' },
      migration: { startedAt: '2026-11-25T10:05:00Z', sync: {} },
    });

    expect(rows).toEqual([
      expect.objectContaining({ step: 'snapshot', seconds: 90 }),
      expect.objectContaining({ step: 'sync', endedAt: undefined, seconds: undefined }),
    ]);
  });
});
