/**
 * Cold import of each function's bundle, against two baselines built the same way: a bundle of
 * the ElastiCache client alone (the row kept from before), and the function's own floor, a
 * bundle of just the SDK clients (and commands) the function calls per its manifest
 * (functions/<name>/function.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildFunctions, functionNames } from '../infra/build.js';
import { BUNDLE_OPTIONS, REGION, ROOT, round, rows } from './common.js';

/** What each role grants: its manifest's actions, with the member role's AssumeRole (infra/iam.cjs). */
const { actionsOf } = createRequire(import.meta.url)('../infra/iam.cjs') as {
  actionsOf: (name: string) => string[];
};

/** The SDK package and client class behind each IAM service prefix. */
const CLIENT_OF_SERVICE: Record<string, { pkg: string; client: string }> = {
  elasticache: { pkg: '@aws-sdk/client-elasticache', client: 'ElastiCacheClient' },
  tag: { pkg: '@aws-sdk/client-resource-groups-tagging-api', client: 'ResourceGroupsTaggingAPIClient' },
  cloudwatch: { pkg: '@aws-sdk/client-cloudwatch', client: 'CloudWatchClient' },
  dynamodb: { pkg: '@aws-sdk/client-dynamodb', client: 'DynamoDBClient' },
  events: { pkg: '@aws-sdk/client-eventbridge', client: 'EventBridgeClient' },
  sns: { pkg: '@aws-sdk/client-sns', client: 'SNSClient' },
  sqs: { pkg: '@aws-sdk/client-sqs', client: 'SQSClient' },
  states: { pkg: '@aws-sdk/client-sfn', client: 'SFNClient' },
  sts: { pkg: '@aws-sdk/client-sts', client: 'STSClient' },
  organizations: { pkg: '@aws-sdk/client-organizations', client: 'OrganizationsClient' },
  account: { pkg: '@aws-sdk/client-account', client: 'AccountClient' },
  securityhub: { pkg: '@aws-sdk/client-securityhub', client: 'SecurityHubClient' },
  s3: { pkg: '@aws-sdk/client-s3', client: 'S3Client' },
};

/** Median of 7 cold `import()`s, each in a fresh Node process. */
function importMs(file: string, env: Record<string, string>): number {
  const samples = Array.from({ length: 7 }, () =>
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
  return samples.sort((a, b) => a - b)[3] ?? Number.NaN;
}

/** Bundle `source` (an entry of `export { … } from '…'` lines) as the functions are bundled. */
async function bundleOf(dir: string, name: string, source: string): Promise<string> {
  writeFileSync(join(dir, `${name}.js`), source);
  const outfile = join(dir, `${name}.mjs`);
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: [join(dir, `${name}.js`)],
    outfile,
    minify: true,
    nodePaths: [join(ROOT, 'node_modules')],
  });
  return outfile;
}

/** The entry of a function's floor: each client it calls, with the commands it sends. */
function floorSource(actions: readonly string[]): string {
  const byService = new Map<string, string[]>();
  for (const action of actions) {
    const [service = '', name = ''] = action.split(':');
    byService.set(service, [...(byService.get(service) ?? []), `${name}Command`]);
  }
  return [...byService]
    .map(([service, commands]) => {
      const client = CLIENT_OF_SERVICE[service];
      if (client === undefined) throw new Error(`bench: no SDK client known for ${service}`);
      return `export { ${[client.client, ...commands].join(', ')} } from '${client.pkg}';\n`;
    })
    .join('');
}

export async function bundles(): Promise<void> {
  const sizes = await buildFunctions();
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const env = {
    STATE_TABLE: 'bench',
    RECHECK_QUEUE_URL: 'http://127.0.0.1:1/q',
    ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bench',
    AWS_REGION: REGION,
    // org-scan's: the scan bucket and the deployment's scanConcurrency.
    SCAN_BUCKET: 'bench-scan',
    SCAN_CONCURRENCY: '10',
  };
  const bare = importMs(
    await bundleOf(dir, 'client-only', "export { ElastiCacheClient } from '@aws-sdk/client-elasticache';\n"),
    env,
  );
  for (const name of await functionNames()) {
    const ms = importMs(join(ROOT, 'dist', 'functions', name, 'handler.mjs'), env);
    const kib = round((sizes[name] ?? 0) / 1024, 0);
    rows.push({
      name: `Bundle ${name}: ${kib} KiB, cold import`,
      value: round(ms, 1),
      unit: 'ms',
      baseline: round(bare, 1),
      goal: 'ratio to a bundle of the ElastiCache client alone <= 1.5',
      ratio: round(ms / bare),
      met: ms / bare <= 1.5,
    });
    const floor = importMs(await bundleOf(dir, `floor-${name}`, floorSource(actionsOf(name))), env);
    rows.push({
      name: `Bundle ${name}: cold import against its floor (its SDK clients and commands alone)`,
      value: round(ms, 1),
      unit: 'ms',
      baseline: round(floor, 1),
      goal: 'ratio to a bundle of just the SDK clients the function calls <= 1.25',
      ratio: round(ms / floor),
      met: ms / floor <= 1.25,
    });
  }
}
