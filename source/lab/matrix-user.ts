// The lab's "matrix" user: on a real server the postgres role's dump-all runs its container as
// matrix_user_uid:matrix_user_gid (a system user the playbook creates) with --cap-drop=ALL, so
// the dump directory must be writable by that uid (reference/real-outputs.md §4). The lab does the
// same with a system user of its own, `maswiz-matrix`, created when the lab is built as root.
//
// Without root the lab cannot switch uid: its matrix user is then the login user itself and the
// dump runs as that user. The lab says so (`separate: false`), and a test that needs the separate
// uid skips with that reason rather than passing on a lab that cannot show the difference.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { readMeta, writeMeta } from './lab-meta.js';
import { writeMatrixBaseDefaults } from './playbook-files.js';
import { writeDumpAll } from './server-files.js';

export const LAB_MATRIX_USER = 'maswiz-matrix';

export interface LabMatrixUser {
  /** The name the lab's playbook gives as matrix_user_name. */
  name: string;
  /** True when dump-all runs as this separate, unprivileged uid with every capability dropped. */
  separate: boolean;
  /** Why the lab could not use a separate uid (empty when it does). */
  degraded: string;
}

const exists = (name: string) => spawnSync('id', ['-u', name], { stdio: 'ignore' }).status === 0;

/**
 * Creates the lab's system user when root (idempotent), else falls back to the login user. The user
 * must reach the lab's PostgreSQL socket directory (the real container gets it as a bind mount).
 */
export function ensureLabMatrixUser(socketDir: string): LabMatrixUser {
  const me = os.userInfo().username;
  if (process.getuid?.() !== 0) {
    return { name: me, separate: false, degraded: `the lab runs as ${me}, not root: it cannot run dump-all as another uid, so dump-all writes as ${me}` };
  }
  if (!exists(LAB_MATRIX_USER)) {
    const r = spawnSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', LAB_MATRIX_USER],
      { encoding: 'utf8' },
    );
    // Another lab being built at the same moment may have created it first.
    if (r.status !== 0 && !exists(LAB_MATRIX_USER)) {
      return { name: me, separate: false, degraded: `useradd ${LAB_MATRIX_USER} failed (${(r.stderr || String(r.error)).trim()}): dump-all writes as ${me}` };
    }
  }
  if (spawnSync('runuser', ['-u', LAB_MATRIX_USER, '--', 'test', '-x', socketDir]).status !== 0) {
    return {
      name: me,
      separate: false,
      degraded: `${LAB_MATRIX_USER} cannot reach the lab's database socket in ${socketDir} (a parent directory is private): dump-all writes as ${me}`,
    };
  }
  return { name: LAB_MATRIX_USER, separate: true, degraded: '' };
}

/**
 * Hands the lab's matrix user to `name` (the over-SSH harness runs the server side as its SSH user,
 * without root): lab.json, the playbook's matrix-base defaults and dump-all are rewritten to match.
 */
export function loginUserAsMatrixUser(dir: string, name: string, why: string): void {
  const meta = readMeta(dir);
  const next = { ...meta, matrixUser: { name, separate: false, degraded: why } };
  writeMeta(dir, next);
  writeMatrixBaseDefaults(dir, next);
  writeDumpAll(dir, next);
}
