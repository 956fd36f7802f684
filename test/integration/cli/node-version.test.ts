/**
 * The two entry points an operator starts by hand, the CLI bundle and `npm start`, run by a
 * Node older than the one required: one line that says what is needed and exit code 1, before
 * any dependency that needs the newer Node is loaded. The older Node is this machine's own
 * (the first `node` on PATH outside node_modules); where there is none, the tests say so and skip.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../../infra/build.js';
import { nodeVersionProblem } from '../../../shared/runtime/node-version.js';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;

/** The first `node` on PATH, outside node_modules, that is older than the required one. */
function olderNode(): { path: string; version: string } | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, 'node');
    if (dir.includes('node_modules') || !existsSync(path)) continue;
    const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
    if (nodeVersionProblem(version) !== undefined) return { path, version };
  }
  return undefined;
}

async function runWith(node: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(node, args, { cwd: ROOT });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, out: failed.stdout ?? '', err: failed.stderr ?? '' };
  }
}

const old = olderNode();
const noOldNode = 'no Node older than 22.12 on PATH outside node_modules';
let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'guardrails-node-'));
  bundle = join(dir, 'guardrails.mjs');
  await buildCli(bundle);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('The Node check, on an older Node', () => {
  it('stops the CLI bundle with one line and exit code 1', async (context) => {
    if (old === undefined) return context.skip(noOldNode);

    const result = await runWith(old.path, [bundle, 'scan', '--format', 'json']);

    expect(result).toEqual({
      code: 1,
      out: '',
      err: `guardrails needs Node 22.12 or later; this is Node ${old.version}\n`,
    });
  });

  it('stops `npm start` (the start script run by tsx) with one line and exit code 1', async (context) => {
    if (old === undefined) return context.skip(noOldNode);
    const script = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
    ).scripts.start;
    const [tool, ...args] = script.split(' ');
    expect(tool).toBe('tsx');

    const result = await runWith(old.path, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), ...args]);

    expect(result).toEqual({
      code: 1,
      out: '',
      err: `guardrails needs Node 22.12 or later; this is Node ${old.version}\n`,
    });
  });
});

describe('The Node check, on the required Node', () => {
  it('lets the CLI bundle run', async () => {
    const result = await runWith(process.execPath, [bundle, '--version']);

    expect(result.code).toBe(0);
    expect(result.out.trim()).toBe(
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    );
  });

  it('is what package.json engines says', () => {
    const { engines } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };

    expect(engines.node).toBe('>=22.12.0');
    expect(nodeVersionProblem('22.11.0')).toBe('guardrails needs Node 22.12 or later; this is Node 22.11.0');
    expect(nodeVersionProblem('22.12.0')).toBeUndefined();
    expect(nodeVersionProblem('24.0.0')).toBeUndefined();
  });
});
