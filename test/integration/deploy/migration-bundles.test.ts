import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFunctions } from '../../../infra/build.js';
import { NODE_READERS } from '../../manifests.js';

/**
 * The SDK clients each migration function sends commands with (its steps and their adapters):
 * the state table (DynamoDB), events (EventBridge), alerts (SNS), the durability job's
 * metrics (CloudWatch) and policy parameter (SSM).
 */
const CALLS: Record<string, string[]> = {
  'migration-preflight': ['client-dynamodb', 'client-elasticache'],
  // The group's lock is re-checked before each change (fencing).
  'migration-snapshot': ['client-dynamodb', 'client-elasticache', 'client-eventbridge'],
  'migration-control': ['client-dynamodb', 'client-elasticache', 'client-eventbridge'],
  'migration-sync': ['client-elasticache', 'client-eventbridge'],
  'migration-approval': ['client-dynamodb', 'client-eventbridge', 'client-sns'],
  'migration-durability': [
    'client-cloudwatch',
    'client-dynamodb',
    'client-elasticache',
    'client-eventbridge',
    'client-sfn', // a migrated group that needs TLS first starts the durability upgrade
    'client-ssm',
  ],
  'migration-finish': ['client-dynamodb', 'client-elasticache', 'client-eventbridge', 'client-sns'],
};
/**
 * The functions that read INFO from a Valkey/Redis node (source probe, post-verify, sync): those
 * whose manifest puts them in the cache's VPC (`vpc: true`).
 */
const READS_NODES = new Set(NODE_READERS);

const ROOT = new URL('../../../', import.meta.url);
const migrationFunctions = readdirSync(new URL('functions/', ROOT)).filter((name) =>
  name.startsWith('migration-'),
);

interface Metafile {
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
}

/** The packages that put code into a function's bundle, read from its esbuild metafile. */
function bundledPackages(name: string): Set<string> {
  const meta = JSON.parse(
    readFileSync(new URL(`dist/functions/${name}/meta.json`, ROOT), 'utf8'),
  ) as Metafile;
  const output = meta.outputs[`dist/functions/${name}/handler.mjs`];
  if (output === undefined) throw new Error(`no handler.mjs in the metafile of ${name}`);
  const packages = Object.entries(output.inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1])
    .filter((name) => name !== undefined);
  return new Set(packages);
}

const sdkClients = (packages: Set<string>) =>
  [...packages]
    .filter((name) => name.startsWith('@aws-sdk/client-'))
    .map((name) => name.replace('@aws-sdk/', ''))
    .sort();

describe('Bundles: migration functions (esbuild metafile of npm run build)', () => {
  beforeAll(async () => {
    await buildFunctions();
  }, 120_000);

  it('knows what every migration function calls', () => {
    expect(migrationFunctions.sort()).toEqual(Object.keys(CALLS).sort());
  });

  it('keeps ElastiCache and iovalkey out of migration-approval', () => {
    const packages = bundledPackages('migration-approval');

    expect(packages.has('iovalkey')).toBe(false);
    expect(packages.has('@aws-sdk/client-elasticache')).toBe(false);
  });

  it.each(Object.entries(CALLS))('bundles in %s exactly the SDK clients it calls', (name, calls) => {
    expect(sdkClients(bundledPackages(name))).toEqual(calls);
  });

  it.each(Object.keys(CALLS))('bundles iovalkey in %s only if it reads nodes (runs in the VPC)', (name) => {
    expect(bundledPackages(name).has('iovalkey')).toBe(READS_NODES.has(name));
  });
});
