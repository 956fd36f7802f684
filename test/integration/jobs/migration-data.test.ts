import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hasRedisServer,
  type RedisProcess,
  redisServerMigration,
  startRedisServer,
} from '../../../infra/local/emulator/redis-migration.js';
import { runMigrationLocally } from '../../../infra/local/migration-workflow.js';
import { ExecutionFailedError } from '../../../infra/local/step-functions.js';
import { runUpgradeLocally } from '../../../infra/local/upgrade-workflow.js';
import { createMetricsClient, durabilityHealthReader } from '../../../shared/aws/durability-metrics.js';
import { DETAIL_TYPES } from '../../../shared/aws/notify.js';
import { withNode } from '../../../shared/aws/valkey.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import type { MigrationDeps } from '../../../shared/jobs/migration/index.js';
import { groupState, migrationDepsOf, REGION, type Stack, startStack } from '../harness.js';

const KEYS_BEFORE = 20_000;
const KEYS_DURING = 2_000;
/** Durability stays as it is after these migrations: report mode only. */
const reportOnly = parsePolicy(
  'version: 1\nrules:\n  - name: prod-durability\n    match: { tags: { env: prod } }\n    durability: { minimum: sync }\n',
  'report.yaml',
);
/** The same level enforced: the migrated group goes on through the durability upgrade. */
const enforce = parsePolicy(
  'version: 1\nrules:\n  - name: prod-durability\n    mode: enforce\n    match: { tags: { env: prod } }\n    durability: { minimum: sync }\n',
  'enforce.yaml',
);

async function writeKeys(node: RedisProcess, from: number, to: number): Promise<void> {
  await withNode(node, async (client) => {
    const pipeline = client.pipeline();
    for (let key = from; key < to; key += 1) pipeline.set(`order:${key}`, `value-${key}`);
    await pipeline.exec();
  });
}

describe.runIf(hasRedisServer())('Migration workflow with a real redis-server source', () => {
  const backend = redisServerMigration({ syncTimeoutMs: 20_000 });
  let stack: Stack;
  let source: RedisProcess;
  let deps: MigrationDeps;

  beforeAll(async () => {
    stack = await startStack({ migrationBackend: backend });
    source = await startRedisServer();
    deps = migrationDepsOf(stack, { policy: reportOnly, dryRun: true });
  });
  afterAll(async () => {
    backend.close();
    source.stop();
    await stack.close();
  });

  it('loses no key written before or during the migration, then brings the group to sync through the durability upgrade (TLS preferred first)', async () => {
    // Prepare
    // A migration target meets the online-migration prerequisites: no TLS, Multi-AZ.
    stack.emulator.model.putGroup(groupState('orders', { shards: 1, tls: false }));
    const upgrades = {
      start: async (name: string, upgrade: object) => {
        const { elasticache, store, events, now } = deps;
        const readHealth = durabilityHealthReader(
          createMetricsClient({ endpoint: stack.emulator.endpoint, region: REGION }),
        );
        await runUpgradeLocally({ elasticache, store, events, now, readHealth }, upgrade, {
          clock: stack.emulator.clock,
          executionName: name,
          onTaskToken: async () => ({ approved: true }),
        });
        return name;
      },
    };
    const withUpgrade: MigrationDeps = {
      ...migrationDepsOf(stack, { policy: enforce, dryRun: false }),
      upgrades,
    };
    await writeKeys(source, 0, KEYS_BEFORE);
    let during = false;

    // Act: the first sync check runs while the application still writes to the source.
    const run = await runMigrationLocally(
      withUpgrade,
      {
        replicationGroupId: 'orders',
        customerEndpoints: [{ address: source.address, port: source.port }],
        maxLagBytes: 0,
      },
      {
        clock: stack.emulator.clock,
        realMsPerWait: 50,
        executionName: 'zero-loss',
        wrap: {
          'migration-sync': (task) => async (event) => {
            if (!during) {
              during = true;
              await writeKeys(source, KEYS_BEFORE, KEYS_BEFORE + KEYS_DURING);
            }
            return task(event);
          },
        },
      },
    );

    // Assess
    const target = backend.targetEndpoint('orders');
    if (target === undefined) throw new Error('the group has no target');
    const { size, missing, role } = await withNode(target, async (client) => {
      const keys = Array.from({ length: KEYS_BEFORE + KEYS_DURING }, (_, key) => `order:${key}`);
      const values = await client.mget(...keys);
      return {
        size: await client.dbsize(),
        missing: values.filter((value, index) => value !== `value-${index}`).length,
        role: (await client.role())[0],
      };
    });
    expect((run.output as { status: string }).status).toBe('succeeded');
    expect(during).toBe(true);
    expect(missing).toBe(0);
    expect(size).toBe(KEYS_BEFORE + KEYS_DURING);
    expect(role).toBe('master');
    expect(stack.emulator.model.groups.get('orders')).toMatchObject({
      status: 'available',
      tls: true,
      transitEncryptionMode: 'preferred',
      effectiveDurability: 'sync',
    });
  });

  it('reports a forced abort as data not synced, naming the snapshot to restore from', async () => {
    // Prepare
    stack.emulator.model.putGroup(groupState('payments', { shards: 1, tls: false }));

    // Act: the operator rejects the migration at the approval step.
    const failure = await runMigrationLocally(
      deps,
      {
        replicationGroupId: 'payments',
        customerEndpoints: [{ address: source.address, port: source.port }],
        requireApproval: true,
      },
      {
        clock: stack.emulator.clock,
        realMsPerWait: 50,
        executionName: 'rejected',
        onTaskToken: async () => {
          throw Object.assign(new Error('rejected by oncall'), { name: 'MigrationRejected' });
        },
      },
    ).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(ExecutionFailedError);
    const outcome = stack.emulator.sinks.events
      .filter((event) => event.detailType === DETAIL_TYPES.migrationOutcome)
      .map((event) => event.detail as Record<string, unknown>)
      .find((detail) => detail.replicationGroupId === 'payments');
    expect(outcome).toMatchObject({
      status: 'failed',
      error: 'MigrationRejected',
      dataSynced: false,
      restoreFrom: 'payments-premigration-rejected',
    });
    expect(String(outcome?.migration)).toContain('data not synced');
    const events = stack.emulator.model.events.filter((event) => event.SourceIdentifier === 'payments');
    expect(events.at(-1)?.Message).toBe('Migration stopped for payments without data sync (forced)');
  });
});
