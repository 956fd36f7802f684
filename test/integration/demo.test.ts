import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm start (the sandbox demo)', () => {
  it('tells the whole story and exits 0', async () => {
    // Act
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'infra/local/demo.ts'], {
      cwd: new URL('../..', import.meta.url).pathname,
      timeout: 120_000,
    });

    // Assess: each chapter reports what the system did, not only that it ran.
    expect(stdout).toMatch(/1\. The scheduled scan in report mode[\s\S]*exit code 1/);
    expect(stdout).toMatch(/run 1 .*3 snapshot-started/);
    expect(stdout).toMatch(/run 2 .*3 modify-requested/);
    expect(stdout).toMatch(/orders-new .*modify-requested/);
    expect(stdout).toMatch(/SNS: .*drift: sessions-cache sse-elasticache -> none/);
    expect(stdout).toMatch(/pre-migration snapshot orders-migrated-premigration-demo-1 \(Durability default/);
    expect(stdout).toMatch(/EffectiveDurability async/);
    expect(stdout).toContain('Done.');
  });
});
