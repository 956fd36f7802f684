import { describe, expect, it } from 'vitest';
import { planFleet, withPlanVerdicts, workloadReads } from '../../../shared/domain/durability/fleet-plan.js';
import { NODE_MEMORY_GIB, nodeCapacityGiB } from '../../../shared/domain/durability/node-types.js';
import {
  DEFAULT_PLAN_OPTIONS,
  type GroupFacts,
  type PlanOptions,
  planDurability,
} from '../../../shared/domain/durability/readiness.js';
import { evaluate } from '../../../shared/domain/evaluate.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import type { Resource } from '../../../shared/domain/resource.js';
import { expectEvery } from '../../expect-every.js';

/** A group that already meets every prerequisite of durability, not yet durable. */
const READY: GroupFacts = {
  type: 'replication-group',
  id: 'orders',
  engine: 'valkey',
  engineVersion: '9.0',
  clusterMode: 'enabled',
  shards: 2,
  minReplicasPerShard: 1,
  multiAZ: true,
  automaticFailover: true,
  transitEncryptionEnabled: true,
  transitEncryptionMode: 'preferred',
  cacheNodeType: 'cache.r7g.large',
  dataTiering: false,
  globalDatastore: false,
  pendingModifications: false,
  effectiveDurability: 'disabled',
};

/** The oldest online starting point: Valkey 7.2, cluster mode disabled, no TLS, no replica. */
const LEGACY: Partial<GroupFacts> = {
  engineVersion: '7.2',
  clusterMode: 'disabled',
  shards: 1,
  minReplicasPerShard: 0,
  multiAZ: false,
  automaticFailover: false,
  transitEncryptionEnabled: false,
  transitEncryptionMode: undefined,
};

/** A data-tiering group on 2 shards, with durability's other prerequisites met. */
const LEGACY_TIERED: GroupFacts = { ...READY, shards: 2, dataTiering: true };

const ENGINE = 'upgrade-engine';
const NODE = 'scale-node';
const REPLICAS = 'add-replicas';
const MAZ = 'enable-multi-az';
const TLS = 'enable-tls';
const CM = 'cluster-mode';
const DUR = 'set-durability';

/**
 * The expected plan of each starting state, written by hand from the user guide's order
 * (engine, node type, replicas, Multi-AZ, TLS, cluster mode compatible then enabled,
 * durability alone; a group already `compatible` takes no other change before `enabled`).
 * Blockers and missing facts are matched by a word each must contain.
 */
const TABLE: Array<[name: string, change: Partial<GroupFacts>, verdict: string, expected: string[]]> = [
  ['ready', {}, 'in-place', [DUR]],
  ['ready on Valkey 9.1', { engineVersion: '9.1' }, 'in-place', [DUR]],
  ['ready on m7g', { cacheNodeType: 'cache.m7g.xlarge' }, 'in-place', [DUR]],
  ['ready on c7gn', { cacheNodeType: 'cache.c7gn.large' }, 'in-place', [DUR]],
  ['ready, one shard', { shards: 1 }, 'in-place', [DUR]],
  ['ready, TLS required', { transitEncryptionMode: 'required' }, 'in-place', [DUR]],
  ['Valkey 8.0', { engineVersion: '8.0' }, 'staged', [ENGINE, DUR]],
  ['Valkey 8.2', { engineVersion: '8.2' }, 'staged', [ENGINE, DUR]],
  ['Redis OSS 7.1', { engine: 'redis', engineVersion: '7.1' }, 'staged', [ENGINE, DUR]],
  ['Redis OSS 5.0.6', { engine: 'redis', engineVersion: '5.0.6' }, 'staged', [ENGINE, DUR]],
  ['r6g is durable already', { cacheNodeType: 'cache.r6g.large' }, 'in-place', [DUR]],
  ['r5 node', { cacheNodeType: 'cache.r5.large' }, 'staged', [NODE, DUR]],
  ['m5 node', { cacheNodeType: 'cache.m5.xlarge' }, 'staged', [NODE, DUR]],
  ['t4g node', { cacheNodeType: 'cache.t4g.medium' }, 'staged', [NODE, DUR]],
  ['no replica', { minReplicasPerShard: 0, multiAZ: false }, 'staged', [REPLICAS, MAZ, DUR]],
  ['no Multi-AZ', { multiAZ: false }, 'staged', [MAZ, DUR]],
  ['no TLS', { transitEncryptionEnabled: false, transitEncryptionMode: undefined }, 'staged', [TLS, DUR]],
  ['cluster mode disabled', { clusterMode: 'disabled', shards: 1 }, 'staged', [CM, CM, DUR]],
  ['cluster mode compatible', { clusterMode: 'compatible', shards: 1 }, 'staged', [CM, DUR]],
  [
    'compatible Redis OSS 7.1 on m5, no Multi-AZ',
    {
      clusterMode: 'compatible',
      shards: 1,
      engine: 'redis',
      engineVersion: '7.1',
      cacheNodeType: 'cache.m5.large',
      multiAZ: false,
    },
    'staged',
    [CM, ENGINE, NODE, MAZ, DUR],
  ],
  ['legacy Valkey 7.2', LEGACY, 'staged', [ENGINE, REPLICAS, MAZ, TLS, CM, CM, DUR]],
  [
    'legacy Redis OSS 6.2 on m5',
    { ...LEGACY, engine: 'redis', engineVersion: '6.2', cacheNodeType: 'cache.m5.large' },
    'staged',
    [ENGINE, NODE, REPLICAS, MAZ, TLS, CM, CM, DUR],
  ],
  [
    'Valkey 8.0, no TLS, compatible',
    { engineVersion: '8.0', transitEncryptionEnabled: false, clusterMode: 'compatible' },
    'staged',
    [CM, ENGINE, TLS, DUR],
  ],
  ['async wants sync', { effectiveDurability: 'async' }, 'in-place', [DUR]],
  ['already sync', { effectiveDurability: 'sync' }, 'not-applicable', ['already sync']],
  ['serverless', { type: 'serverless-cache' }, 'not-applicable', ['serverless']],
  ['data tiering', { dataTiering: true, cacheNodeType: 'cache.r6gd.xlarge' }, 'rebuild', ['r6gd']],
  ['r5.24xlarge: no durable node is as large', { cacheNodeType: 'cache.r5.24xlarge' }, 'rebuild', ['635.61']],
  ['a node type of unknown memory', { cacheNodeType: 'cache.x2gd.large' }, 'unknown', ['memory of']],
  ['Global Datastore member', { globalDatastore: true }, 'rebuild', ['Global Datastore']],
  ['memcached', { engine: 'memcached' }, 'rebuild', ['memcached']],
  [
    'data tiering and no TLS on 7.2',
    { ...LEGACY, dataTiering: true, cacheNodeType: 'cache.r6gd.2xlarge' },
    'rebuild',
    ['data tiering'],
  ],
  ['no engine version', { engineVersion: undefined }, 'unknown', ['engine version']],
  ['no EffectiveDurability', { effectiveDurability: undefined }, 'unknown', ['EffectiveDurability']],
  [
    'no node type',
    { cacheNodeType: undefined, minReplicasPerShard: undefined },
    'unknown',
    ['replicas per shard', 'node type'],
  ],
];

function summarise(plan: ReturnType<typeof planDurability>): string[] {
  switch (plan.verdict) {
    case 'in-place':
    case 'staged':
      return plan.steps.map((step) => step.action);
    case 'rebuild':
      return plan.blockers;
    case 'not-applicable':
      return [plan.reason];
    case 'unknown':
      return plan.missing;
  }
}

describe('Function: planDurability', () => {
  it.each(TABLE)('plans %s', (_name, change, verdict, expected) => {
    // Act
    const plan = planDurability({ ...READY, ...change }, 'sync');

    // Assess
    expect(plan.verdict).toBe(verdict);
    const got = summarise(plan);
    if (verdict === 'rebuild' || verdict === 'unknown') {
      expect(got).toHaveLength(expected.length);
      for (const [index, word] of expected.entries()) expect(got[index]).toContain(word);
    } else if (verdict === 'not-applicable') {
      expect(got[0]).toContain(expected[0]);
    } else {
      expect(got).toEqual(expected);
    }
  });

  it('never plans a downgrade: a group above the target has nothing to do', () => {
    const plan = planDurability({ ...READY, effectiveDurability: 'sync' }, 'async');
    expect(plan).toMatchObject({ verdict: 'not-applicable', reason: 'already sync' });
  });

  it('covers at least 30 starting states', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(30);
  });

  it('sends each prerequisite as its own request with the exact parameters, durability alone last', () => {
    // Act
    const plan = planDurability({ ...READY, ...LEGACY }, 'async');

    // Assess
    if (plan.verdict !== 'staged') throw new Error(`expected staged, got ${plan.verdict}`);
    expect(plan.steps.map((step) => [step.api, step.params])).toEqual([
      [
        'ModifyReplicationGroup',
        { ReplicationGroupId: 'orders', Engine: 'valkey', EngineVersion: '9.0', ApplyImmediately: true },
      ],
      ['IncreaseReplicaCount', { ReplicationGroupId: 'orders', NewReplicaCount: 1, ApplyImmediately: true }],
      [
        'ModifyReplicationGroup',
        {
          ReplicationGroupId: 'orders',
          AutomaticFailoverEnabled: true,
          MultiAZEnabled: true,
          ApplyImmediately: true,
        },
      ],
      [
        'ModifyReplicationGroup',
        {
          ReplicationGroupId: 'orders',
          TransitEncryptionEnabled: true,
          TransitEncryptionMode: 'preferred',
          ApplyImmediately: true,
        },
      ],
      [
        'ModifyReplicationGroup',
        { ReplicationGroupId: 'orders', ClusterMode: 'compatible', ApplyImmediately: true },
      ],
      [
        'ModifyReplicationGroup',
        { ReplicationGroupId: 'orders', ClusterMode: 'enabled', ApplyImmediately: true },
      ],
      [
        'ModifyReplicationGroup',
        { ReplicationGroupId: 'orders', Durability: 'async', ApplyImmediately: true },
      ],
    ]);
    expectEvery(plan.steps, (step) => step.expectedMinutes > 0, 'steps');
  });

  it('lets a step run unattended only when the policy allows it and clients need not switch', () => {
    // Prepare
    const options: PlanOptions = {
      ...DEFAULT_PLAN_OPTIONS,
      enforce: true,
      allow: ['upgrade-engine', 'add-replicas', 'enable-multi-az', 'cluster-mode'],
    };

    // Act
    const plan = planDurability({ ...READY, ...LEGACY }, 'sync', options);

    // Assess
    if (plan.verdict !== 'staged') throw new Error(`expected staged, got ${plan.verdict}`);
    expect(plan.steps.map((step) => `${step.action}:${step.unattended}`)).toEqual([
      'upgrade-engine:true',
      'add-replicas:true',
      'enable-multi-az:true',
      'enable-tls:false',
      'cluster-mode:true',
      'cluster-mode:false',
      'set-durability:true',
    ]);
    expect(plan.needApproval).toBe(2);
    expect(plan.steps[5]?.clientImpact).toBe('clients-must-switch');
  });

  it('waits for an approval at every step by default (plan only)', () => {
    const plan = planDurability({ ...READY, engineVersion: '8.0' }, 'sync');
    if (plan.verdict !== 'staged') throw new Error(`expected staged, got ${plan.verdict}`);
    expect(plan.needApproval).toBe(plan.steps.length);
  });

  it('rebuilds a Global Datastore member from its snapshot on the same node type', () => {
    // Act
    const plan = planDurability({ ...READY, shards: 3, globalDatastore: true }, 'sync');

    // Assess
    if (plan.verdict !== 'rebuild') throw new Error(`expected rebuild, got ${plan.verdict}`);
    expect(plan.recipe.create.params).toMatchObject({
      SnapshotName: plan.recipe.snapshot.params.SnapshotName,
      ClusterMode: 'enabled',
      NumNodeGroups: 3,
      MultiAZEnabled: true,
      TransitEncryptionEnabled: true,
      Durability: 'sync',
      CacheNodeType: 'cache.r7g.large',
    });
  });

  it('gives a data-tiering group a copy created empty, never from its r6gd backup, to be reloaded', () => {
    // Act
    const plan = planDurability(
      { ...READY, shards: 3, dataTiering: true, cacheNodeType: 'cache.r6gd.xlarge' },
      'sync',
    );

    // Assess
    if (plan.verdict !== 'rebuild') throw new Error(`expected rebuild, got ${plan.verdict}`);
    expect(plan.recipe.create.params).not.toHaveProperty('SnapshotName');
    expect(plan.recipe.create.params).toMatchObject({ DataTieringEnabled: false, Durability: 'sync' });
    expect(plan.recipe.afterwards[0]).toMatch(/starts empty.*restores only into r6gd.*reload the data/);
  });

  it.each(Object.keys(NODE_MEMORY_GIB.r6gd ?? {}))(
    'plans no restore of an r6gd.%s backup into another family, and no less memory and SSD',
    (size) => {
      // Prepare
      const source = `cache.r6gd.${size}`;

      // Act
      const plan = planDurability({ ...LEGACY_TIERED, cacheNodeType: source }, 'sync');

      // Assess
      if (plan.verdict !== 'rebuild') throw new Error(`expected rebuild, got ${plan.verdict}`);
      const { params } = plan.recipe.create;
      expect(params.SnapshotName).toBeUndefined();
      const shards = Number(params.NumNodeGroups);
      const held = shards * (nodeCapacityGiB(String(params.CacheNodeType)) ?? 0);
      expect(held).toBeGreaterThanOrEqual(2 * (nodeCapacityGiB(source) ?? Number.POSITIVE_INFINITY));
    },
  );

  it.each(
    Object.entries(NODE_MEMORY_GIB).flatMap(([family, sizes]) =>
      Object.keys(sizes).map((size) => `cache.${family}.${size}`),
    ),
  )('never shrinks memory: %s', (source) => {
    // Act
    const plan = planDurability({ ...READY, cacheNodeType: source }, 'sync');

    // Assess
    const scale =
      plan.verdict === 'staged' ? plan.steps.find((step) => step.action === 'scale-node') : undefined;
    const target =
      scale?.params.CacheNodeType ??
      (plan.verdict === 'rebuild' ? plan.recipe.create.params.CacheNodeType : source);
    const shards =
      plan.verdict === 'rebuild' ? Number(plan.recipe.create.params.NumNodeGroups) : (READY.shards ?? 1);
    const capacity = (type: unknown) => nodeCapacityGiB(String(type)) ?? 0;
    expect(shards * capacity(target)).toBeGreaterThanOrEqual((READY.shards ?? 1) * capacity(source));
  });

  it('turns a group with durability off into a rebuild under the creation-only switch rule', () => {
    const plan = planDurability(READY, 'sync', {
      ...DEFAULT_PLAN_OPTIONS,
      durabilitySwitch: 'creation-only',
    });
    expect(plan.verdict).toBe('rebuild');
    // A group already durable may still change level.
    const raise = planDurability({ ...READY, effectiveDurability: 'async' }, 'sync', {
      ...DEFAULT_PLAN_OPTIONS,
      durabilitySwitch: 'creation-only',
    });
    expect(raise.verdict).toBe('in-place');
  });
});

describe('Step: add-shards', () => {
  it('reshards a cluster-mode-enabled group to the count asked for, before durability, with the exact request', () => {
    // Act
    const plan = planDurability(READY, 'sync', { ...DEFAULT_PLAN_OPTIONS, shards: 4 });

    // Assess
    expect(plan.verdict).toBe('staged');
    if (plan.verdict !== 'staged') return;
    expect(plan.steps.map((step) => step.action)).toEqual(['add-shards', DUR]);
    expect(plan.steps[0]).toMatchObject({
      api: 'ModifyReplicationGroupShardConfiguration',
      params: { ReplicationGroupId: 'orders', NodeGroupCount: 4, ApplyImmediately: true },
      clientImpact: 'none',
      unattended: false,
    });
  });

  it('runs unattended only under stagedChanges.allow: [add-shards]', () => {
    const plan = planDurability(READY, 'sync', { ...DEFAULT_PLAN_OPTIONS, shards: 4, allow: ['add-shards'] });
    expect(plan.verdict === 'staged' && plan.steps[0]).toMatchObject({
      action: 'add-shards',
      unattended: true,
    });
  });

  it('comes after every other prerequisite of a group that needs them', () => {
    const plan = planDurability({ ...READY, engineVersion: '8.0', transitEncryptionEnabled: false }, 'sync', {
      ...DEFAULT_PLAN_OPTIONS,
      shards: 3,
    });
    expect(plan.verdict === 'staged' && plan.steps.map((step) => step.action)).toEqual([
      ENGINE,
      TLS,
      'add-shards',
      DUR,
    ]);
  });

  it.each([
    ['cluster mode disabled', { clusterMode: 'disabled' as const, shards: 1 }, 4],
    ['cluster mode compatible', { clusterMode: 'compatible' as const, shards: 1 }, 4],
    ['as many shards already', {}, 2],
    ['more shards already', {}, 1],
  ])('plans no resharding with %s', (_name, change, shards) => {
    const plan = planDurability({ ...READY, ...change }, 'sync', { ...DEFAULT_PLAN_OPTIONS, shards });
    expect(
      plan.verdict !== 'rebuild' && 'steps' in plan && plan.steps.map((step) => step.action),
    ).not.toContain('add-shards');
  });
});

describe('Function: planFleet', () => {
  const policyWith = (settings: string) =>
    parsePolicy(
      `version: 1
settings: { ${settings} }
rules:
  - name: durable
    mode: enforce
    durability: { minimum: sync, stagedChanges: { allow: [enable-tls] } }
`,
      'p.yaml',
    );
  const fleet: Resource[] = [
    {
      ...READY,
      arn: 'arn:aws:elasticache:us-east-1:1:replicationgroup:orders',
      status: 'available',
      tags: {},
    },
  ];
  const now = new Date('2026-11-25T10:00:00Z');

  it('plans each covered group under its rule: the staged allowance, unattended durability under enforce', () => {
    const policy = policyWith('maxActionsPerRun: 1');
    const [plan] = planFleet(fleet, evaluate(fleet, policy, now), policy);
    expect(plan).toMatchObject({
      rule: 'durable',
      status: 'violation',
      plan: { verdict: 'in-place', needApproval: 0 },
    });
  });

  it('gives each group its workload fit, and more shards first when its primaries peak above the headroom', () => {
    // Prepare: a primary at 120 MiB/s on a group of 2 shards
    const policy = policyWith('maxActionsPerRun: 1');
    const read: number[] = [];
    const lookup = (_arn: string, days: number) => {
      read.push(days);
      return {
        primaries: [
          { shardId: '0001', cacheClusterId: 'orders-0001-001', peakWriteMiBs: 120 },
          { shardId: '0002', cacheClusterId: 'orders-0002-001', peakWriteMiBs: 90 },
        ],
        searchIndexes: 'unknown' as const,
        method: 'test',
      };
    };

    // Act
    const [plan] = planFleet(fleet, evaluate(fleet, policy, now), policy, lookup);

    // Assess
    expect(read).toEqual([14]);
    expect(plan?.fit).toMatchObject({ verdict: 'exceeds', peakWriteMiBs: 120 });
    expect(plan?.plan.verdict === 'staged' && plan.plan.steps.map((step) => step.summary)).toEqual([
      'add shards: 2 → 4 (slots rebalanced online)',
      'set Durability=sync',
    ]);
    expect(workloadReads(plan === undefined ? [] : [plan], policy)).toEqual(new Map([[14, fleet]]));
  });

  it('says unknown when the workload was not read, and plans no shards', () => {
    const policy = policyWith('maxActionsPerRun: 1');
    const [plan] = planFleet(fleet, evaluate(fleet, policy, now), policy);
    expect(plan?.fit.verdict).toBe('unknown');
    expect(plan?.plan.verdict).toBe('in-place');
  });

  it('gives a rebuild under the policy setting durabilitySwitch: creation-only', () => {
    const policy = policyWith('durabilitySwitch: creation-only');
    const [plan] = planFleet(fleet, evaluate(fleet, policy, now), policy);
    expect(plan?.plan.verdict).toBe('rebuild');
  });

  it('puts the plan only on the durability finding, not on the same rule\u2019s other checks', () => {
    // Prepare: one rule with two checks, both violated
    const policy = parsePolicy(
      `version: 1
rules:
  - name: durable
    durability: { minimum: sync }
    storageEncryption: { allowed: [sse-kms] }
`,
      'p.yaml',
    );
    const encrypted = fleet.map((resource) => ({
      ...resource,
      storageEncryptionType: 'sse-elasticache' as const,
    }));
    const evaluated = evaluate(encrypted, policy, now);

    // Act
    const findings = withPlanVerdicts(evaluated, planFleet(encrypted, evaluated, policy));

    // Assess
    expect(findings.map(({ check, status, action }) => ({ check, status, action }))).toEqual([
      { check: 'durability', status: 'violation', action: 'in-place: 1 step, 1 needs approval' },
      { check: 'storageEncryption', status: 'violation', action: null },
    ]);
  });
});
