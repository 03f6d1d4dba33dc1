// A real playbook checkout for tests: one of ../shared/data/playbook-snapshots unpacked once per
// process into a temp dir, with an inventory (hosts + host_vars/<host>/vars.yml) as an operator has it.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The shared data folder next to the project (`../shared/data`, as the issues name it), found by
 * walking up from this checkout (a git worktree or a CI clone sits deeper), or
 * MAS_WIZARD_PLAYBOOK_SNAPSHOTS naming the snapshots' directory.
 */
function snapshotsDir(): string {
  if (process.env.MAS_WIZARD_PLAYBOOK_SNAPSHOTS) return process.env.MAS_WIZARD_PLAYBOOK_SNAPSHOTS;
  for (let dir = path.resolve(import.meta.dirname, '..', '..'); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared', 'data', 'playbook-snapshots');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'playbook-snapshots');
  }
}

const DIR = snapshotsDir();
export const SNAPSHOTS = {
  current: path.join(DIR, 'mdad-current-c0681e4bc.tar.zst'),
  legacy: path.join(DIR, 'mdad-legacy-19ccd491f-parent.tar.zst'),
} as const;
/** The playbook's own example vars.yml, from the same shared data folder. */
export const EXAMPLE_VARS = path.resolve(DIR, '..', 'playbook', 'examples-vars.yml');

export const snapshotAvailable = (which: keyof typeof SNAPSHOTS) => existsSync(SNAPSHOTS[which]);
/** Why a test on the real snapshots is skipped (they are data next to the project, not in it), or null. */
export const snapshotsMissing = (): string | null =>
  snapshotAvailable('current') && snapshotAvailable('legacy') ? null : `the real playbook snapshots are not in ${DIR} (set MAS_WIZARD_PLAYBOOK_SNAPSHOTS)`;

/** Unpacks the snapshot and writes inventory/hosts plus host_vars/matrix.example.org/vars.yml with `vars`. */
export function unpackSnapshot(which: keyof typeof SNAPSHOTS, vars: string): { dir: string; host: string; varsFile: string } {
  const root = mkdtempSync(path.join(tmpdir(), `mas-wizard-snapshot-${which}-`));
  execSync(`zstd -dc ${JSON.stringify(SNAPSHOTS[which])} | tar -x -C ${JSON.stringify(root)}`);
  const dir = path.join(root, 'matrix-docker-ansible-deploy');
  const host = 'matrix.example.org';
  mkdirSync(path.join(dir, 'inventory', 'host_vars', host), { recursive: true });
  writeFileSync(path.join(dir, 'inventory', 'hosts'), `[matrix_servers]\n${host} ansible_host=192.0.2.10 ansible_ssh_user=root\n`);
  const varsFile = path.join(dir, 'inventory', 'host_vars', host, 'vars.yml');
  writeFileSync(varsFile, vars);
  return { dir, host, varsFile };
}
