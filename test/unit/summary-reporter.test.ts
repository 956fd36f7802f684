import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startVitest } from 'vitest/node';
import SummaryReporter from '../summary-reporter.js';

/** Run vitest on one fixture file (globals, no config) and return the summary line. */
async function summaryOf(fixture: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'guardrails-reporter-'));
  directories.push(dir);
  await writeFile(join(dir, 'fixture.test.js'), fixture);
  const lines: string[] = [];
  const vitest = await startVitest(
    [],
    {
      root: dir,
      config: false,
      globals: true,
      watch: false,
      reporters: [new SummaryReporter({ write: (text) => lines.push(text) })],
      pool: 'threads',
      maxWorkers: 1,
    },
    {},
    {},
  );
  await vitest.close();
  return lines.join('').trim();
}

const directories: string[] = [];

// The inner run sets process.exitCode when its fixture fails; that is not this run's outcome.
let exitCode: typeof process.exitCode;
beforeEach(() => {
  exitCode = process.exitCode;
});
afterEach(async () => {
  process.exitCode = exitCode;
  for (const dir of directories.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('Class: SummaryReporter', () => {
  describe('Method: onTestRunEnd', () => {
    it('counts the tests of a suite whose beforeAll failed as failed, not skipped', async () => {
      // Prepare
      const fixture = `
describe('broken', () => {
  beforeAll(() => { throw new Error('no database'); });
  it('never runs', () => {});
});
it('passes', () => {});
`;

      // Act
      const line = await summaryOf(fixture);

      // Assess
      expect(line).toBe('1 passed, 1 failed');
    });

    it('counts a failed afterAll as a failure even though its tests passed', async () => {
      // Prepare
      const fixture = `
describe('leaky', () => {
  afterAll(() => { throw new Error('cannot clean up'); });
  it('passes', () => {});
});
it.skip('is skipped', () => {});
`;

      // Act
      const line = await summaryOf(fixture);

      // Assess
      expect(line).toBe('1 passed, 1 failed, 1 skipped');
    });
  });
});
