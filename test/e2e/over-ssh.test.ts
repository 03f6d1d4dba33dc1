// The migrate flow with the lab served through the loopback OpenSSH server (startSshd +
// labOverSsh): the wizard's server commands go over the real SshTarget (host key verified
// against known_hosts), the playbook over real ansible ssh. First without confirm_server_name:
// it must stop at the gate (exit 3, naming the key) with MAS still empty; then to the end.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../harness/sshd.js';
import { labOverSsh } from '../harness/lab-over-ssh.js';
import { labCount, MIGRATE_ANSWERS, newLab, removeLab, runAnswers, serverRecord, status, stepStatus, wizard, type E2E } from '../harness/e2e.js';

let e: E2E;
let sshd: Sshd;
beforeAll(async () => {
  sshd = await startSshd();
  e = await newLab();
  const { hostLine } = labOverSsh(e.lab, sshd);
  // The SSH user owns the lab's server tree and has no sudo here: no privilege escalation.
  const hosts = path.join(e.lab.playbookDir, 'inventory', 'hosts');
  writeFileSync(hosts, readFileSync(hosts, 'utf8').replace(hostLine, `${hostLine} ansible_become=false`));
});
afterAll(async () => {
  sshd?.stop();
  await removeLab(e);
});

// The host line says ansible_become=false, so every server command (probes included) runs as the
// SSH login user, who has no sudo here: a command that asked for sudo would fail these tests.
describe('migrate over real SSH', () => {
  it('an answers file without confirm_server_name stops at the migration gate: exit 3 naming the key, nothing migrated', async () => {
    const { confirm_server_name: _omitted, ...noConfirm } = MIGRATE_ANSWERS;
    const r = await runAnswers(e, noConfirm);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout + r.stderr).toContain('confirm_server_name');
    expect(stepStatus(await status(e))['dry-run']).toBe('succeeded');
    expect(stepStatus(await status(e)).migrate).not.toBe('succeeded');
    expect(labCount(e, 'matrix_authentication_service', 'SELECT count(*) FROM users')).toBe(0);
    expect(serverRecord(e)?.history.some((h) => h.step === 'migrate') ?? false).toBe(false);
  }, 120_000);

  it('with it, the run finishes; the server side ran over SSH as the login user', async () => {
    const r = await runAnswers(e, MIGRATE_ANSWERS);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const view = await status(e);
    expect(Object.values(stepStatus(view)).every((s) => s === 'succeeded')).toBe(true);
    expect(view.summary!.mas_users).toBe(6);
    // The server's record was written through SshTarget, so it belongs to the SSH login user, not to this root process.
    const record = path.join(e.lab.serverRoot, 'matrix-authentication-service', 'mas-wizard-record.json');
    expect(statSync(record).uid).toBe(Number(execFileSync('id', ['-u', sshd.user], { encoding: 'utf8' })));
    expect(serverRecord(e)!.history.filter((h) => h.step === 'migrate' && h.outcome === 'started')).toHaveLength(1);
    const out = path.join(e.stateDir, 't.txt');
    expect((await wizard(e, ['transcript', '--out', out])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain(`${sshd.user}@127.0.0.1:${sshd.port}`);
  }, 120_000);
});
