/**
 * The readiness planner against the sandbox, the oracle: groups created in each starting
 * state, planned from what the API describes, then carried out one request at a time with
 * a re-plan after every step. The emulator refuses what AWS refuses, so a plan in the wrong
 * order, or with a parameter AWS would not take, fails here.
 */
import {
  CreateReplicationGroupCommand,
  type CreateReplicationGroupCommandInput,
  CreateSnapshotCommand,
  type CreateSnapshotCommandInput,
  ElastiCacheClient,
  IncreaseReplicaCountCommand,
  ModifyReplicationGroupCommand,
  type ModifyReplicationGroupCommandInput,
} from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../infra/local/emulator/server.js';
import { readReplicationGroup } from '../../shared/aws/elasticache.js';
import { readEngineVersions } from '../../shared/aws/engine-versions.js';
import {
  DEFAULT_PLAN_OPTIONS,
  type DurabilityPlan,
  type PlanStep,
  planDurability,
} from '../../shared/domain/durability/readiness.js';
import { base, COMPATIBLE_STEPS, STARTS, TO_COMPATIBLE } from './readiness-fleet.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const STEP_WAIT_MS = 15 * 60_000;
let emulator: Emulator;
let client: ElastiCacheClient;

async function plan(id: string): Promise<DurabilityPlan> {
  const group = await readReplicationGroup(client, id);
  if (group === undefined) throw new Error(`${id} not found`);
  const { versions } = await readEngineVersions(client, [group]);
  return planDurability({ ...group, engineVersion: versions.get(id) }, 'sync', DEFAULT_PLAN_OPTIONS);
}

async function send(step: PlanStep): Promise<void> {
  if (step.api === 'IncreaseReplicaCount') {
    await client.send(new IncreaseReplicaCountCommand(step.params as never));
  } else {
    await client.send(
      new ModifyReplicationGroupCommand(step.params as unknown as ModifyReplicationGroupCommandInput),
    );
  }
  emulator.clock.advance(STEP_WAIT_MS);
}

beforeAll(async () => {
  emulator = await startEmulator();
  emulator.clock.freeze(Date.parse('2026-11-25T10:00:00Z'));
  client = new ElastiCacheClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials });
  for (const [, input] of STARTS) await client.send(new CreateReplicationGroupCommand(input));
  await client.send(
    new CreateReplicationGroupCommand({
      ...base('tiered'),
      CacheNodeType: 'cache.r6gd.xlarge',
      DataTieringEnabled: true,
    }),
  );
  await client.send(new CreateReplicationGroupCommand(TO_COMPATIBLE('compatible')));
  emulator.clock.advance(STEP_WAIT_MS);
  await client.send(
    new ModifyReplicationGroupCommand({
      ReplicationGroupId: 'compatible',
      ClusterMode: 'compatible',
      ApplyImmediately: true,
    }),
  );
  emulator.clock.advance(STEP_WAIT_MS);
});

afterAll(async () => {
  client.destroy();
  await emulator.close();
});

describe('Planner: against the sandbox', () => {
  it.each(STARTS)('brings %s to sync one accepted request at a time', async (id, _input, count) => {
    // Prepare
    const first = await plan(id);
    if (first.verdict !== 'staged' && first.verdict !== 'in-place')
      throw new Error(`${id}: ${first.verdict}`);
    expect(first.steps).toHaveLength(count);

    // Act: each step, then a new plan from what the API says (what the workflow does).
    let current: DurabilityPlan = first;
    for (let done = 0; current.verdict === 'staged' || current.verdict === 'in-place'; done += 1) {
      expect(current.steps).toEqual(first.steps.slice(done));
      const [step] = current.steps;
      if (step === undefined) break;
      await send(step);
      current = await plan(id);
    }

    // Assess
    expect(current).toMatchObject({ verdict: 'not-applicable', reason: 'already sync' });
  });

  it('brings a group in cluster mode compatible to sync, ClusterMode=enabled first', async () => {
    // Prepare
    const first = await plan('compatible');
    if (first.verdict !== 'staged') throw new Error(`expected staged, got ${first.verdict}`);

    // Act
    let current: DurabilityPlan = first;
    for (let sent = 0; current.verdict === 'staged' || current.verdict === 'in-place'; sent += 1) {
      const [step] = current.steps;
      if (step === undefined || sent > COMPATIBLE_STEPS) break;
      await send(step);
      current = await plan('compatible');
    }

    // Assess
    expect(first.steps.map((step) => step.params.ClusterMode ?? step.action)).toEqual([
      'enabled',
      'upgrade-engine',
      'enable-tls',
      'set-durability',
    ]);
    expect(current).toMatchObject({ verdict: 'not-applicable', reason: 'already sync' });
  });

  it('rebuilds a data-tiering group: an empty durable copy, created without its r6gd backup', async () => {
    // Prepare
    const verdict = await plan('tiered');
    if (verdict.verdict !== 'rebuild') throw new Error(`expected rebuild, got ${verdict.verdict}`);
    expect(verdict.recipe.create.params.SnapshotName).toBeUndefined();

    // Act
    await client.send(
      new CreateSnapshotCommand(verdict.recipe.snapshot.params as unknown as CreateSnapshotCommandInput),
    );
    emulator.clock.advance(STEP_WAIT_MS);
    await client.send(
      new CreateReplicationGroupCommand(
        verdict.recipe.create.params as unknown as CreateReplicationGroupCommandInput,
      ),
    );
    emulator.clock.advance(STEP_WAIT_MS);

    // Assess
    const rebuilt = await readReplicationGroup(
      client,
      String(verdict.recipe.create.params.ReplicationGroupId),
    );
    expect(rebuilt).toMatchObject({ effectiveDurability: 'sync', cacheNodeType: 'cache.r7g.8xlarge' });
  });
});
