/**
 * The chapters of `npm start`, in the order they are told (each one's number is its place
 * here), each loaded only when told, and `npm start`'s arguments. Nothing heavy is imported
 * here: a refused argument is answered before the SDK, the CLI or a sandbox is loaded.
 */
import { parseArgs } from 'node:util';
import type { LocalDynamo } from '../dynamo.js';
import type { Emulator } from '../emulator/server.js';
import type { Demo } from './sandbox.js';

/**
 * A chapter of `npm start`. `sandbox`, when given, starts the sandbox the chapter tells its story
 * on instead of the shared one (its home region the demo's).
 */
export interface Chapter {
  tell: (demo: Demo) => Promise<void>;
  sandbox?: () => Promise<{ emulator: Emulator; dynamo: LocalDynamo }>;
}

export const CHAPTERS: readonly Chapter[] = [
  { tell: async (demo) => (await import('./01-report-scan.js')).reportScan(demo) },
  { tell: async (demo) => (await import('./02-enforce-scan.js')).enforceScan(demo) },
  { tell: async (demo) => (await import('./03-readiness-plan.js')).readinessPlan(demo) },
  { tell: async (demo) => (await import('./04-staged-upgrade.js')).stagedUpgrade(demo) },
  { tell: async (demo) => (await import('./05-cloudtrail-reaction.js')).cloudTrailReaction(demo) },
  { tell: async (demo) => (await import('./06-encryption-drift.js')).encryptionDrift(demo) },
  { tell: async (demo) => (await import('./07-online-migration.js')).onlineMigration(demo) },
  { tell: async (demo) => (await import('./08-captured.js')).captured(demo) },
  {
    tell: async (demo) => (await import('./09-organisation-scan.js')).organisationScan(demo),
    sandbox: async () => (await import('./09-organisation-scan.js')).organisationSandbox(),
  },
];

/** What `npm start` was asked for: the story (`--keep`: its sandbox left up), or one replay. */
export type DemoOptions = { keep: boolean } | { after: number; command: string[] };

/**
 * `--keep`, or `--after N COMMAND…` (replay.ts); anything else throws the one line a usage error
 * prints (exit 2).
 *
 * @example
 * demoArguments(['--after', '2', 'scan']); // { after: 2, command: ['scan'] }
 */
export function demoArguments(args: string[]): DemoOptions {
  if (args[0] === '--after') {
    const after = Number(args[1]);
    if (!Number.isInteger(after) || after < 1 || after > CHAPTERS.length || args.length < 3)
      throw new Error(
        `--after takes a chapter from 1 to ${CHAPTERS.length} and the command to run, got "${args.slice(1).join(' ')}"`,
      );
    return { after, command: args.slice(2) };
  }
  return parseArgs({ args, options: { keep: { type: 'boolean', default: false } } }).values;
}
