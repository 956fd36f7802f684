/**
 * What every benchmark shares: the rows it reports, the sandbox it runs against, and how
 * bundles are built (as infra/build.ts builds the functions).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { seedFleet } from '../infra/local/emulator/fleet.js';
import { type Emulator, startEmulator } from '../infra/local/emulator/server.js';

export interface Row {
  name: string;
  value: number;
  unit: string;
  /** What the value is compared with (the lower bound, the naive script, the bare client). */
  baseline: number | null;
  goal: string;
  ratio: number | null;
  met: boolean;
  /** The benchmark it comes from (`--only` names; `org-1000` the organisation scan at 1 000 accounts). */
  bench?: string;
  /** The day the row was measured (YYYY-MM-DD), stamped when the results file is written. */
  measured?: string;
}

export const ROOT = new URL('..', import.meta.url).pathname;
export const REGION = 'us-east-1';
export const rows: Row[] = [];
export const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/** How infra/build.ts bundles a function: minified ESM for Node 22, the SDK's ES module builds. */
export const BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'error',
};

export async function sandbox(groups: number, latencyMs = 0): Promise<Emulator> {
  const emulator = await startEmulator();
  seedFleet(emulator.model, emulator.clock, { groups, serverless: Math.round(groups / 10), seed: 42 });
  if (latencyMs > 0) emulator.faults.configure({ latencyMs: { '*': latencyMs } });
  return emulator;
}

export async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
}

/**
 * Run `bench/<entry>` bundled like a function, by plain Node as in Lambda (no TypeScript loader
 * in the process) with `env` added to this process's environment, and parse the JSON line it
 * prints last.
 */
export async function runChild<Result>(
  entry: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<Result> {
  const child = join(mkdtempSync(join(tmpdir(), 'bench-child-')), 'child.mjs');
  await build({ ...BUNDLE_OPTIONS, entryPoints: [join(ROOT, 'bench', entry)], outfile: child });
  const output = await new Promise<string>((resolve, reject) => {
    const options = { cwd: ROOT, maxBuffer: 1 << 20, env: { ...process.env, ...env } };
    execFile(process.execPath, [child, ...args], options, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
  return JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as Result;
}

/** The row of a peak RSS measured in a child process, against Lambda's 256 MB. */
export function rssRow(name: string, maxRssKb: number): void {
  const mb = maxRssKb / 1024;
  rows.push({
    name,
    value: round(mb, 0),
    unit: 'MB',
    baseline: 256,
    goal: '<= 256 MB',
    ratio: round(mb / 256),
    met: mb <= 256,
  });
}
