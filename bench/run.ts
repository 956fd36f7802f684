/**
 * `npm run bench`: measurements side by side in one run, against the sandbox. Prints a table
 * and writes bench/results.json. Method: bench/README.md. Timings are never asserted in tests.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  DescribeReplicationGroupsCommand,
  DescribeServerlessCachesCommand,
  ElastiCacheClient,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-elasticache';
import type { Context } from 'aws-lambda';
import { build } from 'esbuild';
import { buildFunctions, functionNames } from '../infra/build.js';
import { STATE_TABLE, startDynamo } from '../infra/local/dynamo.js';
import { seedFleet } from '../infra/local/emulator/fleet.js';
import type { GroupState } from '../infra/local/emulator/model.js';
import { startStandIn } from '../infra/local/emulator/redis-migration.js';
import { type Emulator, startEmulator } from '../infra/local/emulator/server.js';
import { MIGRATION_ASL, runMigrationLocally } from '../infra/local/migration-workflow.js';
import { loadDefinition } from '../infra/local/step-functions.js';
import { createFleetClients } from '../shared/aws/clients.js';
import { readFleet } from '../shared/aws/elasticache.js';
import { EventPublisher } from '../shared/aws/notify.js';
import { StateStore } from '../shared/aws/state-store.js';
import { evaluate } from '../shared/domain/evaluate.js';
import { parsePolicy } from '../shared/domain/policy/load.js';
import type { Resource } from '../shared/domain/resource.js';
import type { MigrationDeps } from '../shared/jobs/migration/index.js';
import { createLogger } from '../shared/runtime/logger.js';

interface Row {
  name: string;
  value: number;
  unit: string;
  /** What the value is compared with (the lower bound, the naive script, the bare client). */
  baseline: number | null;
  goal: string;
  ratio: number | null;
  met: boolean;
}

const ROOT = new URL('..', import.meta.url).pathname;
const REGION = 'us-east-1';
const rows: Row[] = [];
const round = (value: number, digits = 2) => Number(value.toFixed(digits));
process.env.AWS_ACCESS_KEY_ID ??= 'sandbox';
process.env.AWS_SECRET_ACCESS_KEY ??= 'sandbox';

async function sandbox(groups: number, latencyMs = 0): Promise<Emulator> {
  const emulator = await startEmulator();
  seedFleet(emulator.model, emulator.clock, { groups, serverless: Math.round(groups / 10), seed: 42 });
  if (latencyMs > 0) emulator.faults.configure({ latencyMs: { '*': latencyMs } });
  return emulator;
}

/** The script a user writes by hand: describe pages one after another, then tags per resource. */
async function naiveScan(endpoint: string): Promise<number> {
  const client = new ElastiCacheClient({ endpoint, region: REGION });
  const arns: string[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(new DescribeReplicationGroupsCommand({ MaxRecords: 100, Marker: marker }));
    arns.push(...(page.ReplicationGroups ?? []).map((group) => group.ARN ?? ''));
    marker = page.Marker;
  } while (marker !== undefined);
  let token: string | undefined;
  do {
    const page = await client.send(
      new DescribeServerlessCachesCommand({ MaxResults: 100, NextToken: token }),
    );
    arns.push(...(page.ServerlessCaches ?? []).map((cache) => cache.ARN ?? ''));
    token = page.NextToken;
  } while (token !== undefined);
  for (const arn of arns) await client.send(new ListTagsForResourceCommand({ ResourceName: arn }));
  return arns.length;
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
}

async function apiCalls(groups: number): Promise<void> {
  const emulator = await sandbox(groups);
  const resources = emulator.model.groups.size + emulator.model.serverless.size;
  await readFleet(createFleetClients({ endpoint: emulator.endpoint, region: REGION }));
  const ours = emulator.faults.log.length;
  emulator.faults.log.length = 0;
  await naiveScan(emulator.endpoint);
  const naive = emulator.faults.log.length;
  await emulator.close();
  const bound = 2 * Math.ceil(resources / 100) + 4;
  rows.push({
    name: `API calls, full scan of ${groups} groups + ${groups / 10} serverless`,
    value: ours,
    unit: 'calls',
    baseline: naive,
    goal: `<= 2*ceil(N/100)+4 = ${bound} (N = ${resources} resources)`,
    ratio: round(ours / naive, 4),
    met: ours <= bound,
  });
}

async function wallTime(groups: number, latencyMs: number, naiveGroups: number): Promise<void> {
  const emulator = await sandbox(groups, latencyMs);
  const pages = Math.ceil(emulator.model.groups.size / 100) + Math.ceil(emulator.model.serverless.size / 100);
  const lowerBound = pages * latencyMs;
  const ours = await timed(() =>
    readFleet(createFleetClients({ endpoint: emulator.endpoint, region: REGION })),
  );
  await emulator.close();
  rows.push({
    name: `Scan wall time, ${groups} groups, ${latencyMs} ms per call`,
    value: round(ours.ms, 0),
    unit: 'ms',
    baseline: lowerBound,
    goal: 'ratio to sequential describe pages x latency <= 1.25',
    ratio: round(ours.ms / lowerBound),
    met: ours.ms / lowerBound <= 1.25,
  });
  const small = await sandbox(naiveGroups, latencyMs);
  const smallBound =
    (Math.ceil(small.model.groups.size / 100) + Math.ceil(small.model.serverless.size / 100)) * latencyMs;
  const naive = await timed(() => naiveScan(small.endpoint));
  await small.close();
  rows.push({
    name: `Naive script wall time, ${naiveGroups} groups, ${latencyMs} ms per call`,
    value: round(naive.ms, 0),
    unit: 'ms',
    baseline: smallBound,
    goal: 'reference (one ListTagsForResource per resource)',
    ratio: round(naive.ms / smallBound),
    met: false,
  });
}

function evaluationThroughput(): void {
  const resources: Resource[] = Array.from({ length: 50_000 }, (_, index) => ({
    type: index % 10 === 0 ? 'serverless-cache' : 'replication-group',
    id: `cache-${index}`,
    arn: `arn:aws:elasticache:us-east-1:123456789012:replicationgroup:cache-${index}`,
    engine: 'valkey',
    status: 'available',
    clusterMode: 'enabled',
    effectiveDurability: (['disabled', 'async', 'sync'] as const)[index % 3],
    storageEncryptionType: (['none', 'sse-elasticache', 'sse-kms'] as const)[index % 3],
    kmsKeyId: index % 3 === 2 ? 'arn:aws:kms:us-east-1:123456789012:key/1234abcd' : undefined,
    pendingModifications: false,
    tags: { env: index % 2 === 0 ? 'prod' : 'dev', team: `t${index % 7}` },
  }));
  const rules = Array.from({ length: 10 }, (_, index) =>
    index % 2 === 0
      ? `  - name: durability-${index}\n    match: { tags: { team: "*" } }\n    durability: { minimum: async }`
      : `  - name: encryption-${index}\n    match: { ids: ["cache-*"] }\n    storageEncryption: { allowed: [sse-kms], kmsKeyIds: ["1234abcd"] }`,
  );
  const policy = parsePolicy(`version: 1\nrules:\n${rules.join('\n')}\n`, 'bench.yaml');
  evaluate(resources.slice(0, 1000), policy, new Date());
  const started = performance.now();
  const findings = evaluate(resources, policy, new Date());
  const seconds = (performance.now() - started) / 1000;
  const evaluations = resources.length * 10;
  rows.push({
    name: `Evaluation throughput, 50 000 resources x 10 rules (${findings.length} findings)`,
    value: round(evaluations / seconds, 0),
    unit: 'evaluations/s',
    baseline: 200_000,
    goal: '>= 200 000/s',
    ratio: round(evaluations / seconds / 200_000),
    met: evaluations / seconds >= 200_000,
  });
}

async function peakRss(): Promise<void> {
  // Bundled like a function and run by plain Node, as in Lambda (no TypeScript loader in the process).
  const child = join(mkdtempSync(join(tmpdir(), 'bench-rss-')), 'rss-child.mjs');
  await build({
    entryPoints: [join(ROOT, 'bench', 'rss-child.ts')],
    outfile: child,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  const emulator = await sandbox(50_000);
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [child, emulator.endpoint, join(ROOT, 'infra', 'policy.default.yaml')],
      { cwd: ROOT, maxBuffer: 1 << 20 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
  await emulator.close();
  const result = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as {
    maxRssKb: number;
    resources: number;
  };
  const mb = result.maxRssKb / 1024;
  rows.push({
    name: `Peak RSS, scan + evaluation of ${result.resources} resources (child process)`,
    value: round(mb, 0),
    unit: 'MB',
    baseline: 256,
    goal: '<= 256 MB',
    ratio: round(mb / 256),
    met: mb <= 256,
  });
}

function importMs(file: string, env: Record<string, string>): number {
  const samples = Array.from({ length: 5 }, () =>
    Number(
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`,
        ],
        { env: { ...process.env, ...env }, encoding: 'utf8' },
      ).trim(),
    ),
  );
  return samples.sort((a, b) => a - b)[2] ?? Number.NaN;
}

async function bundles(): Promise<void> {
  const sizes = await buildFunctions();
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  writeFileSync(join(dir, 'entry.js'), "export { ElastiCacheClient } from '@aws-sdk/client-elasticache';\n");
  await build({
    entryPoints: [join(dir, 'entry.js')],
    outfile: join(dir, 'client-only.mjs'),
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    nodePaths: [join(ROOT, 'node_modules')],
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  const env = {
    STATE_TABLE: 'bench',
    RECHECK_QUEUE_URL: 'http://127.0.0.1:1/q',
    ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bench',
    AWS_REGION: REGION,
  };
  const bare = importMs(join(dir, 'client-only.mjs'), env);
  for (const name of await functionNames()) {
    const ms = importMs(join(ROOT, 'dist', 'functions', name, 'handler.mjs'), env);
    rows.push({
      name: `Bundle ${name}: ${round((sizes[name] ?? 0) / 1024, 0)} KiB, cold import`,
      value: round(ms, 1),
      unit: 'ms',
      baseline: round(bare, 1),
      goal: 'ratio to a bundle of the ElastiCache client alone <= 1.5',
      ratio: round(ms / bare),
      met: ms / bare <= 1.5,
    });
  }
}

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
async function migrationTransitions(): Promise<void> {
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
async function reactionLatency(latencyMs: number): Promise<void> {
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

/** `npm run bench -- --only migration,reaction` runs some benchmarks (and writes no results file). */
const BENCHMARKS: Record<string, () => unknown> = {
  api: async () => {
    await apiCalls(1000);
    await apiCalls(10_000);
  },
  walltime: () => wallTime(10_000, 20, 1000),
  eval: evaluationThroughput,
  rss: peakRss,
  bundles,
  migration: migrationTransitions,
  reaction: () => reactionLatency(20),
};
const only = process.argv.includes('--only')
  ? (process.argv[process.argv.indexOf('--only') + 1] ?? '').split(',')
  : undefined;
const unknown = (only ?? []).filter((name) => !(name in BENCHMARKS));
if (unknown.length > 0) {
  console.error(
    `bench: unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`,
  );
  process.exit(2);
}
for (const [name, run] of Object.entries(BENCHMARKS))
  if (only === undefined || only.includes(name)) await run();

const width = Math.max(...rows.map((row) => row.name.length));
console.log(
  `${'benchmark'.padEnd(width)}  ${'value'.padStart(12)}  ${'baseline'.padStart(10)}  ${'ratio'.padStart(7)}  met  goal`,
);
for (const row of rows) {
  console.log(
    `${row.name.padEnd(width)}  ${`${row.value} ${row.unit}`.padStart(12)}  ${String(row.baseline ?? '-').padStart(10)}  ${String(row.ratio ?? '-').padStart(7)}  ${row.met ? 'yes' : 'NO '}  ${row.goal}`,
  );
}
if (only === undefined) {
  writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(rows, null, 2)}\n`);
  console.log('\nwritten: bench/results.json');
}
