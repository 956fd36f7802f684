import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startVitest } from 'vitest/node';
import SummaryReporter from '../summary-reporter.js';

/**
 * Run vitest on fixture files (globals, no config) and return the summary line. With more
 * than one fixture, each runs as its own project, as `npm test` runs its `fast` and `slow` ones.
 */
async function summaryOf(...fixtures: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'guardrails-reporter-'));
  directories.push(dir);
  const names = fixtures.map((_, index) => `fixture-${index}.test.js`);
  for (const [index, fixture] of fixtures.entries()) await writeFile(join(dir, names[index] ?? ''), fixture);
  const projects =
    names.length > 1 ? names.map((name) => ({ extends: true, test: { name, include: [name] } })) : undefined;
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
      ...(projects === undefined ? {} : { projects }),
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

    it('counts the tests of every project in one line', async () => {
      // Prepare
      // Each fixture's passing tests check that they run in a project of their own.
      const inProject = (name: string) =>
        `({ task }) => { if (task.file.projectName !== '${name}') throw new Error(task.file.projectName); }`;
      const fast = `it('passes', ${inProject('fixture-0.test.js')}); it('passes too', () => {});`;
      const slow = `it('fails', () => { throw new Error('no tarball'); }); it('passes', ${inProject('fixture-1.test.js')});`;

      // Act
      const line = await summaryOf(fast, slow);

      // Assess
      expect(line).toBe('3 passed, 1 failed');
    });
  });
});
