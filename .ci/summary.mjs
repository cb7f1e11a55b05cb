// Prints the closing line of a CI run, "N passed, N failed, N skipped", from vitest's JSON report
// and the exit codes of the other checks given as NAME=CODE (each counts as one test).
import { existsSync, readFileSync } from 'node:fs';

const [file, ...checks] = process.argv.slice(2);
const checkCodes = checks.map((check) => Number(check.slice(check.indexOf('=') + 1)));
const checksPassed = checkCodes.filter((code) => code === 0).length;
const checksFailed = checkCodes.length - checksPassed;
if (!file || !existsSync(file)) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const passed = (report.numPassedTests ?? 0) + checksPassed;
// A suite that fails to load has no failed tests of its own; count it as one failure.
const failed =
  Math.max(report.numFailedTests ?? 0, (report.numFailedTestSuites ?? 0) > 0 ? 1 : 0) + checksFailed;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
