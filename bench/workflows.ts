/**
 * Workflows end to end against the sandbox: a migration through the real ASL with the default
 * polling, and the durability reaction's latency from event in to ModifyReplicationGroup out.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Context } from 'aws-lambda';
import { STATE_TABLE, startDynamo } from '../infra/local/dynamo.js';
import type { GroupState } from '../infra/local/emulator/model.js';
import { startStandIn } from '../infra/local/emulator/redis-migration.js';
import { startEmulator } from '../infra/local/emulator/server.js';
import { MIGRATION_ASL, runMigrationLocally } from '../infra/local/migration-workflow.js';
import { loadDefinition } from '../infra/local/step-functions.js';
import { createFleetClients } from '../shared/aws/clients.js';
import { EventPublisher } from '../shared/aws/notify.js';
import { StateStore } from '../shared/aws/state-store.js';
import { parsePolicy } from '../shared/domain/policy/load.js';
import type { MigrationDeps } from '../shared/jobs/migration/index.js';
import { createLogger } from '../shared/runtime/logger.js';
import { REGION, round, rows } from './common.js';

/** A durable-capable group (cluster mode, Multi-AZ, TLS, r7g, Valkey 9) with durability off. */
function benchGroup(id: string, overrides: Partial<GroupState> = {}): GroupState {
  return {
    id,
    description: 'bench',
    engine: 'valkey',
    engineVersion: '9.0',
    status: 'available',
    clusterMode: 'enabled',
    shards: 1,
    replicas: 1,
    multiAZ: true,
    tls: true,
    atRestEncryptionEnabled: true,
    durability: 'default',
    effectiveDurability: 'disabled',
    encrypted: true,
    nodeType: 'cache.r7g.large',
    dataTiering: false,
    createdAt: Date.parse('2026-01-01T00:00:00Z'),
    legacyApi: false,
    pending: {},
    tags: new Map([['env', 'prod']]),
    ...overrides,
  };
}

const ENFORCE_POLICY = `version: 1
settings: { maxActionsPerRun: 100 }
rules:
  - name: prod-durability
    mode: enforce
    match: { tags: { env: prod } }
    durability: { minimum: sync }
    snapshotBeforeChange: SNAPSHOT
`;

/**
 * A migration whose sync takes 2 hours of emulator time, run through the ASL with the default
 * polling, including the pre-migration snapshot and raising durability afterwards.
 */
export async function migrationTransitions(): Promise<void> {
  const emulator = await startEmulator();
  emulator.clock.freeze(Date.parse('2026-11-25T10:00:00Z'));
  const dynamo = await startDynamo();
  const source = await startStandIn();
  emulator.model.putGroup({ ...benchGroup('orders'), tls: false }); // a migration target has TLS off
  const aws = { endpoint: emulator.endpoint, region: REGION };
  const store = new StateStore(STATE_TABLE, { endpoint: dynamo.endpoint, region: REGION });
  const logger = createLogger('bench');
  logger.setLogLevel('SILENT');
  const now = () => new Date(emulator.clock.now());
  const clients = createFleetClients(aws);
  const events = new EventPublisher(undefined, aws);
  let syncedAt = Number.POSITIVE_INFINITY;
  const deps: MigrationDeps = {
    elasticache: clients.elasticache,
    store,
    events,
    now,
    // The target catches up 2 hours after StartMigration.
    readReplication: async (node): Promise<Record<string, string>> => {
      if (node.port === source.endpoint.port) return { role: 'master', master_repl_offset: '1000' };
      const up = emulator.clock.now() >= syncedAt;
      return {
        master_link_status: up ? 'up' : 'down',
        master_sync_in_progress: up ? '0' : '1',
        slave_repl_offset: up ? '1000' : '0',
      };
    },
    durability: async () => ({
      deps: { clients, cloudwatch: new CloudWatchClient(aws), store, events, logger, holder: 'bench', now },
      settings: {
        policy: parsePolicy(ENFORCE_POLICY.replace('SNAPSHOT', 'true'), 'bench.yaml'),
        dryRun: false,
      },
    }),
  };
  const run = await runMigrationLocally(
    deps,
    { replicationGroupId: 'orders', customerEndpoints: [source.endpoint] },
    {
      clock: emulator.clock,
      executionName: 'bench',
      wrap: {
        'migration-control': (task) => async (event) => {
          const result = await task(event);
          if ((event as { action?: string }).action === 'start')
            syncedAt = emulator.clock.now() + 2 * 3_600_000;
          return result;
        },
      },
    },
  );
  const definition = loadDefinition(MIGRATION_ASL) as unknown as { States: Record<string, { Type: string }> };
  const invocations = run.states.filter((state) => definition.States[state]?.Type === 'Task').length;
  const hours = round((emulator.clock.now() - Date.parse('2026-11-25T10:00:00Z')) / 3_600_000, 2);
  source.server.close();
  await Promise.all([emulator.close(), dynamo.close()]);
  rows.push({
    name: `Migration, 2-hour sync, default polling (${hours} h in all, ${invocations} Lambda invocations)`,
    value: run.transitions,
    unit: 'transitions',
    baseline: null,
    goal: '<= 80 state transitions',
    ratio: null,
    met: run.transitions <= 80,
  });
  rows.push({
    name: 'Migration, Step Functions cost per execution (Standard, $0.025 per 1 000 transitions)',
    value: round(run.transitions * 0.000025, 6),
    unit: 'USD',
    baseline: null,
    goal: 'reported',
    ratio: null,
    met: true,
  });
}

/**
 * 100 CloudTrail-style events, each for a group out of policy, through the durability-react
 * handler: real ms from the event handed to the handler to the ModifyReplicationGroup arriving.
 */
export async function reactionLatency(latencyMs: number): Promise<void> {
  const emulator = await startEmulator();
  const dynamo = await startDynamo();
  const count = 100;
  for (let index = 0; index < count; index += 1) emulator.model.putGroup(benchGroup(`react-${index}`));
  emulator.faults.configure({ latencyMs: { '*': latencyMs } });
  const dir = mkdtempSync(join(tmpdir(), 'bench-react-'));
  writeFileSync(join(dir, 'policy.yaml'), ENFORCE_POLICY.replace('SNAPSHOT', 'false'));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: emulator.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_REGION: REGION,
    STATE_TABLE,
    POLICY_FILE: join(dir, 'policy.yaml'),
    DRY_RUN: 'false',
    RECHECK_QUEUE_URL: `${emulator.endpoint}/123456789012/recheck`,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  const { handler } = await import('../functions/durability-react/handler.js');
  const latencies: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const id = `react-${index}`;
    const started = performance.now();
    await handler(
      {
        version: '0',
        id: `event-${index}`,
        source: 'aws.elasticache',
        'detail-type': 'AWS API Call via CloudTrail',
        detail: {
          eventSource: 'elasticache.amazonaws.com',
          eventName: 'CreateReplicationGroup',
          requestParameters: { replicationGroupId: id },
        },
      },
      { awsRequestId: `bench-${index}` } as Context,
    );
    const modify = emulator.faults.log.find(
      (entry) =>
        entry.action === 'ModifyReplicationGroup' &&
        (entry.params as { ReplicationGroupId?: string }).ReplicationGroupId === id,
    );
    if (modify === undefined) throw new Error(`no ModifyReplicationGroup for ${id}`);
    latencies.push(modify.arrivedMs - started);
  }
  await Promise.all([emulator.close(), dynamo.close()]);
  latencies.sort((a, b) => a - b);
  const calls = Math.round(emulator.faults.log.length / count);
  for (const [label, quantile] of [
    ['p50', 0.5],
    ['p95', 0.95],
  ] as const) {
    const value = latencies[Math.ceil(quantile * count) - 1] ?? Number.NaN;
    rows.push({
      name: `Reaction latency ${label}, event in -> ModifyReplicationGroup out, ${latencyMs} ms per call (~${calls} calls per event)`,
      value: round(value, 1),
      unit: 'ms',
      baseline: latencyMs,
      goal: 'reported; ratio = latency in units of one API call',
      ratio: round(value / latencyMs),
      met: true,
    });
  }
}
