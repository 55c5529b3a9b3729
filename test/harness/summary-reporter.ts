import type { Reporter, TestModule, TestRunEndReason } from 'vitest/node';

/**
 * Adds the plain closing line `tests: N passed, N failed, N skipped`, which CI reads whatever
 * the runner; vitest's own summary stays as it is.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: readonly TestModule[], errors: readonly unknown[], reason: TestRunEndReason): void {
    const count = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    for (const module of modules) for (const test of module.children.allTests()) count[test.result().state]++;
    // A module that failed to load, an error outside any test (a global setup that could not
    // start nats-server) or an aborted run has no test to count, but is a failure all the same.
    const broken = modules.filter((m) => m.state() === 'failed' && [...m.children.allTests()].length === 0).length;
    let failed = count.failed + broken + errors.length;
    if (reason !== 'passed' && failed === 0) failed = 1;
    process.stdout.write(`\ntests: ${count.passed} passed, ${failed} failed, ${count.skipped + count.pending} skipped\n`);
  }
}
