// A real playbook checkout for tests: one of ../shared/data/playbook-snapshots unpacked once per
// process into a temp dir, with an inventory (hosts + host_vars/<host>/vars.yml) as an operator has it.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const SNAPSHOTS = {
  current: '/work/shared/data/playbook-snapshots/mdad-current-c0681e4bc.tar.zst',
  legacy: '/work/shared/data/playbook-snapshots/mdad-legacy-19ccd491f-parent.tar.zst',
} as const;

export const snapshotAvailable = (which: keyof typeof SNAPSHOTS) => existsSync(SNAPSHOTS[which]);

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
