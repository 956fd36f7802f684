/**
 * What every benchmark shares: the rows it reports, the sandbox it runs against, and how
 * bundles are built (as infra/build.ts builds the functions).
 */
import type { BuildOptions } from 'esbuild';
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
