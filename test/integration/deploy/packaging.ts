/**
 * Packaging the real serverless.yml offline (`osls package`, as `npm run package` does, no
 * credentials), and what the deploy tests read from the result. Packaging takes tens of seconds
 * of CPU, so each distinct packaging (the project's files, stage, region and parameters) is made
 * once and kept under node_modules/.cache/guardrails-package: the test files that need the same
 * one share it, and a later run in the same clone reuses it until an input changes.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
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
  /** The kept packaging's directory: the template and serverless-state.json (the zips stay behind). */
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
 * Run `work` while no other packaging of `root` runs: serverless-esbuild builds in the project's
 * own `.esbuild` folder and removes it when done, so two packagings at once (test files run in
 * parallel) break each other. The lock is a directory, created atomically.
 */
async function oneAtATime<T>(root: string, work: () => Promise<T>): Promise<T> {
  const lock = join(root, '.esbuild.lock');
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

/** A packaging: the stage and region, and the deploy parameters (`--param`). */
export interface Deployment {
  stage: string;
  region: string;
  params?: Record<string, string>;
}

/** The packaging with the default parameters that the deploy tests share. */
export const DEFAULT_DEPLOYMENT: Deployment = { stage: 'production', region: 'ap-southeast-2' };

/**
 * Everything packaging reads of a project: the configuration, the manifests and handlers and the
 * code they bundle, and the locked versions of the framework, its plugins and the dependencies.
 */
export const PACKAGING_INPUTS = [
  'serverless.yml',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'infra',
  'functions',
  'shared',
];

/** Where packagings are kept, by key. */
export const PACKAGE_CACHE = join(ROOT, 'node_modules', '.cache', 'guardrails-package');
const TEMPLATE = 'cloudformation-template-update-stack.json';
/** What is kept of a packaging: the files the tests read. */
const KEPT = [TEMPLATE, 'serverless-state.json'];

/** The key of a packaging: its deployment and the content of every input file of `root`, by path. */
export function packagingKey(deployment: Deployment, root = ROOT): string {
  const hash = createHash('sha256');
  const params = Object.entries(deployment.params ?? {}).sort(([a], [b]) => a.localeCompare(b));
  hash.update(JSON.stringify([deployment.stage, deployment.region, params]));
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) walk(join(path, name));
      return;
    }
    hash.update(`\0${relative(root, path)}\0`);
    hash.update(readFileSync(path));
  };
  for (const input of PACKAGING_INPUTS) walk(join(root, input));
  return hash.digest('hex');
}

/**
 * The template of the project at `root` packaged for `deployment`: from the cache when that
 * packaging of the same inputs was made before, otherwise packaged now and kept.
 */
export function packageTemplate(deployment: Deployment, root = ROOT): Promise<Packaged> {
  return oneAtATime(root, async () => {
    const kept = join(PACKAGE_CACHE, packagingKey(deployment, root));
    if (!existsSync(join(kept, TEMPLATE))) await packageInto(kept, deployment, root);
    const path = join(kept, TEMPLATE);
    return { path, template: JSON.parse(readFileSync(path, 'utf8')) as Template, dir: kept };
  });
}

/**
 * Package into a fresh folder, then keep its template and state under `kept` (a rename: never
 * half written). A refused packaging is a {@link PackagingError} whose folder is left to read.
 */
async function packageInto(kept: string, { stage, region, params = {} }: Deployment, root: string) {
  mkdirSync(PACKAGE_CACHE, { recursive: true });
  const out = mkdtempSync(join(PACKAGE_CACHE, 'packaging-'));
  const paramArgs = Object.entries(params).map(([name, value]) => `--param=${name}=${value}`);
  await promisify(execFile)(
    join(ROOT, 'node_modules/.bin/osls'),
    ['package', '--stage', stage, '--region', region, '--package', join(out, 'package'), ...paramArgs],
    {
      cwd: root,
      timeout: 240_000,
      env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
    },
  ).catch((error: unknown) => {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new PackagingError(`${stdout}${stderr}`, out, { cause: error });
  });
  try {
    // Only the template and the state are read: the function archives stay behind.
    mkdirSync(join(out, 'kept'));
    for (const file of KEPT) renameSync(join(out, 'package', file), join(out, 'kept', file));
    rmSync(kept, { recursive: true, force: true });
    renameSync(join(out, 'kept'), kept);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The files under `dir` (a packaging's output, its zips aside) whose text holds `text`. */
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
