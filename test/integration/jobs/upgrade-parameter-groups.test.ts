/**
 * The staged durability upgrade of groups on a custom parameter group, through the real ASL
 * file against the sandbox: the Valkey copy is created before the engine step that names it,
 * the cluster-enabled copy before cluster mode, and ElastiCache's refusal without it shows why.
 */
import { DescribeCacheClustersCommand, DescribeCacheParametersCommand } from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import type { ParameterGroupState } from '../../../infra/local/emulator/state.js';
import { runUpgradeLocally } from '../../../infra/local/upgrade-workflow.js';
import { readReplicationGroup, sendPlanStep } from '../../../shared/aws/elasticache.js';
import { readEngineVersionsInto } from '../../../shared/aws/engine-versions.js';
import { createParameterGroupCopy, readParameterGroupsInto } from '../../../shared/aws/parameter-groups.js';
import {
  DEFAULT_PLAN_OPTIONS,
  planDurability,
  STAGED_ACTIONS,
} from '../../../shared/domain/durability/readiness.js';
import type { UpgradeDeps } from '../../../shared/jobs/upgrade/deps.js';
import { groupState, type Stack, stackPerFile, upgradeDepsOf } from '../harness.js';

let stack: Stack;
let deps: UpgradeDeps;
const CHANGES = [
  'ModifyReplicationGroup',
  'IncreaseReplicaCount',
  'CreateSnapshot',
  'CreateCacheParameterGroup',
  'ModifyCacheParameterGroup',
];

function changes(): string[] {
  return stack.emulator.faults.log
    .filter((request) => CHANGES.includes(request.action))
    .map((request) => `${request.action}${request.fault === undefined ? '' : `!${request.fault}`}`);
}

/** A custom group of `family` in the sandbox with `values` set. */
function customGroup(name: string, family: string, values: Record<string, string>): void {
  const group: ParameterGroupState = {
    name,
    family,
    description: 'test',
    parameters: new Map(Object.entries(values)),
    isDefault: false,
  };
  stack.emulator.model.parameterGroups.set(name, group);
}

/** Redis OSS 7.1 with a replica and Multi-AZ, cluster mode disabled, no TLS, on `parameterGroup`. */
function redisGroup(id: string, parameterGroup: string): void {
  stack.emulator.model.putGroup(
    groupState(id, {
      engine: 'redis',
      engineVersion: '7.1',
      clusterMode: 'disabled',
      shards: 1,
      tls: false,
      parameterGroup,
    }),
  );
}

async function memberParameterGroup(id: string) {
  const group = await readReplicationGroup(deps.elasticache, id);
  const answer = await deps.elasticache.send(
    new DescribeCacheClustersCommand({ CacheClusterId: group?.firstMemberCluster ?? '' }),
  );
  return answer.CacheClusters?.[0]?.CacheParameterGroup?.CacheParameterGroupName;
}

async function userValues(name: string) {
  const answer = await deps.elasticache.send(
    new DescribeCacheParametersCommand({ CacheParameterGroupName: name, Source: 'user' }),
  );
  return Object.fromEntries((answer.Parameters ?? []).map((p) => [p.ParameterName, p.ParameterValue]));
}

/** The group's plan as the workflow makes it, facts read from the sandbox. */
async function planOf(id: string) {
  const group = await readReplicationGroup(deps.elasticache, id);
  if (group === undefined) throw new Error(`no group ${id}`);
  await readEngineVersionsInto(deps.elasticache, [group]);
  await readParameterGroupsInto(deps.elasticache, [group], DEFAULT_PLAN_OPTIONS.engineVersion);
  return planDurability(group, 'sync', {
    ...DEFAULT_PLAN_OPTIONS,
    allow: [...STAGED_ACTIONS],
    enforce: true,
  });
}

stackPerFile((started) => {
  stack = started;
  deps = upgradeDepsOf(stack);
});

describe('Durability upgrade on a custom parameter group', () => {
  it('brings a Redis OSS group on a custom parameter group to sync, its copies made first, every request accepted', async () => {
    // Prepare
    customGroup('rates-params', 'redis7', { 'maxmemory-policy': 'allkeys-lru', timeout: '300' });
    redisGroup('rates', 'rates-params');

    // Act
    const run = await runUpgradeLocally(
      deps,
      { replicationGroupId: 'rates', target: 'sync', allow: [...STAGED_ACTIONS], enforce: true },
      {
        clock: { advance: (ms: number) => stack.emulator.clock.advance(ms) },
        executionName: 'pg-1',
        onTaskToken: async () => ({ approved: true, by: 'test' }),
      },
    );

    // Assess
    expect(run.output).toMatchObject({ status: 'succeeded', effectiveDurability: 'sync' });
    expect(changes()).toEqual([
      'CreateSnapshot',
      'CreateCacheParameterGroup', // rates-params-valkey9
      'ModifyCacheParameterGroup',
      'ModifyReplicationGroup', // engine, naming it
      'ModifyReplicationGroup', // TLS preferred
      'CreateCacheParameterGroup', // rates-params-valkey9-cluster-on
      'ModifyCacheParameterGroup',
      'ModifyReplicationGroup', // compatible, naming it
      'ModifyReplicationGroup', // enabled
      'ModifyReplicationGroup', // durability
    ]);
    expect(await memberParameterGroup('rates')).toBe('rates-params-valkey9-cluster-on');
    expect(await userValues('rates-params-valkey9')).toEqual({
      'maxmemory-policy': 'allkeys-lru',
      timeout: '300',
    });
    expect(await userValues('rates-params-valkey9-cluster-on')).toEqual({
      'cluster-enabled': 'yes',
      'maxmemory-policy': 'allkeys-lru',
      timeout: '300',
    });
  });

  it('is refused by the sandbox when the engine step does not name the Valkey group', async () => {
    // Prepare
    customGroup('quotes-params', 'redis7', { timeout: '300' });
    redisGroup('quotes', 'quotes-params');
    const plan = await planOf('quotes');
    if (plan.verdict !== 'staged') throw new Error(`plan is ${plan.verdict}`);
    const [copy, engine] = plan.steps;
    if (copy === undefined || engine === undefined) throw new Error('no steps');
    await createParameterGroupCopy(deps.elasticache, copy);
    const { CacheParameterGroupName: named, ...without } = engine.params;

    // Act
    const refused = await sendPlanStep(
      deps.elasticache,
      { ...engine, params: without },
      async () => false,
    ).then(
      () => undefined,
      (error: unknown) => error,
    );

    // Assess
    expect(named).toBe('quotes-params-valkey9');
    expect(String(refused)).toContain('InvalidParameterCombination');
    expect((await readReplicationGroup(deps.elasticache, 'quotes'))?.engine).toBe('redis');
    await sendPlanStep(deps.elasticache, engine, async () => false);
    expect((await readReplicationGroup(deps.elasticache, 'quotes'))?.status).toBe('modifying');
  });

  it('counts a copy that exists with the same values as made, and refuses one with values of its own', async () => {
    // Prepare
    customGroup('fx-params', 'redis7', { timeout: '300' });
    redisGroup('fx', 'fx-params');
    customGroup('fx-params-valkey9', 'valkey9', { timeout: '300' });

    // Act
    const plan = await planOf('fx');
    const sameAnswer = await createParameterGroupCopy(deps.elasticache, {
      params: {
        CacheParameterGroupName: 'fx-params-valkey9',
        CacheParameterGroupFamily: 'valkey9',
        Description: 'x',
      },
      parameters: { timeout: '300' },
    });
    customGroup('fx-params-valkey9-cluster-on', 'valkey9', { timeout: '10' });
    const conflict = await createParameterGroupCopy(deps.elasticache, {
      params: {
        CacheParameterGroupName: 'fx-params-valkey9-cluster-on',
        CacheParameterGroupFamily: 'valkey9',
        Description: 'x',
      },
      parameters: { timeout: '300', 'cluster-enabled': 'yes' },
    }).catch((error: unknown) => error);

    // Assess
    expect(plan.verdict === 'staged' ? plan.steps[0]?.action : plan.verdict).toBe('upgrade-engine');
    expect(sameAnswer).toBe('existed');
    expect((conflict as Error).name).toBe('ParameterGroupConflict');
    expect(changes()).toEqual([]);
  });
});
