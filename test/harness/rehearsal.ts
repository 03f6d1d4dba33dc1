// Rehearsal helper: a real playbook snapshot (../shared/data/playbook-snapshots) unpacked into a temp
// dir, `mas-wizard lab reset --playbook <it> [--vars F] [--scenario S] --yes` run through the CLI as
// an operator would, and the same E2E handle the e2e tests use (status, SQL, answers) around it.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureLab } from '../../source/lab/lab.js';
import { CLI, type E2E } from './e2e.js';

import { EXAMPLE_VARS, SNAPSHOTS as SNAPSHOT } from './snapshot.js';

export { EXAMPLE_VARS, SNAPSHOT };

export interface Rehearsal extends E2E {
  checkout: string;
  resetMs: number;
  resetOut: string;
}

/** Unpacks the snapshot, builds the lab around it with the CLI, and returns the handle. */
export async function newRehearsal(generation: keyof typeof SNAPSHOT, opts: { vars?: string; scenario?: string } = {}): Promise<Rehearsal> {
  if (!existsSync(SNAPSHOT[generation]))
    throw new Error(
      `${SNAPSHOT[generation]} is missing: the rehearsal tests need the real playbook snapshots (set MAS_WIZARD_PLAYBOOK_SNAPSHOTS to their directory)`,
    );
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-rehearsal-'));
  chmodSync(stateDir, 0o755);
  execFileSync('bash', ['-c', 'zstd -dc "$0" | tar -x -C "$1"', SNAPSHOT[generation], stateDir]);
  const checkout = path.join(stateDir, 'matrix-docker-ansible-deploy');
  const env: NodeJS.ProcessEnv = { ...process.env, MAS_WIZARD_STATE_DIR: stateDir, NO_COLOR: '1' };
  const started = Date.now();
  const resetOut = execFileSync(
    process.execPath,
    [
      CLI,
      'lab',
      'reset',
      '--playbook',
      checkout,
      ...(opts.vars ? ['--vars', opts.vars] : []),
      ...(opts.scenario ? ['--scenario', opts.scenario] : []),
      '--yes',
    ],
    { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const resetMs = Date.now() - started;
  const lab = await ensureLab({ dir: path.join(stateDir, 'lab') });
  return { stateDir, lab, env, varsFile: path.join(lab.playbookDir, 'inventory', 'host_vars', lab.host, 'vars.yml'), checkout, resetMs, resetOut };
}

/** The task names of the checkout's own syn2mas task file, in order (what its transcript must show). */
export function syn2masTaskNames(checkout: string, generation: keyof typeof SNAPSHOT): string[] {
  const file = path.join(
    checkout,
    'roles',
    'custom',
    'matrix-authentication-service',
    'tasks',
    generation === 'current' ? 'mas_cli_syn2mas.yml' : 'syn2mas.yml',
  );
  return [...readFileSync(file, 'utf8').matchAll(/^- name: (.+)$/gm)].map((m) => m[1]!.replace(/^["']|["']$/g, ''));
}

/** The wizard's transcripts for this state dir, as `transcript` prints them. */
export function transcript(e: E2E): string {
  return execFileSync(process.execPath, [CLI, '--lab', 'transcript'], {
    env: e.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}
