import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends a run with one plain line, `N passed, N failed, N skipped`, that any CI log reader
 * understands, after vitest's own summary; a test that skipped itself with a note (a missing
 * browser, say) gets a line of its own above it, saying why, and so does a file that failed
 * outside its tests (counted as one failure).
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const count = { passed: 0, failed: 0, skipped: 0 };
    const notes: string[] = [];
    for (const module of testModules) {
      let failedHere = 0;
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') count.passed += 1;
        else if (result.state === 'failed') failedHere += 1;
        else {
          count.skipped += 1;
          if (result.state === 'skipped' && result.note) {
            notes.push(`skipped: ${test.fullName}: ${result.note}\n`);
          }
        }
      }
      count.failed += failedHere;
      // A file can fail with no failed test (an error in a hook or at import skips its tests):
      // it counts as a failure, never as skips alone.
      if (failedHere === 0 && module.state() === 'failed') {
        count.failed += 1;
        notes.push(
          `failed: ${module.moduleId}: an error outside its tests (a hook or the import)\n`,
        );
      }
    }
    process.stdout.write(
      `\n${notes.join('')}${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`,
    );
  }
}
