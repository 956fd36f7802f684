/**
 * Each function bundles only the SDK clients whose commands it sends: read from the esbuild
 * metafile of its bundle (infra/build.ts), against the actions its manifest
 * (functions/<name>/function.ts) grants it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunctions, functionNames } from '../../infra/build.js';

/** What each role grants: its manifest's actions, with the member role's AssumeRole (infra/iam.cjs). */
const { actionsOf } = createRequire(import.meta.url)('../../infra/iam.cjs') as {
  actionsOf: (name: string) => string[];
};

/** The IAM service prefix of each SDK client package's commands. */
const SERVICE_OF_PACKAGE: Record<string, string> = {
  '@aws-sdk/client-elasticache': 'elasticache',
  '@aws-sdk/client-resource-groups-tagging-api': 'tag',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/lib-dynamodb': 'dynamodb',
  '@aws-sdk/client-eventbridge': 'events',
  '@aws-sdk/client-sns': 'sns',
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-sfn': 'states',
  '@aws-sdk/client-ssm': 'ssm',
  '@aws-sdk/client-sts': 'sts',
  '@aws-sdk/client-organizations': 'organizations',
  '@aws-sdk/client-account': 'account',
  '@aws-sdk/client-securityhub': 'securityhub',
  '@aws-sdk/client-s3': 's3',
};
/**
 * Services a function may call beyond its manifest's actions: every function reads the policy from
 * SSM when the deployment names a parameter (infra/serverless.cjs grants ssm:GetParameter then).
 */
const DECLARED = ['ssm'];
/**
 * Services a function calls only with a member account's credentials (the member role grants
 * them, infra/member-access.yaml), never with its own: org-scan reads each member's enabled regions.
 */
const AS_MEMBER: Record<string, string[]> = { 'org-scan': ['account'] };
/** Every function has its own deps now, the migration tasks too. */
const checked = await functionNames();

let out: string;

/** The SDK client packages with code in a function's bundle. */
function clientPackages(name: string): string[] {
  const meta: Metafile = JSON.parse(readFileSync(join(out, name, 'meta.json'), 'utf8'));
  const bundle = Object.values(meta.outputs).find((output) => output.entryPoint !== undefined);
  const packages = new Set<string>();
  for (const [path, input] of Object.entries(bundle?.inputs ?? {})) {
    const match = /node_modules\/(@aws-sdk\/(?:client-[^/]+|lib-dynamodb))\//.exec(path);
    if (match?.[1] !== undefined && input.bytesInOutput > 0) packages.add(match[1]);
  }
  return [...packages].sort();
}

describe('Function bundles', () => {
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'guardrails-bundles-'));
    await buildFunctions({ out, names: checked });
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it.each(checked)('%s holds no SDK client whose commands it never sends', (name) => {
    // Prepare
    const sends = new Set([
      ...actionsOf(name).map((action) => action.split(':')[0]),
      ...DECLARED,
      ...(AS_MEMBER[name] ?? []),
    ]);

    // Act
    const packages = clientPackages(name);

    // Assess
    expect(packages.length).toBeGreaterThan(0); // the metafile was read: every function calls some AWS service
    expect(packages.filter((pkg) => !sends.has(SERVICE_OF_PACKAGE[pkg] ?? pkg))).toEqual([]);
  });
});
