/**
 * Chapter 7 of `npm start`: an online migration from a self-hosted source (a real redis-server
 * when installed, else a RESP stand-in) into a group, through infra/migration.asl.yaml with its
 * pre-migration snapshot, then the durability the policy asks for.
 */
import { withNode } from '../../../shared/aws/valkey.js';
import type { MigrationDeps } from '../../../shared/jobs/migration/index.js';
import { startRedisServer, startStandIn } from '../emulator/redis-migration.js';
import { runMigrationLocally } from '../migration-workflow.js';
import { ExecutionFailedError, type LocalRunResult } from '../step-functions.js';
import { durabilityText } from './narration.js';
import type { Demo } from './sandbox.js';

const TARGET = 'orders-migrated';

/** A type, not an interface: the run's JSON output converts to it (an interface has no index signature). */
type MigrationOutput = {
  snapshot: { name: string; durability: string; size: string };
  durability: { actions: string[]; reason: string };
  group: { status: string; effectiveDurability: string };
  timings: { step: string; seconds?: number }[];
};

/** The migration's source: redis-server with 5 000 keys, or the stand-in; says which. */
async function startSource(demo: Demo): Promise<{ address: string; port: number; stop(): void }> {
  if (demo.migration.real) {
    const source = await startRedisServer();
    await withNode(source, async (client) => {
      const pipeline = client.pipeline();
      for (let key = 0; key < 5000; key += 1) pipeline.set(`order:${key}`, `value-${key}`);
      await pipeline.exec();
    });
    demo.line(`source: redis-server on ${source.address}:${source.port} with 5 000 keys`);
    return source;
  }
  const standIn = await startStandIn();
  const source = { ...standIn.endpoint, stop: () => standIn.server.close() };
  demo.line(`source: a RESP stand-in on ${source.address}:${source.port}`);
  return source;
}

/** The run's states, snapshot, step timings and the durability step after it; the keys moved. */
async function showMigration(demo: Demo, run: LocalRunResult) {
  const output = run.output as MigrationOutput;
  demo.line(`${run.transitions} state transitions: ${[...new Set(run.states)].join(' > ')}`);
  demo.line(
    `pre-migration snapshot ${output.snapshot.name} (Durability ${durabilityText(output.snapshot.durability)}, ${output.snapshot.size})`,
  );
  demo.line(
    `steps: ${output.timings.map((row) => `${row.step} ${row.seconds ?? '?'} s`).join(', ')} (emulator time)`,
  );
  demo.line(
    `then durability: ${output.durability.actions.join(' > ')}; the group is ${output.group.status}, EffectiveDurability ${output.group.effectiveDurability}`,
  );
  demo.line(`  ${output.durability.reason}`);
  const target = demo.migration.targetEndpoint(TARGET);
  if (demo.migration.real && target !== undefined) {
    const keys = await withNode(target, (client) => client.dbsize());
    demo.line(`the target holds ${keys} keys`);
  }
}

/** Runs the migration workflow locally; a failed execution is printed and sets exit code 1. */
export async function onlineMigration(demo: Demo): Promise<void> {
  const { migration, emulator } = demo;
  demo.say(
    `An online migration into ${TARGET} through infra/migration.asl.yaml (${migration.real ? 'real redis-server source and target' : 'RESP stand-in; install redis-server to move real data'})`,
  );
  // An online-migration target must not have in-transit encryption (AWS's prerequisite), so
  // durability, which needs TLS, cannot be raised in place after it: the demo shows that as it is.
  emulator.model.putGroup(demo.group(TARGET, { tls: false }));
  const source = await startSource(demo);
  const migrationDeps: MigrationDeps = {
    elasticache: demo.clients.elasticache,
    store: demo.store,
    events: demo.events,
    alerts: demo.alerts,
    now: demo.now,
    durability: async () => ({
      deps: demo.durabilityDeps('demo-migration'),
      settings: { policy: demo.policy, dryRun: false },
    }),
  };
  try {
    const run = await runMigrationLocally(
      migrationDeps,
      { replicationGroupId: TARGET, customerEndpoints: [{ address: source.address, port: source.port }] },
      { clock: demo.clock, executionName: 'demo-1', realMsPerWait: migration.real ? 50 : 0 },
    );
    await showMigration(demo, run);
  } catch (error) {
    if (!(error instanceof ExecutionFailedError)) throw error;
    demo.line(`the migration failed: ${error.error}: ${error.causeText}`);
    process.exitCode = 1;
  }
  source.stop();
  demo.reproduce(['plan', '--policy', demo.policyFile, '--resource', TARGET]);
}
