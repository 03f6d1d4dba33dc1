#!/usr/bin/env node
// The README's test command: typecheck, then every test (unit, screen, e2e) with vitest,
// closing with one plain "N passed, N failed" line that CI can read.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const extra = process.argv.slice(2);
const tsc = spawnSync('npx', ['tsc', '--noEmit'], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const report = '.test-report.json';
rmSync(report, { force: true });
const vitest = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra], { stdio: 'inherit' });
let passed = 0, failed = 0, skipped = 0;
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests; failed = json.numFailedTests; skipped = json.numPendingTests + (json.numTodoTests ?? 0);
} catch { failed = Math.max(failed, 1); }
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(vitest.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
