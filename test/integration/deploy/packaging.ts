/**
 * Packaging the real serverless.yml offline (`osls package`, as `npm run package` does, no
 * credentials) into a temporary directory, and what the deploy tests read from the result.
 * Packaging takes tens of seconds: a test file packages once per variant, in its beforeAll.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = new URL('../../..', import.meta.url).pathname;

export interface Resource {
  Type: string;
  Condition?: string;
  DependsOn?: string[];
  Properties: Record<string, unknown>;
}

export interface Template {
  Resources: Record<string, Resource>;
}

export interface Packaged {
  /** The CloudFormation template file. */
  path: string;
  template: Template;
  /** The packaging's output directory (the template, serverless-state.json, the zips). */
  dir: string;
}

/** A packaging that osls refused: its output (stdout and stderr) and the directory it was given. */
export class PackagingError extends Error {
  constructor(
    readonly output: string,
    readonly dir: string,
    options: ErrorOptions,
  ) {
    super(`osls package failed: ${output}`, options);
    this.name = 'PackagingError';
  }
}

/** A lock older than this was left by a run that died: packaging never lasts that long. */
const STALE_LOCK_MS = 300_000;

/**
 * Run `work` while no other packaging runs: serverless-esbuild builds in the project's own
 * `.esbuild` folder and removes it when done, so two packagings at once (test files run in
 * parallel) break each other. The lock is a directory, created atomically.
 */
async function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const lock = join(ROOT, '.esbuild.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      else await sleep(500);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Package the app for `stage` and `region` with the given deploy parameters (`--param`). */
export function packageTemplate(
  stage: string,
  region: string,
  params: Record<string, string> = {},
): Promise<Packaged> {
  return oneAtATime(() => packageNow(stage, region, params));
}

async function packageNow(stage: string, region: string, params: Record<string, string>): Promise<Packaged> {
  const out = mkdtempSync(join(tmpdir(), `guardrails-package-${stage}-`));
  const paramArgs = Object.entries(params).map(([name, value]) => `--param=${name}=${value}`);
  await promisify(execFile)(
    join(ROOT, 'node_modules/.bin/osls'),
    ['package', '--stage', stage, '--region', region, '--package', out, ...paramArgs],
    {
      cwd: ROOT,
      timeout: 240_000,
      env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
    },
  ).catch((error: unknown) => {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new PackagingError(`${stdout}${stderr}`, out, { cause: error });
  });
  const path = join(out, 'cloudformation-template-update-stack.json');
  return { path, template: JSON.parse(readFileSync(path, 'utf8')) as Template, dir: out };
}

/** The files under `dir` (the packaging's output, its zips aside) whose text holds `text`. */
export function filesHolding(dir: string, text: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.zip'))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => readFileSync(file, 'utf8').includes(text));
}

interface Partitions {
  partitions: { regionRegex: string; regions: Record<string, unknown> }[];
}

/**
 * Every region AWS has, from the SDK's partition data (@aws-sdk/core's endpoint rules): the
 * regions of each partition that match its region pattern (not the `aws-global` pseudo-regions).
 */
export async function awsRegions(): Promise<string[]> {
  const core = dirname(createRequire(import.meta.url).resolve('@aws-sdk/core/package.json'));
  const file = join(core, 'dist-es/submodules/client/util-endpoints/lib/aws/partitions.js');
  const { partitionsInfo } = (await import(pathToFileURL(file).href)) as { partitionsInfo: Partitions };
  return partitionsInfo.partitions.flatMap(({ regionRegex, regions }) =>
    Object.keys(regions).filter((region) => new RegExp(regionRegex).test(region)),
  );
}

/** The IAM statements of a role resource (its inline policies). */
export function roleStatements(role: Resource): { Action: string | string[]; Resource: unknown }[] {
  return ((role.Properties.Policies ?? []) as { PolicyDocument: { Statement: [] } }[]).flatMap(
    (policy) => policy.PolicyDocument.Statement,
  );
}
