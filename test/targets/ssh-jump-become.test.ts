// ProxyJump through a second real sshd, and `become` (sudo) over a real connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSshd, type Sshd } from '../harness/sshd.js';
import { SshTarget, type SshTargetOptions } from '../../source/targets/ssh.js';
import { SshError } from '../../source/targets/ssh-error.js';
import { FAKE_SUDO } from './fake-sudo.js';

let jumpHost: Sshd;
let server: Sshd;
let work: string;
let knownHosts: string;
const targets: SshTarget[] = [];

const base = (extra: Partial<SshTargetOptions> = {}): SshTargetOptions => ({
  host: '127.0.0.1',
  port: server.port,
  username: server.user,
  identityFiles: [server.clientKey],
  knownHostsFile: knownHosts,
  agent: null,
  defaultIdentityFiles: [],
  ...extra,
});
async function connect(extra: Partial<SshTargetOptions> = {}): Promise<SshTarget> {
  const t = await SshTarget.connect(base(extra));
  targets.push(t);
  return t;
}

beforeAll(async () => {
  jumpHost = await startSshd();
  server = await startSshd();
  work = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-jump-'));
  chmodSync(work, 0o755); // the fake sudo below must be readable by the login user
  knownHosts = path.join(work, 'known_hosts');
  writeFileSync(knownHosts, `${jumpHost.knownHostsLine}\n${server.knownHostsLine}\n`);
});

afterAll(async () => {
  for (const t of targets) await t.close();
  jumpHost?.stop();
  server?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('ProxyJump (one hop)', () => {
  const jump = () => ({ host: '127.0.0.1', port: jumpHost.port, username: jumpHost.user, identityFiles: [jumpHost.clientKey] });

  it('reaches the server through the jump host (the server sees a connection owned by the jump sshd)', async () => {
    const t = await connect({ jump: jump() });
    expect(t.description).toBe(`${server.user}@127.0.0.1:${server.port} via ${jumpHost.user}@127.0.0.1:${jumpHost.port}`);
    const clientPort = (await t.run({ script: 'echo "$SSH_CONNECTION"' })).stdout.split(' ')[1];
    // Who owns the client end of that TCP connection? sshd (the jump host), not this node process.
    const owner = execFileSync('ss', ['-tnpH', 'state', 'established', `( sport = :${clientPort} )`], { encoding: 'utf8' });
    expect(owner).toContain('sshd');
    expect(owner).not.toContain(`pid=${process.pid},`);
  });

  it('checks the jump host key too: a changed jump key stops everything', async () => {
    const file = path.join(work, 'kh-jump-changed');
    writeFileSync(file, `[127.0.0.1]:${jumpHost.port} ${server.hostPublicKey}\n${server.knownHostsLine}\n`);
    const err = await connect({ jump: jump(), knownHostsFile: file }).catch((e: SshError) => e);
    expect(err).toBeInstanceOf(SshError);
    expect((err as SshError).kind).toBe('host-key-changed');
    expect((err as SshError).message).toContain(`127.0.0.1:${jumpHost.port}`);
  });

  it('a dropped jump host is reported as lost', async () => {
    const t = await connect({ jump: jump() });
    let ready!: () => void;
    const started = new Promise<void>((r) => {
      ready = r;
    });
    const running = t.run({ script: 'echo started; exec sleep 29.333' }, { onStdout: () => ready() });
    // Drop the jump host once the remote command runs (a fixed pause missed it on a loaded machine).
    await started;
    jumpHost.dropSessions();
    expect(await running).toMatchObject({ lost: true, code: null });
    // Without a pty the remote sleep outlives its session (toolchain.md "Remote orphans").
    server.dropSessions();
    spawnSync('pkill', ['-f', 'sleep 29.333']);
  });
});

describe('become with a stand-in sudo (mock: no sudoers entry is made for the test user)', () => {
  const PASSWORD = 'pa$$ w0rd \'"`;x';
  let sudo: string;
  let bin: string; // owned by the login user: the stand-in runs as that user
  beforeAll(() => {
    bin = path.join(work, 'bin');
    mkdirSync(bin, { mode: 0o755 });
    execFileSync('chown', [server.user, bin]);
    sudo = path.join(bin, 'sudo');
    writeFileSync(sudo, FAKE_SUDO, { mode: 0o755 });
    writeFileSync(path.join(bin, 'sudo-password'), `${PASSWORD}\n`, { mode: 0o644 });
  });
  const mode = (m: 'password' | 'nopasswd') => writeFileSync(path.join(bin, 'sudo-mode'), m, { mode: 0o644 });

  it('sends the password on stdin only; the command gets exactly its own stdin; nothing echoes it', async () => {
    mode('password');
    rmSync(path.join(bin, 'sudo-argv.log'), { force: true });
    const t = await connect({ become: { sudo, password: PASSWORD } });
    const chunks: string[] = [];
    const r = await t.run({ argv: ['cat'] }, { become: true, stdin: 'payload\n', onStdout: (c) => chunks.push(c), onStderr: (c) => chunks.push(c) });
    expect(r).toMatchObject({ code: 0, stdout: 'payload\n', stderr: '' });
    const everything = [
      r.stdout,
      r.stderr,
      ...chunks,
      readFileSync(path.join(bin, 'sudo-argv.log'), 'utf8'),
      readFileSync(path.join(server.dir, 'sshd.log'), 'utf8'),
    ].join('\n');
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain('w0rd');
  });

  it('NOPASSWD: the password line is read away, never handed to the command', async () => {
    mode('nopasswd');
    const t = await connect({ become: { sudo, password: PASSWORD } });
    const r = await t.run({ argv: ['cat'] }, { become: true, stdin: 'only this' });
    expect(r).toMatchObject({ code: 0, stdout: 'only this' });
  });

  it('without a password, sudo -n fails instead of hanging at a prompt', async () => {
    mode('password');
    const t = await connect({ become: { sudo } });
    const r = await t.run({ argv: ['true'] }, { become: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('a password is required');
  });

  it('a wrong password fails cleanly', async () => {
    mode('password');
    const t = await connect({ become: { sudo, password: 'wrong' } });
    const r = await t.run({ argv: ['true'] }, { become: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('incorrect password');
  });

  it('writes and reads files through become', async () => {
    mode('password');
    const t = await connect({ become: { sudo, password: PASSWORD } });
    const file = path.join(bin, 'become-file');
    await t.writeFile(file, 'via sudo', 0o644, { become: true });
    expect((await t.readFile(file, { become: true })).toString()).toBe('via sudo');
    rmSync(file);
  });

  it('refuses a password with a line break (sudo could not read it)', async () => {
    const t = await connect({ become: { sudo, password: 'a\nb' } });
    await expect(t.run({ argv: ['true'] }, { become: true })).rejects.toThrow(/line break/);
  });
});

const hasSudo = spawnSync('dpkg', ['-s', 'sudo']).status === 0;

describe.skipIf(!hasSudo)('become with the real sudo', () => {
  const sudoers = '/etc/sudoers.d/mas-wizard-test';
  const PASSWORD = 'real-sudo-pw-4821';
  afterAll(() => {
    rmSync(sudoers, { force: true });
    execFileSync('usermod', ['-p', '*', server.user]);
  });

  it('NOPASSWD: sudo -n runs as root', async () => {
    writeFileSync(sudoers, `${server.user} ALL=(ALL) NOPASSWD: ALL\n`, { mode: 0o440 });
    const t = await connect({ become: {} });
    expect((await t.run({ argv: ['id', '-u'] }, { become: true })).stdout).toBe('0\n');
  });

  it('with a password on stdin: root, and the password appears nowhere', async () => {
    writeFileSync(sudoers, `${server.user} ALL=(ALL) ALL\n`, { mode: 0o440 });
    execFileSync('chpasswd', { input: `${server.user}:${PASSWORD}\n` });
    const t = await connect({ become: { password: PASSWORD } });
    const seen: string[] = [];
    const r = await t.run({ script: 'id -u; cat' }, { become: true, stdin: 'x', onStdout: (c) => seen.push(c), onStderr: (c) => seen.push(c) });
    expect(r).toMatchObject({ code: 0, stdout: '0\nx' });
    expect([r.stdout, r.stderr, ...seen].join('')).not.toContain(PASSWORD);
    const wrong = await (await connect({ become: { password: 'nope' } })).run({ argv: ['true'] }, { become: true });
    expect(wrong.code).not.toBe(0);
  });
});
