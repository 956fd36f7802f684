/**
 * The sandbox the chapters of `npm start` share: the ElastiCache emulator with a seeded fleet
 * and four groups of the demo's own, dynalite, the clients and publishers the jobs use, and the
 * demo's enforce policy (also written to .sandbox/policy.yaml for the commands it prints).
 * Time in the emulator is frozen; the chapters advance it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { type CliIo, defaultIo } from '../../../cli/main.js';
import { createFleetClients } from '../../../shared/aws/clients.js';
import { AlertPublisher, EventPublisher } from '../../../shared/aws/notify.js';
import { StateStore } from '../../../shared/aws/state-store.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import type { DurabilityJobDeps } from '../../../shared/jobs/durability/ports.js';
import { createLogger } from '../../../shared/runtime/logger.js';
import { STATE_TABLE, startDynamo } from '../dynamo.js';
import { Clock } from '../emulator/clock.js';
import { seedFleet } from '../emulator/fleet.js';
import { durableReadyGroup, type GroupState } from '../emulator/model.js';
import { localMigration } from '../emulator/redis-migration.js';
import { type Emulator, startEmulator } from '../emulator/server.js';
import { applyWorkload, type WorkloadShape } from '../emulator/workload.js';
import { sandboxVariables } from '../environment.js';
import type { Narration } from './narration.js';

export const REGION = 'us-east-1';
const ALERT_TOPIC = 'arn:aws:sns:us-east-1:123456789012:guardrails-alerts';
export const CAPTURE_DIR = '.sandbox';
/** A legacy group: Valkey 7.2, one node, cluster mode disabled, no TLS: every online step to durability. */
export const LEGACY = 'legacy-orders';

/**
 * The demo's policy: prod Valkey groups durable (enforced, staged steps allowed, watched for 30 min
 * after a durability change and stepped back from sync to async on a breach), everything encrypted.
 */
export const ENFORCE = `version: 1
settings: { maxActionsPerRun: 10 }
rules:
  - name: prod-durability
    mode: enforce
    match: { resourceTypes: [replication-group], engines: [valkey], tags: { env: prod } }
    durability:
      minimum: async
      set: async
      stagedChanges: { allow: [upgrade-engine, add-replicas, enable-multi-az, enable-tls, cluster-mode, scale-node, add-shards] }
      soak: { window: 30m, onBreach: step-back, unattended: true }
    snapshotBeforeChange: true
  - name: encrypted-at-rest
    match: { resourceTypes: [replication-group, serverless-cache] }
    storageEncryption: { allowed: [sse-elasticache, sse-kms] }
`;

export type DemoSandbox = Awaited<ReturnType<typeof startDemoSandbox>>;
/** What every chapter is given: the shared sandbox and the narration. */
export type Demo = DemoSandbox & Narration;

/**
 * The demo's fleet: a seeded one (40 groups, 4 serverless caches), three carts ready for
 * durability and the legacy group; returns how the demo makes a group of its own.
 */
function seedDemoFleet(emulator: Emulator, clock: Clock) {
  seedFleet(emulator.model, clock, { groups: 40, serverless: 4, seed: 7 });
  const group = (id: string, overrides: Partial<GroupState> = {}) =>
    durableReadyGroup(id, { createdAt: clock.now(), ...overrides });
  for (const id of ['cart-1', 'cart-2', 'cart-3']) emulator.model.putGroup(group(id));
  emulator.model.putGroup(
    group(LEGACY, {
      engineVersion: '7.2',
      clusterMode: 'disabled',
      replicas: 0,
      multiAZ: false,
      automaticFailover: false,
      tls: false,
    }),
  );
  return group;
}

/**
 * Starts the demo's sandbox and points this process's SDK clients and CLI at it (the
 * environment `npm start -- --keep` prints), so that a chapter runs a command as an operator
 * types it.
 *
 * @example
 * const sandbox = await startDemoSandbox();
 * await sandbox.stop();
 */
export async function startDemoSandbox() {
  const clock = new Clock();
  clock.freeze(Date.parse('2026-11-25T09:00:00Z'));
  const migration = localMigration({ syncTimeoutMs: 20_000 });
  const emulator = await startEmulator({ clock, migrationBackend: migration, captureDir: CAPTURE_DIR });
  const dynamo = await startDynamo();
  Object.assign(
    process.env,
    sandboxVariables({
      elasticache: emulator.endpoint,
      dynamodb: dynamo.endpoint,
      region: REGION,
      stateTable: STATE_TABLE,
    }),
  );
  const group = seedDemoFleet(emulator, clock);
  const aws = { endpoint: emulator.endpoint, region: REGION, maxAttempts: 3 };
  const logger = createLogger('demo');
  logger.setLogLevel('SILENT');
  const now = () => new Date(clock.now());
  const clients = createFleetClients(aws);
  const store = new StateStore(STATE_TABLE, { endpoint: dynamo.endpoint, region: REGION });
  const events = new EventPublisher(undefined, aws);
  const alerts = new AlertPublisher(ALERT_TOPIC, aws);
  const durabilityDeps = (holder: string): DurabilityJobDeps => ({
    clients,
    cloudwatch: new CloudWatchClient(aws),
    store,
    events,
    logger,
    holder,
    now,
  });
  const policy = parsePolicy(ENFORCE, 'enforce.yaml');
  mkdirSync(CAPTURE_DIR, { recursive: true });
  const policyFile = join(CAPTURE_DIR, 'policy.yaml');
  writeFileSync(policyFile, ENFORCE);
  /**
   * The CLI's io unprinted: a chapter reads the output it shows and says what the CLI would
   * note on stderr in its own words (a note between chapter lines belongs to no chapter).
   */
  const io: CliIo = { ...defaultIo(), stdout: () => {}, stderr: () => {} };
  /** Shapes a group's CloudWatch series as `POST /_control/workload` does (its nodes as they are now). */
  const workload = (shape: WorkloadShape) => {
    const shaped = emulator.model.group(shape.groupId);
    applyWorkload(emulator.sinks.metrics, shaped, emulator.model.memberIds(shaped), shape, clock.now());
  };
  return {
    clock,
    migration,
    emulator,
    dynamo,
    logger,
    now,
    clients,
    store,
    events,
    alerts,
    durabilityDeps,
    /** The demo's enforce policy, parsed. */
    policy,
    policyFile,
    group,
    workload,
    io,
    stop: async () => {
      migration.close();
      await Promise.all([emulator.close(), dynamo.close()]);
    },
  };
}
