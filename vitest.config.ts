import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files that spend most of their time in child processes (packaging with `osls package`,
 * `npm pack`, the demo, a copy of the project run through tsx): tens of seconds each. They run
 * as the `slow` project, one at a time, so they never hold every worker the fast files need.
 */
const SLOW = [
  'test/integration/deploy/real-aws.test.ts',
  'test/integration/deploy/template.test.ts',
  'test/integration/checks/add-a-check.test.ts',
  'test/integration/cli/package.test.ts',
  'test/integration/demo.test.ts',
];

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    coverage: {
      provider: 'v8',
      include: ['functions/**', 'shared/**', 'infra/**/*.ts'],
      reporter: ['text-summary'],
    },
    projects: [
      {
        extends: true,
        test: { name: 'fast', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...SLOW] },
      },
      { extends: true, test: { name: 'slow', include: SLOW, maxWorkers: 1 } },
    ],
  },
});
