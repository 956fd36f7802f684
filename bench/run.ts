import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate } from '../shared/domain/evaluate.js';
import { parsePolicy } from '../shared/domain/policy/load.js';
import type { Resource } from '../shared/domain/resource.js';
import { bundles } from './bundles.js';
import { ROOT, type Row, round, rows, rssRow, runChild, sandbox } from './common.js';
import { orgItemChild, orgScanBench, REGIONS_17 } from './org-scan.js';
import { apiCalls, wallTime } from './scan.js';
import { migrationTransitions, reactionLatency, upgradeTransitions } from './workflows.js';

process.env.AWS_ACCESS_KEY_ID ??= 'sandbox';
process.env.AWS_SECRET_ACCESS_KEY ??= 'sandbox';

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
  const result = await runChild<{ maxRssKb: number; resources: number }>('rss-child.ts', [
    emulator.endpoint,
    join(ROOT, 'infra', 'policy.default.yaml'),
  ]);
  await emulator.close();
  rssRow(`Peak RSS, scan + evaluation of ${result.resources} resources (child process)`, result.maxRssKb);
}

/** `npm run bench -- --only migration,upgrade` runs some benchmarks (their rows merged into the results file). */
const ORG_ACCOUNTS = Number(process.env.BENCH_ORG_ACCOUNTS ?? 5);
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
  upgrade: upgradeTransitions,
  reaction: () => reactionLatency(20),
  fit: async () => (await import('./fit.js')).fitReads(1000),
  // BENCH_ORG_ACCOUNTS: the accounts run here (5 by default, 1 000 for the full size: see
  // bench/README.md), 5 at a time (more at once on one shared thread starve the SDK's 3 s connection
  // timeout); the cost and wall-time models are for 1 000, 100 at a time, either way.
  org: async () => {
    const item = await orgItemChild(REGIONS_17, 20);
    await orgScanBench(ORG_ACCOUNTS, 1000, 20, 20, 5, item);
  },
  // The parent at full size: 1 000 accounts x 17 regions through the real ASL, 10 accounts' children
  // real (2 at a time), the others a copy of a real child's result (bench/README.md says which is which).
  'org-full': async () => (await import('./org-full.js')).orgFullBench(1000, 10, 20, 100, 2),
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
/** The benchmark a row comes from: its name, the organisation scan's with its size when not the default. */
const benchOf = (name: string) => (name === 'org' && ORG_ACCOUNTS !== 5 ? `org-${ORG_ACCOUNTS}` : name);
for (const [name, run] of Object.entries(BENCHMARKS))
  if (only === undefined || only.includes(name)) {
    const from = rows.length;
    await run();
    for (const row of rows.slice(from)) row.bench = benchOf(name);
  }

const width = Math.max(...rows.map((row) => row.name.length));
console.log(
  `${'benchmark'.padEnd(width)}  ${'value'.padStart(12)}  ${'baseline'.padStart(10)}  ${'ratio'.padStart(7)}  met  goal`,
);
for (const row of rows) {
  console.log(
    `${row.name.padEnd(width)}  ${`${row.value} ${row.unit}`.padStart(12)}  ${String(row.baseline ?? '-').padStart(10)}  ${String(row.ratio ?? '-').padStart(7)}  ${row.met ? 'yes' : 'NO '}  ${row.goal}`,
  );
}
// Every row is stamped with its benchmark and the day it was measured, and the rows of the
// benchmarks this run measured replace theirs in bench/results.json: the others (another --only,
// the two-hour full-size organisation run `org-1000`) keep theirs and their day. `--fresh` writes
// this run's rows alone.
const measured = new Date().toISOString().slice(0, 10);
const file = join(ROOT, 'bench', 'results.json');
const earlier: Row[] =
  process.argv.includes('--fresh') || !existsSync(file) ? [] : JSON.parse(readFileSync(file, 'utf8'));
const ran = new Set(rows.map((row) => row.bench));
const order = Object.keys(BENCHMARKS);
const place = (row: Row) => order.indexOf((row.bench ?? '').replace(/-\d+$/, ''));
const merged = [
  ...earlier.filter((row) => !ran.has(row.bench)),
  ...rows.map((row) => ({ ...row, measured })),
].sort((a, b) => place(a) - place(b));
writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`);
console.log(
  `\nwritten: bench/results.json (${rows.length} rows measured ${measured}, ${merged.length - rows.length} kept)`,
);
