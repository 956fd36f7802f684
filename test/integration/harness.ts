/**
 * The local stack for integration tests: the ElastiCache emulator (with SNS, EventBridge,
 * CloudWatch, SQS and tagging) and dynalite, the real SDK clients pointed at them, and
 * helpers to build fleets and read what was called.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type LocalDynamo, STATE_TABLE, startDynamo } from '../../infra/local/dynamo.js';
import {
  durableReadyGroup,
  type GroupState,
  type ServerlessState,
  type SnapshotState,
} from '../../infra/local/emulator/model.js';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../infra/local/emulator/server.js';
import { sentAlertLedger } from '../../shared/aws/alert-ledger.js';
import { createFleetClients } from '../../shared/aws/clients.js';
import { createMetricsClient, durabilityHealthReader } from '../../shared/aws/durability-metrics.js';
import { AlertPublisher, EventPublisher } from '../../shared/aws/notify.js';
import { SNAPSHOT_TAGS } from '../../shared/aws/snapshots.js';
import { StateStore } from '../../shared/aws/state-store.js';
import { parsePolicy } from '../../shared/domain/policy/load.js';
import type { DurabilityJobSettings } from '../../shared/jobs/durability/pipeline.js';
import type { DurabilityJobDeps } from '../../shared/jobs/durability/ports.js';
import type { DriftJobDeps } from '../../shared/jobs/encryption-drift.js';
import type { MigrationDeps } from '../../shared/jobs/migration/index.js';
import type { UpgradeDeps } from '../../shared/jobs/upgrade/deps.js';
import { createLogger } from '../../shared/runtime/logger.js';

export const REGION = 'us-east-1';
export const ALERT_TOPIC = 'arn:aws:sns:us-east-1:123456789012:guardrails-alerts';

export interface Stack {
  emulator: Emulator;
  dynamo: LocalDynamo;
  store: StateStore;
  /** The environment a deployed function would get, pointing at this stack. */
  env: Record<string, string>;
  /** `retryMode: 'standard'` for random injected faults, which adaptive mode's rate limiter only slows down. */
  durabilityDeps(
    holder?: string,
    maxAttempts?: number,
    retryMode?: 'adaptive' | 'standard',
  ): DurabilityJobDeps;
  driftDeps(maxAttempts?: number): DriftJobDeps;
  close(): Promise<void>;
}

export async function startStack(options: EmulatorOptions = {}): Promise<Stack> {
  process.env.AWS_ACCESS_KEY_ID = 'sandbox';
  process.env.AWS_SECRET_ACCESS_KEY = 'sandbox';
  const emulator = await startEmulator(options);
  emulator.clock.freeze(Date.parse('2026-11-25T10:00:00Z'));
  const dynamo = await startDynamo();
  const store = new StateStore(STATE_TABLE, { endpoint: dynamo.endpoint, region: REGION });
  const logger = createLogger('test');
  logger.setLogLevel('SILENT');
  return {
    emulator,
    dynamo,
    store,
    env: {
      AWS_ENDPOINT_URL: emulator.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_REGION: REGION,
      STATE_TABLE,
    },
    durabilityDeps(holder = 'test', maxAttempts = 3, retryMode = 'adaptive') {
      const aws = { endpoint: emulator.endpoint, region: REGION, maxAttempts, retryMode };
      return {
        clients: createFleetClients(aws),
        cloudwatch: new CloudWatchClient({ ...aws }),
        store: new StateStore(STATE_TABLE, { endpoint: dynamo.endpoint, region: REGION, maxAttempts }),
        events: new EventPublisher(undefined, aws),
        logger,
        holder,
        now: () => new Date(emulator.clock.now()),
      };
    },
    driftDeps(maxAttempts = 3) {
      const aws = { endpoint: emulator.endpoint, region: REGION, maxAttempts };
      return {
        clients: createFleetClients(aws),
        store: new StateStore(STATE_TABLE, { endpoint: dynamo.endpoint, region: REGION, maxAttempts }),
        events: new EventPublisher(undefined, aws),
        alerts: new AlertPublisher(ALERT_TOPIC, aws, sentAlertLedger(store)),
        logger,
        now: () => new Date(emulator.clock.now()),
      };
    },
    async close() {
      await Promise.all([emulator.close(), dynamo.close()]);
    },
  };
}

/** Clears the sandbox's injected faults and request log and its captured events, alerts and metric series. */
function resetSinks(stack: Stack): void {
  stack.emulator.faults.reset();
  stack.emulator.sinks.events.length = 0;
  stack.emulator.sinks.messages.length = 0;
  stack.emulator.sinks.metrics.clear();
}

/**
 * One stack for a file's tests: started before them (`setUp` given it), closed after them, its
 * sinks reset before each test.
 */
export function stackPerFile(setUp: (stack: Stack) => void): void {
  let started: Stack | undefined;
  beforeAll(async () => {
    started = await startStack();
    setUp(started);
  });
  afterAll(() => started?.close());
  beforeEach(() => {
    if (started !== undefined) resetSinks(started);
  });
}

/** Scan settings outside a dry run: rule `prod-durability` enforces sync on groups tagged env=prod (a snapshot first when asked). */
export function enforceSyncSettings(options: { snapshotBeforeChange?: boolean } = {}): DurabilityJobSettings {
  const snapshot = options.snapshotBeforeChange === true ? '    snapshotBeforeChange: true\n' : '';
  const policy = `version: 1
rules:
  - name: prod-durability
    mode: enforce
    match: { tags: { env: prod } }
    durability: { minimum: sync }
${snapshot}`;
  return { policy: parsePolicy(policy, 'policy.yaml'), dryRun: false };
}

/** A replication group that meets every durability requirement, durability off, unless overridden. */
export function groupState(id: string, overrides: Partial<GroupState> = {}): GroupState {
  return durableReadyGroup(id, { description: 'test group', shards: 2, ...overrides });
}

/** A serverless Valkey 8 cache, available, created 1 January 2026, untagged, unless overridden. */
export function serverlessState(name: string, overrides: Partial<ServerlessState> = {}): ServerlessState {
  return {
    name,
    description: 'test cache',
    engine: 'valkey',
    majorEngineVersion: '8',
    status: 'available',
    createdAt: Date.parse('2026-01-01T00:00:00Z'),
    legacyApi: false,
    tags: new Map(),
    ...overrides,
  };
}

/** A manual snapshot of `groupId` taken at `createdAt`: available, of one Valkey 9.0 shard with a replica, ours, unless overridden. */
export function snapshotState(
  name: string,
  groupId: string,
  createdAt: number,
  overrides: Partial<SnapshotState> = {},
): SnapshotState {
  return {
    name,
    groupId,
    status: 'available',
    source: 'manual',
    durability: 'disabled',
    engine: 'valkey',
    engineVersion: '9.0',
    nodeType: 'cache.r7g.large',
    shards: 1,
    replicas: 1,
    clusterMode: 'enabled',
    createdAt,
    sizeMb: 5,
    tags: new Map([[SNAPSHOT_TAGS.managed, 'true']]),
    ...overrides,
  };
}

/** Valkey 7.2, cluster mode disabled, one node, no failover, no TLS: every online step to durability. */
export function legacyGroupState(id: string, overrides: Partial<GroupState> = {}): GroupState {
  return groupState(id, {
    engineVersion: '7.2',
    clusterMode: 'disabled',
    shards: 1,
    replicas: 0,
    multiAZ: false,
    automaticFailover: false,
    tls: false,
    ...overrides,
  });
}

/**
 * The ReplicationGroupIds of every ModifyReplicationGroup request that reached the model,
 * refused ones too: a duplicate that a guard let through shows here even when the emulator
 * refused it. Only faults injected before the model (throttling, 5xx) never arrived.
 */
export function modifyCalls(emulator: Emulator): string[] {
  return requestsReached(emulator, 'ModifyReplicationGroup').map((request) =>
    String(request.params.ReplicationGroupId),
  );
}

/** Every request of `action` that reached the model, answered or refused (see {@link modifyCalls}). */
export function requestsReached(
  emulator: Emulator,
  action: string,
): { params: Record<string, unknown>; fault?: string }[] {
  return emulator.faults.log
    .filter((request) => request.action === action && request.injected !== true)
    .map((request) => ({ params: request.params as Record<string, unknown>, fault: request.fault }));
}

/** Detail types of the captured EventBridge events, with the resource id of each. */
export function emittedEvents(emulator: Emulator): { detailType: string; resourceId: string }[] {
  return emulator.sinks.events.map((event) => ({
    detailType: event.detailType,
    resourceId: String((event.detail as { finding?: { resourceId?: string } }).finding?.resourceId),
  }));
}

/**
 * The upgrade workflow's dependencies against `stack`, as the local runner builds them: the
 * sandbox's clock, two attempts per AWS call, alerts to `alertTopic` when given.
 */
export function upgradeDepsOf(stack: Stack, options: { alertTopic?: string } = {}): UpgradeDeps {
  const { aws, ...deps } = workflowDepsOf(stack, options);
  return { ...deps, readHealth: durabilityHealthReader(createMetricsClient(aws)) };
}

/** What every workflow's dependencies share against `stack`, and the AWS options they were made with. */
function workflowDepsOf(stack: Stack, options: { alertTopic?: string }) {
  const aws = { endpoint: stack.emulator.endpoint, region: REGION, maxAttempts: 2 };
  return {
    aws,
    elasticache: createFleetClients(aws).elasticache,
    store: stack.store,
    events: new EventPublisher(undefined, aws),
    ...(options.alertTopic === undefined ? {} : { alerts: new AlertPublisher(options.alertTopic, aws) }),
    now: () => new Date(stack.emulator.clock.now()),
  };
}

/**
 * The migration workflow's dependencies against `stack`, as the local runner builds them: the
 * sandbox's clock, two attempts per AWS call, its durability step run under `settings`, alerts
 * to `alertTopic` when given.
 */
export function migrationDepsOf(
  stack: Stack,
  settings: DurabilityJobSettings,
  options: { alertTopic?: string } = {},
): MigrationDeps {
  const { aws: _, ...deps } = workflowDepsOf(stack, options);
  return { ...deps, durability: async () => ({ deps: stack.durabilityDeps('migration'), settings }) };
}
