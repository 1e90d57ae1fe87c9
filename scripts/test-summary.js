// Prints `tests: N passed, M failed` from a Vitest JSON report. A failed step outside Vitest
// (typecheck, lint, build, package checks) counts as one failed test so the line never hides it.
import { readFileSync } from 'node:fs';

const [reportPath = 'reports/vitest.json', exitCode = '0'] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
} catch {
  failed = 1;
}
if (exitCode !== '0' && failed === 0) failed = 1;
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
