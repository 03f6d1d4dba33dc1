// Tests that spawn the CLI run the compiled output: build it once before any test.
// tsc emits even when a file has type errors; `npm test` type-checks on its own first,
// so a type error elsewhere does not stop every test here.
import { spawnSync } from 'node:child_process';

export default function setup(): void {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (r.error) throw r.error;
}
