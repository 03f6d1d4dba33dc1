#!/usr/bin/env node
// The README's test command: the system packages the tests need (installed when run as root,
// else one command to run), typecheck, then every test (unit, screen, e2e) with vitest, closing
// with one plain "N passed, N failed" line that CI can read.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const extra = process.argv.slice(2);

// scripts/system-packages.json is the one list (the lab reads it too, source/lab/system-packages.ts).
const { packages } = JSON.parse(readFileSync(new URL('./system-packages.json', import.meta.url), 'utf8'));
const executable = (file) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
const present = (provides) =>
  provides.startsWith('/') ? executable(provides) : (process.env.PATH ?? '').split(':').some((dir) => dir && executable(path.join(dir, provides)));
const missing = packages.filter((p) => p.for.includes('tests') && !present(p.provides)).map((p) => p.package);
const root = process.getuid?.() === 0;
if (missing.length) {
  const install = ['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...missing];
  if (!root) {
    console.error(`The tests need ${missing.join(', ')}. Install them, then run npm test again:\n  sudo ${install.join(' ')}`);
    process.exit(1);
  }
  console.log(`[test] installing ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (
    spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env }).status !== 0 ||
    spawnSync(install[0], install.slice(1), { stdio: 'inherit', env }).status !== 0
  )
    process.exit(1);
}
// sshd (started by the tests on loopback) refuses to run without its privilege-separation dir.
if (root) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
const tsc = spawnSync('npx', ['tsc', '--noEmit'], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
const lint = spawnSync('npm', ['run', '--silent', 'lint'], { stdio: 'inherit' });
if (lint.status !== 0) process.exit(lint.status ?? 1);

const report = '.test-report.json';
rmSync(report, { force: true });
const vitest = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra], { stdio: 'inherit' });
let passed = 0,
  failed = 0,
  skipped = 0;
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests;
  failed = json.numFailedTests;
  skipped = json.numPendingTests + (json.numTodoTests ?? 0);
} catch {
  failed = Math.max(failed, 1);
}
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(vitest.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
