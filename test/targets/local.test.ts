// LocalTarget on real processes: exit codes, signals, streaming, cancel of a whole
// process tree, become (we run as root here, so no sudo is involved), files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalTarget } from '../../source/targets/local.js';
import { waitFor } from '../harness/faults.js';
import { FAKE_SUDO } from './fake-sudo.js';

let dir: string;
const t = new LocalTarget({ cancelGraceMs: 500 });
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-local-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LocalTarget', () => {
  it('runs argv exactly, with cwd and env, stdout and stderr apart', async () => {
    const r = await t.run({ argv: ['sh', '-c', 'pwd; printf "%s|%s" "$1" "$X" >&2; exit 3', '_', "a 'b' $(c)"] }, { cwd: dir, env: { X: 'y z' } });
    expect(r).toMatchObject({ code: 3, signal: null, stdout: `${dir}\n`, stderr: "a 'b' $(c)|y z", lost: false, cancelled: false });
  });

  it('127 for a missing program, with the reason on stderr', async () => {
    const r = await t.run({ argv: ['definitely-not-a-program-xyz'] });
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/ENOENT|not found/);
  });

  it('reports the signal that ended a process', async () => {
    const r = await t.run({ script: 'kill -TERM $$' });
    expect(r).toMatchObject({ code: null, signal: 'SIGTERM' });
  });

  it('passes stdin and streams 100k lines complete and in order', async () => {
    expect((await t.run({ argv: ['cat'] }, { stdin: 'in\n' })).stdout).toBe('in\n');
    let text = '';
    const s = performance.now();
    const r = await t.run(
      { argv: ['seq', '1', '100000'] },
      {
        collect: false,
        onStdout: (c) => {
          text += c;
        },
      },
    );
    console.log(`[measure] local 100k-line stream: ${(performance.now() - s).toFixed(1)} ms`);
    expect(r.stdout).toBe('');
    expect(
      text
        .split('\n')
        .slice(0, -1)
        .every((l, i) => l === String(i + 1)),
    ).toBe(true);
    expect(text.split('\n').length).toBe(100001);
  });

  it('cancel terminates the whole process tree', async () => {
    const controller = new AbortController();
    const running = t.run({ script: 'sleep 311 & sleep 312; wait' }, { signal: controller.signal });
    const pids = (pattern: string) => spawnSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
    // Cancel once there is a tree to kill: both sleeps running.
    await waitFor('both sleeps to start', () => pids('^sleep 31[12]$').length === 2, 30_000, 20);
    controller.abort();
    const r = await running;
    expect(r.cancelled).toBe(true);
    // None left, the shell included; a signalled process may take a moment to go.
    await waitFor('the process tree to be gone', () => pids('sleep 31[12]').length === 0, 30_000, 20);
  });

  it('become as root runs directly (no sudo needed)', async () => {
    expect(process.getuid!()).toBe(0);
    expect((await t.run({ argv: ['id', '-u'] }, { become: true })).stdout).toBe('0\n');
  });

  it('become to another user goes through sudo with the password on stdin (mock sudo: no sudoers entry is made for a test user)', async () => {
    const bin = path.join(dir, 'bin');
    spawnSync('mkdir', [bin]);
    writeFileSync(path.join(bin, 'sudo'), FAKE_SUDO, { mode: 0o755 });
    writeFileSync(path.join(bin, 'sudo-mode'), 'password');
    writeFileSync(path.join(bin, 'sudo-password'), 'pw local\n');
    const becoming = new LocalTarget({ become: { user: 'matrix', sudo: path.join(bin, 'sudo'), password: 'pw local' } });
    const r = await becoming.run({ argv: ['cat'] }, { become: true, stdin: 'data' });
    expect(r).toMatchObject({ code: 0, stdout: 'data', stderr: '' });
    expect(readFileSync(path.join(bin, 'sudo-argv.log'), 'utf8')).toContain('-u matrix');
    expect(readFileSync(path.join(bin, 'sudo-argv.log'), 'utf8')).not.toContain('pw local');
    const wrong = new LocalTarget({ become: { user: 'matrix', sudo: path.join(bin, 'sudo'), password: 'nope' } });
    expect((await wrong.run({ argv: ['true'] }, { become: true })).code).toBe(1);
    rmSync(bin, { recursive: true });
  });

  it('writes atomically with a mode (default 0600) and reads back', async () => {
    const file = path.join(dir, 'f');
    await t.writeFile(file, Buffer.from([0, 255, 10]), 0o644);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(readFileSync(file)).toEqual(Buffer.from([0, 255, 10]));
    await t.writeFile(file, 'secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await t.readFile(file)).toString()).toBe('secret');
    expect(readdirSync(dir)).toEqual(['f']);
  });
});
