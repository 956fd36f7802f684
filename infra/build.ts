/**
 * Bundle each `functions/<name>/handler.ts` into `dist/functions/<name>/handler.mjs`, and the
 * operator CLI (`bin/guardrails.ts`) into `dist/guardrails.mjs`: minified ESM with the
 * AWS SDK bundled in (the Lambda runtime's built-in SDK may predate the Durability fields and
 * drop them silently; an installed CLI needs no TypeScript runtime and no devDependency).
 *
 *   tsx infra/build.ts        functions and CLI
 *   tsx infra/build.ts cli    the CLI only (`npm pack` runs this as `prepack`)
 */
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';

const ROOT = new URL('..', import.meta.url).pathname;
const OUT = join(ROOT, 'dist', 'functions');

/** Where the CLI bundle goes (package.json `bin` points at it). */
export const CLI_BUNDLE = join('dist', 'guardrails.mjs');

/** Lets bundled CommonJS dependencies call require() inside an ESM bundle. */
const REQUIRE_SHIM =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** Settings every bundle shares. */
const BUNDLE: BuildOptions = {
  absWorkingDir: ROOT,
  bundle: true,
  minify: true,
  metafile: true,
  platform: 'node',
  // Prefer the ES module builds: the SDK's are tree-shakeable, its CommonJS ones are not.
  mainFields: ['module', 'main'],
  format: 'esm',
  legalComments: 'none',
  logLevel: 'warning',
};

/** Bundle `entry` into `outfile` (relative to the repository, or absolute); returns the metafile. */
async function bundle(entry: string, outfile: string, options: BuildOptions): Promise<Metafile> {
  const result = await build({
    ...BUNDLE,
    ...options,
    entryPoints: [join(ROOT, entry)],
    outfile: resolve(ROOT, outfile),
  });
  return result.metafile ?? { inputs: {}, outputs: {} };
}

export async function functionNames(): Promise<string[]> {
  const entries = await readdir(join(ROOT, 'functions'), { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/**
 * Build every function (or those named) into `out` (default `dist/functions`), each with its
 * esbuild metafile beside it (`meta.json`); returns bundle sizes in bytes by function name.
 */
export async function buildFunctions(
  options: { out?: string; names?: readonly string[] } = {},
): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  for (const name of options.names ?? (await functionNames())) {
    const outdir = join(options.out ?? OUT, name);
    await mkdir(outdir, { recursive: true });
    const outfile = relative(ROOT, join(outdir, 'handler.mjs'));
    const metafile = await bundle(join('functions', name, 'handler.ts'), outfile, {
      sourcemap: true,
      target: 'node22',
      banner: { js: REQUIRE_SHIM },
    });
    await writeFile(join(outdir, 'meta.json'), JSON.stringify(metafile));
    await copyFile(join(ROOT, 'infra', 'policy.default.yaml'), join(outdir, 'policy.yaml'));
    const output = Object.values(metafile.outputs).find((entry) => entry.entryPoint !== undefined);
    sizes[name] = output?.bytes ?? 0;
  }
  return sizes;
}

/**
 * Build the CLI into `outfile` (default {@link CLI_BUNDLE}). Its syntax targets Node 20 so that
 * an older Node than the one required still parses it and reaches the version check, which
 * runs before the CLI is loaded (bin/guardrails.ts). Returns its metafile (which inputs it
 * holds: never the sandbox).
 */
export async function buildCli(outfile: string = CLI_BUNDLE): Promise<Metafile> {
  return bundle(join('bin', 'guardrails.ts'), outfile, {
    target: 'node20',
    banner: { js: `#!/usr/bin/env node\n${REQUIRE_SHIM}` },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cliOnly = process.argv[2] === 'cli';
  const sizes = cliOnly ? {} : await buildFunctions();
  for (const [name, bytes] of Object.entries(sizes)) {
    console.log(
      `${name.padEnd(24)} ${(bytes / 1024).toFixed(0).padStart(6)} KiB  dist/functions/${name}/handler.mjs`,
    );
  }
  const cli = await buildCli();
  const bytes = cli.outputs[CLI_BUNDLE]?.bytes ?? 0;
  console.log(`${'cli'.padEnd(24)} ${(bytes / 1024).toFixed(0).padStart(6)} KiB  ${CLI_BUNDLE}`);
}
