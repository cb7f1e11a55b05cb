// Prints the closing lines of a CI run from vitest's JSON report and the exit codes of the other checks
// given as NAME=CODE (each counts as one test): first every failure by name, then
// "N passed, N failed, N skipped", so the tail of a long log says what failed.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

const [file, ...checks] = process.argv.slice(2);
const failedChecks = checks.filter((check) => Number(check.slice(check.indexOf('=') + 1)) !== 0);
const checksPassed = checks.length - failedChecks.length;
if (!file || !existsSync(file)) {
  console.log('the test report is missing: npm test did not finish');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const failures = [];
for (const suite of report.testResults ?? []) {
  const where = relative(process.cwd(), suite.name);
  const failedTests = (suite.assertionResults ?? []).filter((test) => test.status === 'failed');
  for (const test of failedTests) {
    const reason = (test.failureMessages?.[0] ?? '').split('\n')[0].slice(0, 300);
    failures.push(`FAILED ${where} > ${test.fullName}${reason ? `\n    ${reason}` : ''}`);
  }
  // A file that fails to load has no failed tests of its own; its message says why.
  if (suite.status === 'failed' && failedTests.length === 0) {
    failures.push(
      `FAILED ${where} (did not load)\n    ${(suite.message ?? '').split('\n')[0].slice(0, 300)}`,
    );
  }
}
for (const check of failedChecks) failures.push(`FAILED check ${check}`);
for (const line of failures) console.log(line);

const passed = (report.numPassedTests ?? 0) + checksPassed;
const failed =
  Math.max(report.numFailedTests ?? 0, (report.numFailedTestSuites ?? 0) > 0 ? 1 : 0) + failedChecks.length;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
