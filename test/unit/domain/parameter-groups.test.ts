import { describe, expect, it } from 'vitest';
import { copyName, parameterGroupFamily } from '../../../shared/domain/durability/parameter-groups.js';
import {
  DEFAULT_PLAN_OPTIONS,
  type GroupFacts,
  planDurability,
  STAGED_ACTIONS,
} from '../../../shared/domain/durability/readiness.js';
import type { ParameterGroupFacts } from '../../../shared/domain/resource.js';

const custom = (overrides: Partial<ParameterGroupFacts> = {}): ParameterGroupFacts => ({
  name: 'orders-params',
  family: 'redis7',
  isDefault: false,
  userParameters: { 'maxmemory-policy': 'allkeys-lru' },
  copies: {},
  ...overrides,
});

/** Redis OSS 7.1, cluster mode disabled, a replica with Multi-AZ and TLS, on r7g. */
function group(overrides: Partial<GroupFacts> = {}): GroupFacts {
  return {
    type: 'replication-group',
    id: 'orders',
    engine: 'redis',
    engineVersion: '7.1',
    clusterMode: 'disabled',
    shards: 1,
    minReplicasPerShard: 1,
    multiAZ: true,
    transitEncryptionEnabled: true,
    cacheNodeType: 'cache.r7g.large',
    dataTiering: false,
    globalDatastore: false,
    pendingModifications: false,
    effectiveDurability: 'disabled',
    ...overrides,
  };
}

const options = { ...DEFAULT_PLAN_OPTIONS, allow: [...STAGED_ACTIONS], enforce: true };
const stepsOf = (facts: GroupFacts) => {
  const plan = planDurability(facts, 'sync', options);
  if (plan.verdict !== 'staged') throw new Error(`plan is ${plan.verdict}`);
  return plan.steps;
};

describe('Function: parameterGroupFamily', () => {
  it('maps engine versions to their parameter group family', () => {
    expect(parameterGroupFamily('redis', '6.2')).toBe('redis6.x');
    expect(parameterGroupFamily('redis', '7.1')).toBe('redis7');
    expect(parameterGroupFamily('valkey', '8.1')).toBe('valkey8');
    expect(parameterGroupFamily('valkey', '9.0')).toBe('valkey9');
  });
});

describe('Function: copyName', () => {
  it('replaces a copy suffix instead of adding to it', () => {
    expect(copyName('orders-params', 'valkey9', false)).toBe('orders-params-valkey9');
    expect(copyName('orders-params-valkey9', 'valkey9', true)).toBe('orders-params-valkey9-cluster-on');
    expect(copyName('orders-params-redis6-x', 'valkey9', false)).toBe('orders-params-valkey9');
  });
});

describe('Function: planDurability with parameter groups', () => {
  it('names the default group of the target family for a group on a default one', () => {
    const steps = stepsOf(
      group({ parameterGroup: custom({ name: 'default.redis7', isDefault: true, userParameters: {} }) }),
    );

    expect(steps.map((step) => step.action)).toEqual([
      'upgrade-engine',
      'cluster-mode',
      'cluster-mode',
      'set-durability',
    ]);
    expect(steps[0]?.params.CacheParameterGroupName).toBe('default.valkey9');
    expect(steps[1]?.params.CacheParameterGroupName).toBe('default.valkey9.cluster.on');
    expect(steps[2]?.params.CacheParameterGroupName).toBeUndefined();
  });

  it('creates the Valkey copy of a custom group before the engine step, never unattended', () => {
    const steps = stepsOf(group({ parameterGroup: custom() }));

    expect(steps.map((step) => step.action)).toEqual([
      'create-parameter-group',
      'upgrade-engine',
      'create-parameter-group',
      'cluster-mode',
      'cluster-mode',
      'set-durability',
    ]);
    expect(steps[0]).toMatchObject({
      api: 'CreateCacheParameterGroup',
      params: { CacheParameterGroupName: 'orders-params-valkey9', CacheParameterGroupFamily: 'valkey9' },
      parameters: { 'maxmemory-policy': 'allkeys-lru' },
      unattended: false,
    });
    expect(steps[1]?.params.CacheParameterGroupName).toBe('orders-params-valkey9');
    expect(steps[2]?.parameters).toEqual({ 'maxmemory-policy': 'allkeys-lru', 'cluster-enabled': 'yes' });
    expect(steps[3]?.params).toMatchObject({
      ClusterMode: 'compatible',
      CacheParameterGroupName: 'orders-params-valkey9-cluster-on',
    });
  });

  it('uses a copy that exists with the same values, and creates one whose values differ', () => {
    const copies = {
      'orders-params-valkey9': { family: 'valkey9', userParameters: { 'maxmemory-policy': 'allkeys-lru' } },
      'orders-params-valkey9-cluster-on': { family: 'valkey9', userParameters: { timeout: '5' } },
    };
    const steps = stepsOf(group({ parameterGroup: custom({ copies }) }));

    expect(steps.map((step) => step.action)).toEqual([
      'upgrade-engine',
      'create-parameter-group',
      'cluster-mode',
      'cluster-mode',
      'set-durability',
    ]);
  });

  it('needs a copy of the new family for a major version of Valkey, none for cluster mode already enabled', () => {
    const steps = stepsOf(
      group({
        engine: 'valkey',
        engineVersion: '8.1',
        clusterMode: 'enabled',
        parameterGroup: custom({
          name: 'feed-params',
          family: 'valkey8',
          userParameters: { 'cluster-enabled': 'yes' },
        }),
      }),
    );

    expect(steps.map((step) => step.action)).toEqual([
      'create-parameter-group',
      'upgrade-engine',
      'set-durability',
    ]);
    expect(steps[0]?.params.CacheParameterGroupName).toBe('feed-params-valkey9-cluster-on');
  });

  it('leaves the steps as they were when the parameter group was not read', () => {
    const steps = stepsOf(group());

    expect(steps.some((step) => 'CacheParameterGroupName' in step.params)).toBe(false);
    expect(steps[0]?.notes).toContain(
      'a custom parameter group needs a Valkey one passed as CacheParameterGroupName',
    );
  });
});
