/**
 * Bundle each `functions/<name>/handler.ts` into `dist/functions/<name>/handler.mjs`:
 * minified ESM with source map and metafile, the AWS SDK bundled in (the Lambda
 * runtime's built-in SDK may predate the Durability fields and drop them silently).
 */
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOT = new URL('..', import.meta.url).pathname;
const OUT = join(ROOT, 'dist', 'functions');

/** Lets bundled CommonJS dependencies call require() inside an ESM bundle. */
const REQUIRE_SHIM =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

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
    const result = await build({
      entryPoints: [join(ROOT, 'functions', name, 'handler.ts')],
      outfile: join(outdir, 'handler.mjs'),
      absWorkingDir: ROOT,
      bundle: true,
      minify: true,
      sourcemap: true,
      metafile: true,
      platform: 'node',
      // Prefer the ES module builds: the SDK's are tree-shakeable, its CommonJS ones are not.
      mainFields: ['module', 'main'],
      target: 'node22',
      format: 'esm',
      banner: { js: REQUIRE_SHIM },
      legalComments: 'none',
      logLevel: 'warning',
    });
    await writeFile(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
    await copyFile(join(ROOT, 'infra', 'policy.default.yaml'), join(outdir, 'policy.yaml'));
    const output = Object.values(result.metafile.outputs).find((entry) => entry.entryPoint !== undefined);
    sizes[name] = output?.bytes ?? 0;
  }
  return sizes;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = await buildFunctions();
  for (const [name, bytes] of Object.entries(sizes)) {
    console.log(
      `${name.padEnd(24)} ${(bytes / 1024).toFixed(0).padStart(6)} KiB  dist/functions/${name}/handler.mjs`,
    );
  }
}
