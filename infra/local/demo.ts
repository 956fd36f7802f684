/**
 * `npm start [-- --keep]`: the whole system against the local sandbox, narrated: the
 * scheduled durability scan (report, then enforce), the fleet's readiness plan and one staged
 * upgrade through its real ASL file, a CloudTrail event and its reaction, an encryption drift
 * and its alert, and an online migration through the real ASL file with its pre-migration
 * snapshot. Everything goes through the real SDK over HTTP to the ElastiCache emulator and
 * dynalite; time in the emulator jumps instead of passing.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Context } from 'aws-lambda';
import { type CliIo, defaultIo, runCli } from '../../cli/main.js';
import { createFleetClients } from '../../shared/aws/clients.js';
import { AlertPublisher, EventPublisher } from '../../shared/aws/notify.js';
import { StateStore } from '../../shared/aws/state-store.js';
import { withNode } from '../../shared/aws/valkey.js';
import type { Finding } from '../../shared/domain/finding.js';
import { parsePolicy } from '../../shared/domain/policy/load.js';
import { scanDurability } from '../../shared/jobs/durability/pipeline.js';
import type { DurabilityJobDeps } from '../../shared/jobs/durability/ports.js';
import { scanEncryptionDrift } from '../../shared/jobs/encryption-drift.js';
import type { MigrationDeps } from '../../shared/jobs/migration/index.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { runSandboxCli } from './cli.js';
import { showOrganisationScan } from './demo-organisation.js';
import { showFleetPlan, showStagedUpgrade } from './demo-readiness.js';
import { STATE_TABLE, startDynamo } from './dynamo.js';
import { Clock } from './emulator/clock.js';
import { seedFleet } from './emulator/fleet.js';
import { DURATIONS, type GroupState } from './emulator/model.js';
import {
  localMigration,
  type RedisProcess,
  startRedisServer,
  startStandIn,
} from './emulator/redis-migration.js';
import { startEmulator } from './emulator/server.js';
import { sandboxEnvironment } from './environment.js';
import { runMigrationLocally } from './migration-workflow.js';
import { ExecutionFailedError } from './step-functions.js';

const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false } } });
const REGION = 'us-east-1';
const ALERT_TOPIC = 'arn:aws:sns:us-east-1:123456789012:guardrails-alerts';
const CAPTURE_DIR = '.sandbox';
const started = performance.now();
let chapter = 0;
const say = (text: string) => {
  chapter += 1;
  console.log(`\n${chapter}. ${text}`);
};
const line = (text: string) => console.log(`   ${text}`);
/** The command that shows a step again while the sandbox is up (`npm start -- --keep`). */
const reproduce = (args: string[]) => line(`$ npm run sandbox-cli -- ${args.join(' ')}`);

process.env.AWS_REGION ??= REGION;
process.env.AWS_ACCESS_KEY_ID ??= 'sandbox';
process.env.AWS_SECRET_ACCESS_KEY ??= 'sandbox';

const ENFORCE = `version: 1
settings: { maxActionsPerRun: 10 }
rules:
  - name: prod-durability
    mode: enforce
    match: { resourceTypes: [replication-group], engines: [valkey], tags: { env: prod } }
    durability:
      minimum: async
      set: async
      stagedChanges: { allow: [upgrade-engine, add-replicas, enable-multi-az, enable-tls, cluster-mode, scale-node] }
    snapshotBeforeChange: true
  - name: encrypted-at-rest
    match: { resourceTypes: [replication-group, serverless-cache] }
    storageEncryption: { allowed: [sse-elasticache, sse-kms] }
`;

// --- the sandbox ---------------------------------------------------------------------------
const clock = new Clock();
clock.freeze(Date.parse('2026-11-25T09:00:00Z'));
const migration = localMigration({ syncTimeoutMs: 20_000 });
const emulator = await startEmulator({ clock, migrationBackend: migration, captureDir: CAPTURE_DIR });
const dynamo = await startDynamo();
seedFleet(emulator.model, clock, { groups: 40, serverless: 4, seed: 7 });
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
const enforce = parsePolicy(ENFORCE, 'enforce.yaml');
const countBy = (items: readonly (string | null)[]) => {
  const counts = new Map<string, number>();
  for (const item of items) if (item !== null) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].map(([key, count]) => `${count} ${key}`).join(', ') || 'none';
};
/** Counts per rule, so that each number says which rule it is for. */
const countByRule = <T extends { rule: string }>(items: readonly T[], key: (item: T) => string | null) =>
  [...new Set(items.map((item) => item.rule))]
    .map((rule) => `${rule}: ${countBy(items.filter((item) => item.rule === rule).map(key))}`)
    .join('; ') || 'none';
/** `Durability default` leaves the choice to ElastiCache, which today resolves it to disabled. */
const durabilityText = (setting: string) =>
  setting === 'default' ? 'default (ElastiCache resolves it to disabled today)' : setting;
const show = (finding: Finding) =>
  line(
    `${finding.status.padEnd(9)} ${finding.resourceId.padEnd(18)} ${finding.rule.padEnd(17)} ${finding.action ?? ''} ${finding.reason.slice(0, 150)}`,
  );

/** A Valkey group that can be made durable in place (cluster mode, Multi-AZ, TLS, r7g), durability off. */
const group = (id: string, overrides: Partial<GroupState> = {}): GroupState => ({
  id,
  description: id,
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
  createdAt: clock.now(),
  legacyApi: false,
  pending: {},
  tags: new Map([['env', 'prod']]),
  ...overrides,
});
for (const id of ['cart-1', 'cart-2', 'cart-3']) emulator.model.putGroup(group(id));
/** A legacy group: Valkey 7.2, one node, cluster mode disabled, no TLS: every online step to durability. */
const LEGACY = 'legacy-orders';
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
mkdirSync(CAPTURE_DIR, { recursive: true });
const POLICY_FILE = join(CAPTURE_DIR, 'policy.yaml');
writeFileSync(POLICY_FILE, ENFORCE);

console.log(`elasticache-guardrails sandbox demo
ElastiCache emulator on ${emulator.endpoint} (${emulator.model.groups.size} replication groups, ${emulator.model.serverless.size} serverless caches),
DynamoDB (dynalite) on ${dynamo.endpoint}. Alerts and events are captured in ${CAPTURE_DIR}/.
Lines starting with $ show each step again while the sandbox is up (\`npm start -- --keep\` prints
the environment they need); the demo's enforce policy is ${POLICY_FILE}.`);

// --- 1. report mode through the CLI ---------------------------------------------------------
say('The scheduled scan in report mode, run with the CLI and the default policy: guardrails scan');
let json = '';
const io: CliIo = { ...defaultIo(), stdout: (text) => (json += text) };
const scanArgs = ['scan', '--endpoint-url', emulator.endpoint];
const code = await runCli([...scanArgs, '--format', 'json'], io);
const reported = (JSON.parse(json) as { findings: Finding[] }).findings;
line(`${reported.length} findings; exit code ${code} (1 = violations found)`);
for (const rule of [...new Set(reported.map((finding) => finding.rule))].sort())
  line(
    `  ${rule}: ${countBy(reported.filter((finding) => finding.rule === rule).map((finding) => finding.status))}`,
  );
for (const finding of reported.filter((item) => item.status === 'violation').slice(0, 4)) show(finding);
reproduce(scanArgs);

// --- 2. enforce mode ---------------------------------------------------------------------------
say(
  'The same scan in enforce mode (prod-durability: mode enforce, DRY_RUN=false): snapshot first, then the change',
);
for (const [label, advanceMs] of [
  ['run 1', DURATIONS.snapshot],
  ['run 2 (snapshots available)', DURATIONS.durabilityChange],
  ['run 3 (changes applied)', 0],
] as const) {
  const report = await scanDurability(durabilityDeps('demo-scan'), { policy: enforce, dryRun: false });
  line(
    `${label.padEnd(28)} actions (${countByRule(
      report.findings.filter((finding) => finding.action !== null),
      (finding) => finding.action,
    )}); ${report.events} events`,
  );
  clock.advance(advanceMs);
}
const after = await scanDurability(durabilityDeps('demo-scan'), { policy: enforce, dryRun: false });
line(
  `now (${countByRule(after.findings, (finding) => finding.status)}); the job changes Durability in place, and here no upgrade workflow is deployed for it, so the violations left need online steps first (needs-staged-upgrade)`,
);
reproduce([...scanArgs, '--policy', POLICY_FILE, '--rule', 'prod-durability']);

// --- 3. the readiness plan --------------------------------------------------------------------
say('What it takes to bring each prod-durability group to async: the readiness plan (guardrails plan)');
const readiness = {
  emulator,
  deps: { elasticache: clients.elasticache, store, events, alerts, now },
  cli: runSandboxCli,
  io,
  line,
  reproduce,
};
await showFleetPlan(readiness, POLICY_FILE, ['cart-1', LEGACY, 'auth-00030']);
line(
  'staged steps run unattended where stagedChanges allows them; a step with client impact always waits for approval',
);

// --- 4. a staged upgrade ------------------------------------------------------------------------
say(`A staged upgrade of ${LEGACY} to sync through infra/durability-upgrade.asl.yaml (snapshot first)`);
await showStagedUpgrade(
  readiness,
  LEGACY,
  enforce.rules.find((rule) => rule.name === 'prod-durability')?.durability?.stagedChanges.allow ?? [],
);
reproduce([...scanArgs, '--policy', POLICY_FILE, '--resource', LEGACY]);

// --- 5. a CloudTrail event --------------------------------------------------------------------
say(
  'A team creates orders-new (Valkey, prod, durability off); the CloudTrail event reaches durability-react',
);
line(`orders-new is created with Durability ${durabilityText(group('orders-new').durability)}`);
const policyDir = mkdtempSync(join(tmpdir(), 'guardrails-demo-'));
writeFileSync(
  join(policyDir, 'policy.yaml'),
  ENFORCE.replace('snapshotBeforeChange: true', 'snapshotBeforeChange: false'),
);
Object.assign(process.env, {
  AWS_ENDPOINT_URL: emulator.endpoint,
  AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
  STATE_TABLE,
  POLICY_FILE: join(policyDir, 'policy.yaml'),
  DRY_RUN: 'false',
  RECHECK_QUEUE_URL: `${emulator.endpoint}/123456789012/durability-recheck`,
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
});
emulator.model.putGroup(group('orders-new'));
const { handler: react } = await import('../../functions/durability-react/handler.js');
const reaction = (await react(
  {
    version: '0',
    id: 'demo-event-1',
    source: 'aws.elasticache',
    'detail-type': 'AWS API Call via CloudTrail',
    detail: {
      eventSource: 'elasticache.amazonaws.com',
      eventName: 'CreateReplicationGroup',
      requestParameters: { replicationGroupId: 'orders-new' },
    },
  },
  { awsRequestId: 'demo-1' } as Context,
)) as { status: string; recheckInSeconds?: number; findings: Finding[] };
for (const finding of reaction.findings) show(finding);
line(
  `group status ${reaction.status}; a re-check is queued in ${reaction.recheckInSeconds ?? '-'} s (SQS delay queue)`,
);
reproduce([...scanArgs, '--policy', POLICY_FILE, '--resource', 'orders-new']);

// --- 6. encryption drift --------------------------------------------------------------------
say('Encryption drift: a baseline scan, then sessions-cache loses its at-rest encryption');
emulator.model.putGroup(group('sessions-cache', { tags: new Map([['env', 'dev']]) }));
const driftDeps = { clients, store, events, alerts, logger, now };
const baseline = await scanEncryptionDrift(driftDeps, enforce);
line(
  `baseline run: ${baseline.alerts.length} alerts, by rule: ${countBy(baseline.alerts.map((alert) => alert.rule))} (violations known before the first baseline are alerted once)`,
);
const cache = emulator.model.groups.get('sessions-cache');
if (cache !== undefined) cache.encrypted = false;
const sentBefore = emulator.sinks.messages.length;
const drift = await scanEncryptionDrift(driftDeps, enforce);
line(`next run: ${drift.alerts.length} alert, by rule: ${countBy(drift.alerts.map((alert) => alert.rule))}`);
for (const message of emulator.sinks.messages.slice(sentBefore)) line(`SNS: ${message.subject}`);
reproduce(['drift', '--endpoint-url', emulator.endpoint, '--policy', POLICY_FILE]);

// --- 7. migration -------------------------------------------------------------------------------
say(
  `An online migration into orders-migrated through infra/migration.asl.yaml (${migration.real ? 'real redis-server source and target' : 'RESP stand-in; install redis-server to move real data'})`,
);
// An online-migration target must not have in-transit encryption (AWS's prerequisite), so
// durability, which needs TLS, cannot be raised in place after it: the demo shows that as it is.
emulator.model.putGroup(group('orders-migrated', { tls: false }));
let source: RedisProcess | { address: string; port: number; stop(): void };
if (migration.real) {
  source = await startRedisServer();
  await withNode(source, async (client) => {
    const pipeline = client.pipeline();
    for (let key = 0; key < 5000; key += 1) pipeline.set(`order:${key}`, `value-${key}`);
    await pipeline.exec();
  });
  line(`source: redis-server on ${source.address}:${source.port} with 5 000 keys`);
} else {
  const standIn = await startStandIn();
  source = { ...standIn.endpoint, stop: () => standIn.server.close() };
  line(`source: a RESP stand-in on ${source.address}:${source.port}`);
}
const migrationDeps: MigrationDeps = {
  elasticache: clients.elasticache,
  store,
  events,
  alerts,
  now,
  durability: async () => ({
    deps: durabilityDeps('demo-migration'),
    settings: { policy: enforce, dryRun: false },
  }),
};
try {
  const run = await runMigrationLocally(
    migrationDeps,
    {
      replicationGroupId: 'orders-migrated',
      customerEndpoints: [{ address: source.address, port: source.port }],
    },
    { clock, executionName: 'demo-1', realMsPerWait: migration.real ? 50 : 0 },
  );
  const output = run.output as {
    snapshot: { name: string; durability: string; size: string };
    durability: { actions: string[]; reason: string };
    group: { status: string; effectiveDurability: string };
    timings: { step: string; seconds?: number }[];
  };
  line(`${run.transitions} state transitions: ${[...new Set(run.states)].join(' > ')}`);
  line(
    `pre-migration snapshot ${output.snapshot.name} (Durability ${durabilityText(output.snapshot.durability)}, ${output.snapshot.size})`,
  );
  line(
    `steps: ${output.timings.map((row) => `${row.step} ${row.seconds ?? '?'} s`).join(', ')} (emulator time)`,
  );
  line(
    `then durability: ${output.durability.actions.join(' > ')}; the group is ${output.group.status}, EffectiveDurability ${output.group.effectiveDurability}`,
  );
  line(`  ${output.durability.reason}`);
  const target = migration.targetEndpoint('orders-migrated');
  if (migration.real && target !== undefined) {
    const keys = await withNode(target, (client) => client.dbsize());
    line(`the target holds ${keys} keys`);
  }
} catch (error) {
  if (!(error instanceof ExecutionFailedError)) throw error;
  line(`the migration failed: ${error.error}: ${error.causeText}`);
  process.exitCode = 1;
}
source.stop();
reproduce([
  ...['migration', 'start', 'orders-migrated', '--local', '--endpoint-url', emulator.endpoint],
  ...['--source', '<host:port of your redis-server>', '--policy', POLICY_FILE],
]);

// --- the end --------------------------------------------------------------------------------------
say('What was captured');
const report = join(CAPTURE_DIR, 'report.html');
await runCli(['scan', '--endpoint-url', emulator.endpoint, '--format', 'html', '--output', report], io);
line(`HTML report of the fleet now: ${report} (guardrails scan --format html)`);
line(
  `${emulator.sinks.events.length} EventBridge events in ${CAPTURE_DIR}/events.jsonl: ${countBy(emulator.sinks.events.map((event) => event.detailType))}`,
);
line(
  '  (what the app puts on the default bus, source elasticache-guardrails, one line each as a rule target receives it; README "Events")',
);
line(`${emulator.sinks.messages.length} SNS alerts in ${CAPTURE_DIR}/sns.jsonl`);
line(
  `${emulator.faults.log.length} API calls to the emulator, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
await showOrganisationScan({ say, line, reproduce });

if (values.keep) {
  clock.resume();
  console.log(`\nThe sandbox keeps running, its clock now passing in real time (Ctrl-C stops it):
${sandboxEnvironment({ elasticache: emulator.endpoint, dynamodb: dynamo.endpoint, region: REGION, stateTable: STATE_TABLE })}

  npm run guardrails -- scan --format table`);
  const stop = async () => {
    migration.close();
    await Promise.all([emulator.close(), dynamo.close()]);
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} else {
  migration.close();
  await Promise.all([emulator.close(), dynamo.close()]);
  console.log(
    '\nDone. `npm start -- --keep` leaves the sandbox up; `npm run sandbox -- --fleet 1000` starts a bigger one.',
  );
}
