/**
 * The migration and the durability upgrade are siblings on the workflow core
 * (shared/jobs/workflow, shared/domain/workflow): the upgrade reaches none of the migration's
 * modules, directly or through another module. Read from an esbuild metafile of every upgrade
 * module bundled together, packages left out: its inputs are the upgrade's own import closure.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../../', import.meta.url);
const UPGRADE_DIRS = ['shared/jobs/upgrade', 'functions/durability-upgrade'];
const MIGRATION_MODULES = /^(shared\/jobs\/migration|shared\/domain\/migration)\//;

/** Every TypeScript module of the upgrade workflow, as a path from the repository root. */
const upgradeModules = () =>
  UPGRADE_DIRS.flatMap((dir) =>
    readdirSync(new URL(`${dir}/`, ROOT), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => `${dir}/${file}`),
  );

describe('Module: the durability-upgrade workflow', () => {
  it('imports none of the migration modules, directly or transitively', async () => {
    // Prepare
    const entries = upgradeModules();

    // Act
    const result = await build({
      entryPoints: entries.map((file) => fileURLToPath(new URL(file, ROOT))),
      absWorkingDir: fileURLToPath(ROOT),
      bundle: true,
      packages: 'external',
      write: false,
      metafile: true,
      outdir: 'out',
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });

    // Assess
    const inputs = Object.keys(result.metafile.inputs);
    expect(entries).toContain('functions/durability-upgrade/handler.ts');
    expect(inputs).toContain('shared/jobs/upgrade/steps.ts');
    expect(inputs.filter((path) => MIGRATION_MODULES.test(path))).toEqual([]);
  });
});
