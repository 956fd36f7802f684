import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files that spend most of their time in child processes (packaging with `osls package`,
 * `npm pack`, the demo, a copy of the project run through tsx): tens of seconds each. They run
 * as the `slow` project, one at a time once the fast files are done (vitest runs a project of
 * one worker after the others), so they never hold a worker the fast files need and never
 * compete with each other for the cores.
 */
const SLOW = [
  'test/integration/deploy/real-aws.test.ts',
  'test/integration/deploy/template.test.ts',
  'test/integration/checks/add-a-check.test.ts',
  'test/integration/cli/package.test.ts',
  'test/integration/demo.test.ts',
  'test/integration/faults/scale.test.ts',
];

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    coverage: {
      provider: 'v8',
      include: ['functions/**', 'shared/**', 'cli/**', 'infra/**/*.ts'],
      reporter: ['text-summary'],
    },
    projects: [
      {
        extends: true,
        // The unit files need no process of their own (no server, no child process): they share
        // the workers, each file run after the previous one's state is undone (test/fresh-file.ts).
        // Their own setup (after test/setup.ts) adds the client-mock matchers and that undoing.
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/setup-unit.ts'],
          isolate: false,
          maxWorkers: '100%',
        },
      },
      {
        extends: true,
        // Vitest's default for `run` is one worker fewer than the cores: a single worker on 2 cores,
        // while a fast file often waits on its in-process sandbox. One per core. The integration
        // files share their workers too (each closes its own sandbox; what a file leaves in the
        // process is undone after it, test/fresh-file.ts): 258 s of CPU became 146 s.
        test: {
          name: 'fast',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...SLOW, 'test/unit/**'],
          setupFiles: ['test/setup-shared.ts'],
          isolate: false,
          maxWorkers: '100%',
        },
      },
      { extends: true, test: { name: 'slow', include: SLOW, maxWorkers: 1 } },
    ],
  },
});
