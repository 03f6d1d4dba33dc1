// Detached jobs over a REAL loopback OpenSSH server (test/harness/sshd.ts): the job
// survives the SSH sessions being killed, the wizard reconnects and re-attaches from the
// last byte, and the concatenated output equals the job's full output exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../harness/faults.js';
import { startSshd, type Sshd } from '../harness/sshd.js';
import { SshTarget } from '../../source/targets/ssh.js';
import { attach, cancel, probe, startDetached, type JobHandle } from '../../source/remote/detached.js';

let sshd: Sshd;
let work: string;
let target: SshTarget;
let root: string;
/** Created by the test once the link has dropped: the long job waits for it after line 20. */
let go: string;
const jobs: JobHandle[] = [];

async function connect(): Promise<SshTarget> {
  return SshTarget.connect({
    host: '127.0.0.1',
    port: sshd.port,
    username: sshd.user,
    identityFiles: [sshd.clientKey],
    knownHostsFile: path.join(work, 'known_hosts'),
    agent: null,
    defaultIdentityFiles: [],
    keepaliveInterval: 500,
    keepaliveCountMax: 2,
  });
}

beforeAll(async () => {
  sshd = await startSshd();
  work = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-detached-ssh-'));
  writeFileSync(path.join(work, 'known_hosts'), `${sshd.knownHostsLine}\n`);
  target = await connect();
  const home = execFileSync('sh', ['-c', `getent passwd ${sshd.user} | cut -d: -f6`], { encoding: 'utf8' }).trim();
  root = path.join(home, `mas-wizard-jobs-test-${process.pid}`);
  go = path.join(home, `mas-wizard-long-go-${process.pid}`);
});

afterAll(async () => {
  for (const job of jobs) {
    try {
      await cancel(target, job, { graceSeconds: 0.2 });
    } catch {
      /* gone */
    }
  }
  await target?.close();
  sshd?.stop();
  rmSync(root, { recursive: true, force: true });
  rmSync(go, { force: true });
  rmSync(work, { recursive: true, force: true });
});

/** The exact bytes the long job writes: 60 numbered lines, some non-ASCII, then exit 3. */
function expectedOutput(n: number): string {
  let s = '';
  for (let i = 1; i <= n; i++) s += `line ${i} ${'x'.repeat(100)} é✓\n`;
  return s;
}
// After line 20 it waits for the test's go file: however slowly a loaded machine follows, the
// job is still running when the test drops the link after line 10.
const longJob = () =>
  `i=0; while [ $i -lt 60 ]; do i=$((i+1)); printf "line %d %s é✓\\n" $i "$(printf "%0100d" 0 | tr 0 x)"; sleep 0.05; [ $i -ne 20 ] || while [ ! -e '${go}' ]; do sleep 0.05; done; done; exit 3`;

describe('detached jobs over real sshd', () => {
  it('survives dropped SSH sessions: re-attach from the last byte gives the full output exactly once, then the exit status', async () => {
    const job = await startDetached(target, { jobId: 'long', dir: root, command: { script: longJob() } });
    jobs.push(job);
    let text = '';
    let dropped = false;
    const first = await attach(target, job, {
      pollSeconds: 0.05,
      onChunk: (c) => {
        text += c;
        if (!dropped && text.split('\n').length > 10) {
          dropped = true;
          sshd.dropSessions();
        }
      },
    });
    expect(first.lost).toBe(true);
    expect(first.state).toBe('lost');
    expect(first.lastByte).toBe(Buffer.byteLength(text));
    expect(first.lastByte).toBeGreaterThan(0);
    writeFileSync(go, ''); // the job may go on while nobody is connected

    // The wizard comes back: new connection, the job is still running on its own.
    await target.reconnect();
    const seen = await probe(target, job);
    expect(['running', 'exited']).toContain(seen.state);
    expect(seen.logBytes).toBeGreaterThanOrEqual(first.lastByte);

    const second = await attach(target, job, {
      fromByte: first.lastByte,
      pollSeconds: 0.05,
      onChunk: (c) => {
        text += c;
      },
    });
    expect(second).toMatchObject({ state: 'exited', exitCode: 3, lost: false });
    expect(text).toBe(expectedOutput(60));
    expect(second.lastByte).toBe(Buffer.byteLength(expectedOutput(60)));
    expect(readFileSync(path.join(job.dir, 'log'), 'utf8')).toBe(text);
    expect(await probe(target, job)).toMatchObject({ state: 'exited', exitCode: 3 });
  });

  it('learns the exit status of a job that ended while nobody was connected', async () => {
    const job = await startDetached(target, { jobId: 'offline', dir: root, command: { script: 'echo started; sleep 0.5; echo finished; exit 5' } });
    jobs.push(job);
    sshd.dropSessions();
    // Reconnect only once the job has ended (its exit record is on this machine's disk), however long a loaded machine takes.
    await waitFor('the job to end while nobody is connected', () => existsSync(path.join(job.dir, 'exit')), 30_000, 20);
    await target.reconnect();
    expect(await probe(target, job)).toMatchObject({ state: 'exited', exitCode: 5, logBytes: 'started\nfinished\n'.length });
    let text = '';
    const r = await attach(target, job, {
      onChunk: (c) => {
        text += c;
      },
    });
    expect(r).toMatchObject({ state: 'exited', exitCode: 5 });
    expect(text).toBe('started\nfinished\n');
  });

  it('probe reports a vanished pid (killed without an exit record)', async () => {
    const job = await startDetached(target, { jobId: 'vanish', dir: root, command: { script: 'sleep 30' } });
    jobs.push(job);
    expect(await probe(target, job)).toMatchObject({ state: 'running', pid: job.pid });
    process.kill(-job.pid, 'SIGKILL');
    // A SIGKILLed process lingers until the kernel has run its exit; wait for that, not a pause.
    const seen = await waitFor('the killed job to stop looking alive', async () => {
      const p = await probe(target, job);
      return p.state !== 'running' && p;
    });
    expect(seen).toMatchObject({ state: 'vanished' });
  });

  it('cancel stops a running job over SSH', async () => {
    const job = await startDetached(target, { jobId: 'cancel', dir: root, command: { script: 'echo working; sleep 30' } });
    jobs.push(job);
    // TERM ends it at once; a long grace keeps a loaded machine's late exit record from counting as a KILL.
    const c = await cancel(target, job, { graceSeconds: 20 });
    expect(c.probe).toMatchObject({ state: 'exited', exitCode: 143 });
    let text = '';
    await attach(target, job, {
      onChunk: (t) => {
        text += t;
      },
    });
    // The shell may add its own "Terminated" note after the command's output.
    expect(text.startsWith('working\n')).toBe(true);
  });
});
