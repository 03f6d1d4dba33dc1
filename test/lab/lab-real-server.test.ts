// The lab behaves like a real server where issue 10 found it did not: dump-all writes as the matrix
// user with no capabilities (real-outputs.md §4), syn2mas ≥ 0.16 copies guests and skips what the
// real one skips (§5), and a May 2025 checkout pins MAS 0.16.0, which has no promote-admin (§5).
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyLab, ensureLab, type LabInfo } from '../../source/lab/lab.js';
import { dumpOwner, dumpScript } from '../../source/flow/steps/backup.js';
import { parseVars } from '../../source/playbook/vars-file.js';
import { labParent, run, sql, writeMasConfig } from './helpers.js';

let parent: string;
let lab: LabInfo;

const dumpAll = () => path.join(lab.serverRoot, 'postgres', 'bin', 'dump-all');
const masCli = (args: string[]) => run(path.join(lab.dir, 'server', 'bin', 'mas-cli-in-container'), args);

beforeAll(async () => {
  parent = labParent();
  lab = await ensureLab({ dir: path.join(parent, 'lab'), scenarios: ['guests', 'checkout-2025'] });
});

afterAll(async () => {
  await destroyLab({ dir: lab.dir });
  rmSync(parent, { recursive: true, force: true });
});

describe('dump-all runs as the matrix user with every capability dropped (docker run --user --cap-drop=ALL)', () => {
  it('a backup directory created the old way (root, 0700) makes dump-all fail with "Permission denied"', (ctx) => {
    if (!lab.matrixUser?.separate) ctx.skip(`this lab cannot run dump-all as a separate uid: ${lab.matrixUser?.degraded}`);
    const dir = path.join(parent, 'backup-old-way');
    const r = run('/bin/bash', ['-c', `mkdir -p -m 0700 '${dir}' && '${dumpAll()}' '${dir}'`]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('Permission denied');
  });

  it("the wizard's backup script gives the directory to the matrix user: the dump is written and owned by that non-root uid", (ctx) => {
    if (!lab.matrixUser?.separate) ctx.skip(`this lab cannot run dump-all as a separate uid: ${lab.matrixUser?.degraded}`);
    const defaults = path.join(lab.playbookDir, 'roles', 'custom', 'matrix-base', 'defaults', 'main.yml');
    const owner = dumpOwner([{ label: 'matrix-base defaults', kind: 'role', parsed: parseVars(readFileSync(defaults, 'utf8'), defaults) }]);
    expect(owner).toEqual({ name: 'maswiz-matrix' });
    const dir = path.join(parent, 'backup');
    const r = run('/bin/bash', ['-c', dumpScript(dir, owner, `'${dumpAll()}' '${dir}'`)]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const file = path.join(dir, 'latest-dump.sql.zst');
    const uid = run('id', ['-u', 'maswiz-matrix']).stdout.trim();
    expect(run('stat', ['-c', '%u', file]).stdout.trim()).toBe(uid);
    expect(uid).not.toBe('0');
    expect(run('stat', ['-c', '%a', dir]).stdout.trim()).toBe('700');
    expect(run('zstd', ['-t', file]).status).toBe(0);
  });
});

describe('syn2mas (MAS ≥ 0.16) copies guests as the real one does', () => {
  it('guests land in MAS with is_guest, their tokens are skipped and no session is made for their devices; appservice rows count as skipped', () => {
    const config = writeMasConfig(lab, path.join(parent, 'mas.yaml'), { mapKeycloak: true });
    run(lab.systemctl, ['stop', 'matrix-synapse']);
    const r = masCli(['--config', config, 'syn2mas', `--synapse-config=${path.join(lab.serverRoot, 'synapse', 'config', 'homeserver.yaml')}`, 'migrate']);
    run(lab.systemctl, ['start', 'matrix-synapse']);
    expect(r.status, r.stderr).toBe(0);
    // 6 seeded users + 2 guests; the telegram bridge bot is an appservice user.
    expect(r.stderr).toMatch(/ 8 users migrated \(1 skipped\)/);
    expect(r.stderr).toMatch(/ 2 upstream links \(external IDs\) migrated \(0 skipped\)/);
    // alice, carol, ops; skipped: the bot's and both guests'.
    expect(r.stderr).toMatch(/ 3 non-refreshable access tokens migrated \(3 skipped\)/);
    expect(r.stderr).toMatch(/ 1 refreshable token pairs migrated \(0 skipped\)/);
    // The bot's device is skipped; guests' devices are neither migrated nor counted.
    expect(r.stderr).toMatch(/ 4 devices migrated \(1 skipped\)/);
    expect(sql(lab, 'matrix_authentication_service', "SELECT string_agg(username, ',' ORDER BY username) FROM users WHERE is_guest")).toBe('1001,1002');
    expect(sql(lab, 'matrix_authentication_service', 'SELECT count(*) FROM compat_sessions s JOIN users u USING (user_id) WHERE u.is_guest')).toBe('0');
    expect(sql(lab, 'matrix_authentication_service', 'SELECT count(*) FROM users')).toBe(
      sql(lab, 'synapse', 'SELECT count(*) FROM users WHERE appservice_id IS NULL'),
    );
  });
});

describe('scenario checkout-2025: the playbook of May 2025 (19ccd491f)', () => {
  it('pins MAS 0.16.0, whose mas-cli has no promote-admin (added in 1.3.0)', () => {
    const defaults = readFileSync(path.join(lab.playbookDir, 'roles/custom/matrix-authentication-service/defaults/main.yml'), 'utf8');
    expect(defaults).toMatch(/matrix_authentication_service_version: .*0\.16\.0/);
    const config = writeMasConfig(lab, path.join(parent, 'mas.yaml'), { mapKeycloak: true });
    const r = masCli(['--config', config, 'manage', 'promote-admin', 'alice']);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain("unrecognized subcommand 'promote-admin'");
    expect(masCli(['--config', config, 'manage', 'add-email', 'alice', 'alice2@example.org']).status).toBe(0);
  });

  it('exists only at the current generation', async () => {
    await expect(ensureLab({ dir: path.join(parent, 'legacy-lab'), generation: 'legacy', scenarios: ['checkout-2025'] })).rejects.toThrow(
      /only at the current generation/,
    );
  });
});
