import type { Reporter, TestCase, TestModule, TestSuite } from 'vitest/node';

/** Whether this suite or module, or one around it, has errors of its own (a failed hook, a load error). */
function failedAround(holder: TestSuite | TestModule): boolean {
  if (holder.errors().length > 0) return true;
  return holder.type === 'suite' && failedAround(holder.parent);
}

/**
 * A test counts as failed when it failed, or when it was skipped because a `beforeAll` of a
 * suite around it failed (vitest marks those tests skipped and puts the error on the suite).
 */
function outcome(test: TestCase): 'passed' | 'failed' | 'skipped' {
  const state = test.result().state;
  if (state === 'passed' || state === 'failed') return state;
  return failedAround(test.parent) ? 'failed' : 'skipped';
}

/** Ends every run with the plain line CI reads: `N passed, N failed[, N skipped]`. */
export default class SummaryReporter implements Reporter {
  readonly #write: (text: string) => void;

  /**
   * `write` receives the line (default: stdout); the reporter's own test captures it.
   * Vitest passes the reporter's options object when it builds the reporter from its path.
   */
  constructor(options: { write?: (text: string) => void } = {}) {
    this.#write = options.write ?? ((text) => process.stdout.write(text));
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) counts[outcome(test)] += 1;
      // A module or suite with errors of its own and no failed test under it (a file that does
      // not load, an afterAll that throws) counts as one failure, so it is never silent.
      for (const holder of [module, ...module.children.allSuites()]) {
        if (holder.errors().length === 0) continue;
        if (![...holder.children.allTests()].some((test) => outcome(test) === 'failed')) counts.failed += 1;
      }
    }
    const skipped = counts.skipped > 0 ? `, ${counts.skipped} skipped` : '';
    this.#write(`\n${counts.passed} passed, ${counts.failed} failed${skipped}\n`);
  }
}
