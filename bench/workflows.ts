/**
 * Workflows end to end against the sandbox: a migration and a staged durability upgrade through
 * their real ASL with the default polling, and the durability reaction's latency from event in
 * to ModifyReplicationGroup out.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Context } from 'aws-lambda';
import { STATE_TABLE, startDynamo } from '../infra/local/dynamo.js';
import { DURATIONS, durableReadyGroup, type GroupState } from '../infra/local/emulator/model.js';
import { startStandIn } from '../infra/local/emulator/redis-migration.js';
import { type Emulator, startEmulator } from '../infra/local/emulator/server.js';
import { MIGRATION_ASL, runMigrationLocally } from '../infra/local/migration-workflow.js';
import { type LocalRunResult, loadDefinition } from '../infra/local/step-functions.js';
import { runUpgradeLocally, UPGRADE_ASL } from '../infra/local/upgrade-workflow.js';
import { createFleetClients } from '../shared/aws/clients.js';
import { createMetricsClient, durabilityHealthReader } from '../shared/aws/durability-metrics.js';
import { EventPublisher } from '../shared/aws/notify.js';
import { StateStore } from '../shared/aws/state-store.js';
import { STAGED_ACTIONS } from '../shared/domain/durability/readiness.js';
import { parsePolicy } from '../shared/domain/policy/load.js';
import type { MigrationDeps } from '../shared/jobs/migration/index.js';
import { createLogger } from '../shared/runtime/logger.js';
import { REGION, round, rows } from './common.js';

/** A durable-capable group (cluster mode, Multi-AZ, TLS, r7g, Valkey 9) with durability off. */
function benchGroup(id: string, overrides: Partial<GroupState> = {}): GroupState {
  return durableReadyGroup(id, { description: 'bench', ...overrides });
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
  const invocations = taskStates(MIGRATION_ASL, run);
  const hours = round((emulator.clock.now() - Date.parse('2026-11-25T10:00:00Z')) / 3_600_000, 2);
  source.server.close();
  await Promise.all([emulator.close(), dynamo.close()]);
  workflowRows(
    `Migration, 2-hour sync, default polling (${hours} h in all, ${invocations} Lambda invocations)`,
    'Migration',
    run.transitions,
    { limit: 80, goal: '<= 80 state transitions' },
  );
}

/** A workflow's two rows: its state transitions against `limit`, and what they cost. */
function workflowRows(
  name: string,
  workflow: string,
  transitions: number,
  bound: { limit: number; goal: string },
) {
  rows.push({
    name,
    value: transitions,
    unit: 'transitions',
    baseline: null,
    goal: bound.goal,
    ratio: null,
    met: transitions <= bound.limit,
  });
  rows.push({
    name: `${workflow}, Step Functions cost per execution (Standard, $0.025 per 1 000 transitions)`,
    value: round(transitions * 0.000025, 6),
    unit: 'USD',
    baseline: null,
    goal: 'reported',
    ratio: null,
    met: true,
  });
}

/** How many of the states a run entered are Tasks: the Lambda invocations it made. */
function taskStates(asl: URL, run: LocalRunResult): number {
  const definition = loadDefinition(asl) as unknown as { States: Record<string, { Type: string }> };
  return run.states.filter((state) => definition.States[state]?.Type === 'Task').length;
}

/**
 * Minutes each change takes on AWS for a small group (the planner's estimates, STEP_MINUTES),
 * and the pre-upgrade snapshot of a few GB.
 */
export const REALISTIC_MINUTES = {
  snapshot: 10,
  engine: 45,
  replicas: 20,
  multiAZ: 5,
  tls: 30,
  clusterMode: 10,
  nodeType: 40,
  durability: 30,
} as const;

/** The realistic duration of the change a request asks for, by its Query parameters. */
function realisticMinutes(action: string, params: Record<string, unknown>): number | undefined {
  if (action === 'CreateSnapshot') return REALISTIC_MINUTES.snapshot;
  if (action === 'IncreaseReplicaCount') return REALISTIC_MINUTES.replicas;
  if (action !== 'ModifyReplicationGroup') return undefined;
  const [, minutes] =
    (
      [
        ['Durability', REALISTIC_MINUTES.durability],
        ['ClusterMode', REALISTIC_MINUTES.clusterMode],
        ['TransitEncryptionEnabled', REALISTIC_MINUTES.tls],
        ['MultiAZEnabled', REALISTIC_MINUTES.multiAZ],
        ['EngineVersion', REALISTIC_MINUTES.engine],
        ['CacheNodeType', REALISTIC_MINUTES.nodeType],
      ] as const
    ).find(([name]) => params[name] !== undefined) ?? [];
  return minutes;
}

/**
 * The emulator's changes take fixed seconds (DURATIONS); here each change a request schedules
 * is moved to its realistic duration instead: the model's scheduling is wrapped, and the
 * request being served is the last one in the request log.
 */
function stretchChanges(emulator: Emulator): void {
  const { model, faults, clock } = emulator;
  const schedule = model.at.bind(model);
  const emulated: number[] = [DURATIONS.modify, DURATIONS.durabilityChange, DURATIONS.snapshot];
  model.at = (time, apply) => {
    const request = faults.log.at(-1);
    const minutes = request && realisticMinutes(request.action, request.params as Record<string, unknown>);
    const stretch = minutes !== undefined && emulated.includes(time - clock.now());
    schedule(stretch ? clock.now() + minutes * 60_000 : time, apply);
  };
}

/**
 * A full staged upgrade to sync of a Valkey 7.2 group (cluster mode disabled, one node, no
 * TLS, no Multi-AZ) through infra/durability-upgrade.asl.yaml with the default polling, each
 * change taking its realistic time, the one step with client impact approved at once.
 */
export async function upgradeTransitions(): Promise<void> {
  const emulator = await startEmulator();
  const started = Date.parse('2026-11-25T10:00:00Z');
  emulator.clock.freeze(started);
  stretchChanges(emulator);
  const dynamo = await startDynamo();
  emulator.model.putGroup(
    benchGroup('legacy', {
      engineVersion: '7.2',
      clusterMode: 'disabled',
      replicas: 0,
      multiAZ: false,
      automaticFailover: false,
      tls: false,
    }),
  );
  const aws = { endpoint: emulator.endpoint, region: REGION };
  const run = await runUpgradeLocally(
    {
      elasticache: createFleetClients(aws).elasticache,
      store: new StateStore(STATE_TABLE, { endpoint: dynamo.endpoint, region: REGION }),
      events: new EventPublisher(undefined, aws),
      now: () => new Date(emulator.clock.now()),
      readHealth: durabilityHealthReader(createMetricsClient(aws)),
    },
    { replicationGroupId: 'legacy', target: 'sync', allow: [...STAGED_ACTIONS], enforce: true },
    { clock: emulator.clock, executionName: 'bench', onTaskToken: async () => ({ approved: true }) },
  );
  const effective = emulator.model.groups.get('legacy')?.effectiveDurability;
  const steps = (run.output as { steps: string[] }).steps.length;
  const hours = round((emulator.clock.now() - started) / 3_600_000, 2);
  await Promise.all([emulator.close(), dynamo.close()]);
  if (effective !== 'sync') throw new Error(`the upgrade ended at EffectiveDurability ${effective}`);
  workflowRows(
    `Durability upgrade, Valkey 7.2 to sync, ${steps} steps at realistic durations, default polling (${hours} h in all, ${taskStates(UPGRADE_ASL, run)} Lambda invocations)`,
    'Durability upgrade',
    run.transitions,
    { limit: 150, goal: '<= 150 state transitions (reported)' },
  );
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
