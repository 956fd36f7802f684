import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, runCli } from '../../../cli/main.js';
import { captureIo } from '../../cli-io.js';
import { groupState, type Stack, startStack } from '../harness.js';

const POLICY = `version: 1
rules:
  - name: prod-durability
    mode: enforce
    match: { resourceTypes: [replication-group], tags: { env: prod } }
    durability: { minimum: sync, stagedChanges: { allow: [upgrade-engine, add-replicas, enable-multi-az] } }
`;

let stack: Stack;
let policyPath: string;

interface Step {
  action: string;
  unattended: boolean;
  params: Record<string, unknown>;
  parameters?: Record<string, string>;
}

async function plan(resource: string) {
  const io = captureIo();
  const code = await runCli(
    [
      'plan',
      '--endpoint-url',
      stack.emulator.endpoint,
      '--policy',
      policyPath,
      '--format',
      'json',
      '--resource',
      resource,
    ],
    io,
  );
  const report = JSON.parse(io.out()) as { plans: { resourceId: string; steps?: Step[] }[] };
  return { code, steps: report.plans.find((each) => each.resourceId === resource)?.steps ?? [] };
}

/** Redis OSS 7.1, cluster mode disabled, one replica: Valkey, TLS and cluster mode to go. */
const redisGroup = (id: string, parameterGroup?: string) =>
  groupState(id, {
    engine: 'redis',
    engineVersion: '7.1',
    clusterMode: 'disabled',
    shards: 1,
    tls: false,
    parameterGroup,
  });

beforeAll(async () => {
  stack = await startStack();
  Object.assign(process.env, stack.env, { AWS_ENDPOINT_URL: '' });
  const model = stack.emulator.model;
  model.parameterGroups.set('orders-params', {
    name: 'orders-params',
    family: 'redis7',
    description: 'orders tuning',
    parameters: new Map([['maxmemory-policy', 'allkeys-lru']]),
    isDefault: false,
  });
  model.putGroup(redisGroup('orders', 'orders-params'));
  model.putGroup(redisGroup('carts'));
  const dir = mkdtempSync(join(tmpdir(), 'guardrails-plan-pg-'));
  policyPath = join(dir, 'policy.yaml');
  writeFileSync(policyPath, POLICY);
});

afterAll(() => stack.close());

describe('Command: plan, parameter groups', () => {
  it('creates a Valkey copy of a custom parameter group before the engine step that names it', async () => {
    // Act
    const { code, steps } = await plan('orders');

    // Assess
    expect(code).toBe(EXIT.compliant);
    expect(steps.map((step) => step.action)).toEqual([
      'create-parameter-group',
      'upgrade-engine',
      'enable-tls',
      'create-parameter-group',
      'cluster-mode',
      'cluster-mode',
      'set-durability',
    ]);
    const [copy, engine] = steps;
    expect(copy?.params).toMatchObject({
      CacheParameterGroupName: 'orders-params-valkey9',
      CacheParameterGroupFamily: 'valkey9',
    });
    expect(copy?.parameters).toEqual({ 'maxmemory-policy': 'allkeys-lru' });
    expect(copy?.unattended).toBe(false);
    expect(engine?.params).toMatchObject({
      Engine: 'valkey',
      CacheParameterGroupName: 'orders-params-valkey9',
    });
    expect(steps[3]?.parameters).toEqual({ 'maxmemory-policy': 'allkeys-lru', 'cluster-enabled': 'yes' });
    expect(steps[4]?.params).toMatchObject({
      ClusterMode: 'compatible',
      CacheParameterGroupName: 'orders-params-valkey9-cluster-on',
    });
  });

  it('names the target family default for a group on a default parameter group', async () => {
    // Act
    const { steps } = await plan('carts');

    // Assess
    expect(steps.map((step) => step.action)).not.toContain('create-parameter-group');
    expect(steps.find((step) => step.action === 'upgrade-engine')?.params.CacheParameterGroupName).toBe(
      'default.valkey9',
    );
    expect(
      steps.find((step) => step.params.ClusterMode === 'compatible')?.params.CacheParameterGroupName,
    ).toBe('default.valkey9.cluster.on');
  });

  it('reads only the custom group and its copies: 2 calls for it, 1 per copy not made yet, none for a default group', async () => {
    // Act
    stack.emulator.faults.reset();
    await plan('orders');

    // Assess
    const log = stack.emulator.faults.log.map((entry) => entry.action);
    expect(log.filter((action) => action === 'DescribeCacheParameterGroups')).toHaveLength(3);
    expect(log.filter((action) => action === 'DescribeCacheParameters')).toHaveLength(1);
  });
});
