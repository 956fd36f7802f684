/**
 * The CLI as an operator installs it: the `npm pack` tarball, installed into an empty folder,
 * runs `guardrails` from its bundle (no tsx, no sandbox, no other package) against the sandbox
 * over HTTP. The bundle holds everything it loads, so the tarball declares no dependency: the
 * install runs `--offline` on an empty npm cache, where any package it would fetch fails it.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, CLI_BUNDLE } from '../../../infra/build.js';
import { groupState, REGION, type Stack, startStack } from '../harness.js';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;

let stack: Stack;
let dir: string;
let tarball = '';
let guardrails = '';
let app = '';
let added = '';

/** The environment of a fresh shell with dummy credentials: nothing of this test process's AWS settings. */
function operatorEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  return {
    ...env,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'sandbox',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

async function installed(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(guardrails, args, { env: { ...operatorEnv(), ...env }, cwd: dir });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, out: failed.stdout ?? '', err: failed.stderr ?? '' };
  }
}

beforeAll(async () => {
  stack = await startStack();
  stack.emulator.model.putGroup(groupState('orders'));
  stack.emulator.model.putGroup(groupState('payments', { durability: 'sync', effectiveDurability: 'sync' }));
  dir = await mkdtemp(join(tmpdir(), 'guardrails-pack-'));
  // `npm pack` runs `prepack`, which bundles the CLI: the tarball holds a fresh build.
  await run('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: ROOT });
  const packed = (await readdir(dir)).find((name) => name.endsWith('.tgz'));
  if (packed === undefined) throw new Error(`npm pack left no tarball in ${dir}`);
  tarball = join(dir, packed);
  app = join(dir, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), '{ "private": true }\n');
  // The README's command, offline on an empty cache: a dependency to fetch would fail it (ENOTCACHED).
  const { stdout } = await run(
    'npm',
    ['install', '--offline', '--cache', join(dir, 'npm-cache'), '--no-audit', '--no-fund', tarball],
    { cwd: app },
  );
  added = stdout.trim();
  guardrails = join(app, 'node_modules', '.bin', 'guardrails');
}, 180_000);

afterAll(async () => {
  await stack.close();
  await rm(dir, { recursive: true, force: true });
});

describe('The packed CLI, installed from its tarball', () => {
  it('ships only the bundle, the default policy, the README and the licence', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);

    expect(stdout.trim().split('\n').sort()).toEqual([
      'package/LICENSE',
      'package/README.md',
      `package/${CLI_BUNDLE}`,
      'package/infra/policy.default.yaml',
      'package/package.json',
    ]);
  });

  it('installs as one package: nothing but itself, nothing from the registry', async () => {
    const lock = JSON.parse(await readFile(join(app, 'node_modules', '.package-lock.json'), 'utf8')) as {
      packages: Record<string, unknown>;
    };
    const { stdout } = await run('tar', ['-xzOf', tarball, 'package/package.json']);
    const manifest = JSON.parse(stdout) as Record<string, unknown>;

    expect(added).toMatch(/^added 1 package\b/);
    expect(Object.keys(lock.packages)).toEqual(['node_modules/elasticache-guardrails']);
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies'])
      expect(manifest).not.toHaveProperty(field);
  });

  it('prints its help, without the sandbox-only --local', async () => {
    const help = await installed(['--help']);
    const start = await installed(['migration', 'start', '--help']);

    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: guardrails /);
    for (const command of ['scan', 'drift', 'policy', 'snapshot', 'migration'])
      expect(help.out).toContain(`  ${command} `);
    expect(start.code).toBe(0);
    expect(start.out).toContain('--state-machine-arn');
    expect(`${help.out}${start.out}`).not.toContain('--local');
  });

  it('scans the sandbox with the default policy it ships', async () => {
    const { code, out, err } = await installed([
      'scan',
      '--endpoint-url',
      stack.emulator.endpoint,
      '--format',
      'json',
    ]);

    expect(err).toBe('');
    expect(code).toBe(1);
    const report = JSON.parse(out) as { findings: { resourceId: string; rule: string; status: string }[] };
    expect(report.findings).toContainEqual(
      expect.objectContaining({ resourceId: 'orders', rule: 'prod-durability', status: 'violation' }),
    );
    expect(report.findings).toContainEqual(
      expect.objectContaining({ resourceId: 'payments', rule: 'prod-durability', status: 'compliant' }),
    );
  });
});

describe('The packed CLI and the AWS SDK', () => {
  it("prints no SDK Node-version warning where the SDK's floor is above this Node", async () => {
    // The SDK warns when its floor (22 today) is above process.version; ours (22.12) reads
    // process.versions.node. A preload shows the SDK an older Node, as a newer SDK's floor would.
    const preload = join(dir, 'sdk-sees-node-20.mjs');
    await writeFile(preload, "Object.defineProperty(process, 'version', { value: 'v20.20.2' });\n");

    const { code, out, err } = await installed(
      ['scan', '--endpoint-url', stack.emulator.endpoint, '--format', 'json'],
      { NODE_OPTIONS: `--import=${preload}` },
    );

    expect(err).toBe('');
    expect(code).toBe(1);
    expect((JSON.parse(out) as { findings: unknown[] }).findings.length).toBeGreaterThan(0);
  });
});

describe('The CLI bundle', () => {
  it('holds nothing of the sandbox and no development tool', async () => {
    const inputs = Object.keys((await buildCli()).inputs);

    expect(inputs).toContain('cli/main.ts');
    expect(
      inputs.filter((input) => /infra\/local\/|aws-local-stepfunctions|dynalite|\/tsx\//.test(input)),
    ).toEqual([]);
  });
});
