import type { Reporter, TestModule } from 'vitest/node';

/**
 * Adds the plain closing line `tests: N passed, N failed, N skipped`, which CI reads whatever
 * the runner; vitest's own summary stays as it is.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: readonly TestModule[]): void {
    const count = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    for (const module of modules) for (const test of module.children.allTests()) count[test.result().state]++;
    // A module that failed to load has no tests to count but is a failure all the same.
    const broken = modules.filter((m) => m.state() === 'failed' && [...m.children.allTests()].length === 0).length;
    process.stdout.write(`\ntests: ${count.passed} passed, ${count.failed + broken} failed, ${count.skipped + count.pending} skipped\n`);
  }
}
