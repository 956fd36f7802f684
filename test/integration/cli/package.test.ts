/**
 * The CLI as an operator installs it: the `npm pack` tarball, installed with `--omit=dev` into
 * an empty folder, runs `guardrails` from its bundle (no tsx, no sandbox, no devDependency)
 * against the sandbox over HTTP. The install needs the npm registry for the runtime
 * dependencies; where it cannot be reached the tests say so and skip.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, CLI_BUNDLE } from '../../../infra/build.js';
import { groupState, REGION, type Stack, startStack } from '../harness.js';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;
/** What an npm install prints when the registry is out of reach. */
const OFFLINE = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|network/i;

let stack: Stack;
let dir: string;
let tarball = '';
let guardrails = '';
let unreachable: string | undefined;

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

async function installed(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(guardrails, args, { env: operatorEnv(), cwd: dir });
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
  const app = join(dir, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), '{ "private": true }\n');
  try {
    await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', tarball], { cwd: app });
  } catch (error) {
    const output = `${(error as { stderr?: string }).stderr ?? ''}${(error as Error).message}`;
    if (!OFFLINE.test(output)) throw error;
    const reason = output.split('\n').find((line) => OFFLINE.test(line)) ?? '';
    unreachable = `the npm registry cannot be reached, so the tarball's dependencies cannot be installed (${reason.trim()})`;
  }
  guardrails = join(app, 'node_modules', '.bin', 'guardrails');
}, 180_000);

afterAll(async () => {
  await stack.close();
  await rm(dir, { recursive: true, force: true });
});

describe('The packed CLI, installed with --omit=dev', () => {
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

  it('prints its help, without the sandbox-only --local', async (context) => {
    if (unreachable !== undefined) context.skip(unreachable);

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

  it('scans the sandbox with the default policy it ships', async (context) => {
    if (unreachable !== undefined) context.skip(unreachable);

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

describe('The CLI bundle', () => {
  it('holds nothing of the sandbox and no development tool', async () => {
    const inputs = Object.keys((await buildCli()).inputs);

    expect(inputs).toContain('cli/main.ts');
    expect(
      inputs.filter((input) => /infra\/local\/|aws-local-stepfunctions|dynalite|\/tsx\//.test(input)),
    ).toEqual([]);
  });
});
