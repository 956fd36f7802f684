/**
 * `npm run bench`: measurements side by side in one run, against the sandbox. Prints a table
 * and writes bench/results.json. Method: bench/README.md. Timings are never asserted in tests.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeReplicationGroupsCommand,
  DescribeServerlessCachesCommand,
  ElastiCacheClient,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-elasticache';
import { build } from 'esbuild';
import { buildFunctions, functionNames } from '../infra/build.js';
import { seedFleet } from '../infra/local/emulator/fleet.js';
import { type Emulator, startEmulator } from '../infra/local/emulator/server.js';
import { createFleetClients } from '../shared/aws/clients.js';
import { readFleet } from '../shared/aws/elasticache.js';
import { evaluate } from '../shared/domain/evaluate.js';
import { parsePolicy } from '../shared/domain/policy/load.js';
import type { Resource } from '../shared/domain/resource.js';

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
  const emulator = await sandbox(50_000);
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        join(ROOT, 'bench', 'rss-child.ts'),
        emulator.endpoint,
      ],
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

await apiCalls(1000);
await apiCalls(10_000);
await wallTime(10_000, 20, 1000);
evaluationThroughput();
await peakRss();
await bundles();

const width = Math.max(...rows.map((row) => row.name.length));
console.log(
  `${'benchmark'.padEnd(width)}  ${'value'.padStart(12)}  ${'baseline'.padStart(10)}  ${'ratio'.padStart(7)}  met  goal`,
);
for (const row of rows) {
  console.log(
    `${row.name.padEnd(width)}  ${`${row.value} ${row.unit}`.padStart(12)}  ${String(row.baseline ?? '-').padStart(10)}  ${String(row.ratio ?? '-').padStart(7)}  ${row.met ? 'yes' : 'NO '}  ${row.goal}`,
  );
}
writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(rows, null, 2)}\n`);
console.log('\nwritten: bench/results.json');
