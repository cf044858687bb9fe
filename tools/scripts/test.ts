/**
 * `npm test`: every project's unit and integration tests through Nx, then one closing line
 * `N passed, N failed, N skipped` summed from each project's vitest JSON report.
 * Extra arguments go to `nx run-many` (e.g. `npm test -- --projects=state`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  success: boolean;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const projectDirs = ['apps', 'libs/shared', 'tools']
  .flatMap((group) =>
    readdirSync(path.join(root, group), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => path.join(group, d.name)),
  )
  .filter((dir) => existsSync(path.join(root, dir, 'vitest.config.ts')));
const reportOf = (dir: string) => path.join(root, dir, 'test-results', 'vitest.json');
for (const dir of projectDirs) rmSync(reportOf(dir), { force: true });

const args = ['nx', 'run-many', '-t', 'test', '--outputStyle=static', '--parallel=2', ...process.argv.slice(2)];
const run = spawnSync('npx', args, { cwd: root, stdio: 'inherit', env: process.env });

let passed = 0;
let failed = 0;
let skipped = 0;
const missing: string[] = [];
for (const dir of projectDirs) {
  const file = reportOf(dir);
  if (!existsSync(file)) {
    missing.push(dir);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8')) as VitestReport;
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  // Errors outside any test (an unhandled rejection, a crashed worker) fail the run without a failed test.
  if (!report.success && report.numFailedTests === 0) {
    process.stdout.write(`\n${dir}: errors outside tests\n`);
    failed += 1;
  }
}
const filtered = process.argv.length > 2;
if (missing.length && !filtered) {
  process.stdout.write(`\nno test report from: ${missing.join(', ')}\n`);
  failed += missing.length;
}
const exitCode = run.status === 0 && failed === 0 ? 0 : 1;
process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(exitCode);
