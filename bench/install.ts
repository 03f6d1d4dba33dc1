// Install figures for `npm run bench`, for this commit and for the one before
// @vector-im/syn2mas left package.json (the previous value), in the same run:
//   install_s   `npm ci` in a fresh clone, npm's cache warm (the developer's and CI's install;
//               it includes the `prepare` build);
//   install_mb  node_modules of a production install: the `npm pack` tarball installed with
//               --omit=dev into an empty directory, as `npx` does on an operator's laptop.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface InstallFigures {
  install_s: number;
  install_mb: number;
  install_s_before: number;
  install_mb_before: number;
  install_before_ref: string;
}

export interface InstallHooks {
  root: string;
  onCleanup(fn: () => void): void;
  log(text: string): void;
}

function run(argv: readonly string[], cwd: string, timeoutMs = 900_000): number {
  const started = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { cwd, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, CI: 'true' }, maxBuffer: 64 << 20 });
  if (r.status !== 0)
    throw new Error(`install: ${argv.join(' ')} in ${cwd} exited ${r.status ?? r.signal}:\n${(r.stderr || r.stdout).trim().split('\n').slice(-15).join('\n')}`);
  return (performance.now() - started) / 1000;
}

/** Bytes on disk under `dir` (du, 1 KiB blocks). */
function diskMb(dir: string): number {
  return Number(execFileSync('du', ['-sk', dir], { encoding: 'utf8' }).split('\t')[0]) / 1024;
}

/** The commit before the one that took @vector-im/syn2mas out of package.json's dependencies. */
export function beforeRef(root: string): string {
  const removal = execFileSync('git', ['-C', root, 'log', '-1', '--format=%H', '-S', '"@vector-im/syn2mas": ', '--', 'package.json'], {
    encoding: 'utf8',
  }).trim();
  if (!removal)
    throw new Error(
      "install: no commit in this clone's history changes @vector-im/syn2mas in package.json (a shallow clone?); the previous value cannot be measured",
    );
  return execFileSync('git', ['-C', root, 'rev-parse', '--short', `${removal}^`], { encoding: 'utf8' }).trim();
}

async function measure(ref: string, hooks: InstallHooks): Promise<{ s: number; mb: number }> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-bench-install-'));
  hooks.onCleanup(() => rmSync(base, { recursive: true, force: true }));
  const clone = path.join(base, 'clone');
  run(['git', 'clone', '-q', '--no-checkout', hooks.root, clone], base);
  run(['git', '-C', clone, 'checkout', '-q', ref], base);
  hooks.log(`install: npm ci in a fresh clone at ${ref}`);
  const s = run(['npm', 'ci', '--no-audit', '--no-fund'], clone);
  run(['npm', 'pack', '--silent', '--pack-destination', base], clone);
  const tarball = readdirSync(base).find((n) => n.endsWith('.tgz'));
  if (!tarball) throw new Error(`install: npm pack left no tarball in ${base}`);
  const app = path.join(base, 'app');
  mkdirSync(app);
  hooks.log(`install: production install of the ${ref} tarball`);
  run(['npm', 'install', '--omit=dev', '--no-audit', '--no-fund', '--no-save', path.join(base, tarball)], app);
  const mb = diskMb(path.join(app, 'node_modules'));
  rmSync(base, { recursive: true, force: true });
  return { s, mb };
}

export async function benchInstall(hooks: InstallHooks): Promise<InstallFigures> {
  const head = execFileSync('git', ['-C', hooks.root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const before = beforeRef(hooks.root);
  const old = await measure(before, hooks);
  const now = await measure(head, hooks);
  return { install_s: now.s, install_mb: now.mb, install_s_before: old.s, install_mb_before: old.mb, install_before_ref: before };
}
