// Tests that spawn the CLI run the compiled output: build it once before any test, the
// same way `npm run build` does (tsc, then the screens bundle), so tests exercise what ships.
// tsc emits even when a file has type errors; `npm test` type-checks on its own first,
// so a type error elsewhere does not stop every test here.
import { spawnSync } from 'node:child_process';

export default function setup(): void {
  const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (tsc.error) throw tsc.error;
  const bundle = spawnSync(process.execPath, ['scripts/bundle.mjs'], { stdio: 'inherit' });
  if (bundle.error || bundle.status !== 0) throw new Error('bundling the screens failed (node scripts/bundle.mjs)');
}
