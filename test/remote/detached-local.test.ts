// Detached jobs on this machine (LocalTarget, real sh/setsid/proc): start, follow,
// re-attach from a byte offset, exit status, vanished pid, cancel, secrets off the command line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalTarget } from '../../source/targets/local.js';
import { waitFor } from '../harness/faults.js';
import { attach, cancel, probe, startDetached, DetachedJobError, type JobHandle } from '../../source/remote/detached.js';

const target = new LocalTarget();
let root: string;
const started: JobHandle[] = [];

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-jobs-'));
});
afterAll(async () => {
  for (const job of started) {
    try {
      await cancel(target, job, { graceSeconds: 0.2 });
    } catch {
      /* already gone */
    }
  }
  rmSync(root, { recursive: true, force: true });
});

/** Processes of the job's process group (its pid leads the group), zombies left out. */
function groupProcesses(job: JobHandle): string[] {
  return execFileSync('ps', ['-eo', 'pgid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([pgid, stat]) => pgid === String(job.pid) && !stat.startsWith('Z'))
    .map((f) => f.slice(2).join(' '));
}

async function start(jobId: string, script: string, extra: { env?: Record<string, string>; cwd?: string } = {}): Promise<JobHandle> {
  const job = await startDetached(target, { jobId, dir: root, command: { script }, ...extra });
  started.push(job);
  return job;
}

describe('detached jobs on LocalTarget', () => {
  it('a follower wakes when the job ends, not at its next poll (the wrapper holds a lock the follower waits on)', async () => {
    const go = path.join(root, 'go-wake');
    // A child left running after the command ends must not hold the wrapper's lock either.
    const job = await start('j-wake', `(sleep 21.5 &); while [ ! -e ${go} ]; do sleep 0.02; done; echo done`);
    const following = attach(target, job, { pollSeconds: 10 });
    // Let the follower reach its wait, then end the job: with a 10 s poll only the lock can wake it.
    await waitFor('the job to run', async () => (await probe(target, job)).state === 'running', 10_000);
    await new Promise((r) => setTimeout(r, 300)); // the follower's first pass over the (empty) log
    const ended = Date.now();
    writeFileSync(go, '');
    const r = await following;
    expect(r).toMatchObject({ state: 'exited', exitCode: 0 });
    // Well under the 10 s poll, however loaded the machine (the wait itself is event-driven).
    expect(Date.now() - ended).toBeLessThan(8_000);
    execFileSync('pkill', ['-f', 'sleep 21.5']);
  });

  it('runs a job in its own 0700 directory and streams its whole output with the exit status', async () => {
    const job = await start('j-ok', 'for i in 1 2 3; do echo "line $i"; done; echo "héllo ✓"; echo err >&2');
    expect(statSync(job.dir).mode & 0o777).toBe(0o700);
    expect(job.pid).toBeGreaterThan(1);
    expect(job.identity).toMatch(/^(proc|ps):/);
    let text = '';
    const r = await attach(target, job, {
      onChunk: (c) => {
        text += c;
      },
      pollSeconds: 0.05,
    });
    expect(r).toMatchObject({ state: 'exited', exitCode: 0, lost: false });
    expect(text).toBe('line 1\nline 2\nline 3\nhéllo ✓\nerr\n');
    expect(r.lastByte).toBe(Buffer.byteLength(text));
    expect(await probe(target, job)).toMatchObject({ state: 'exited', exitCode: 0, logBytes: r.lastByte });
  });

  it('re-attaches from a byte offset in the middle of a multi-byte character without losing or repeating a byte', async () => {
    const job = await start('j-utf8', 'printf "ab✓cd"');
    const whole = Buffer.from('ab✓cd');
    await attach(target, job, { pollSeconds: 0.05 });
    for (let from = 0; from <= whole.length; from++) {
      let text = '';
      const r = await attach(target, job, {
        fromByte: from,
        onChunk: (c) => {
          text += c;
        },
        pollSeconds: 0.05,
      });
      expect(r.lastByte).toBe(whole.length);
      // Starting inside "✓" yields the replacement character for the orphaned tail, as any decoder would.
      if (from <= 2 || from >= 5) expect(Buffer.from(text)).toEqual(whole.subarray(from));
    }
  });

  it('reports a non-zero exit status', async () => {
    const job = await start('j-fail', 'echo failing; exit 7');
    const r = await attach(target, job, { pollSeconds: 0.05 });
    expect(r).toMatchObject({ state: 'exited', exitCode: 7 });
    expect((await probe(target, job)).exitCode).toBe(7);
  });

  it('keeps secrets off the command line: env arrives through a 0600 file that is removed once read', async () => {
    const secret = `s3cr3t-${Date.now()}'"$x`;
    const job = await start('j-env', 'printf "%s" "$MAS_SECRET" > secret.out; sleep 1; echo done', { env: { MAS_SECRET: secret }, cwd: root });
    // While it runs, nothing in ps shows the secret, and the env file is already gone.
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps).not.toContain('s3cr3t');
    const r = await attach(target, job, { pollSeconds: 0.05 });
    expect(r.exitCode).toBe(0);
    expect(existsSync(path.join(job.dir, 'env'))).toBe(false);
    expect(readFileSync(path.join(root, 'secret.out'), 'utf8')).toBe(secret);
    expect(readFileSync(path.join(job.dir, 'command.sh'), 'utf8')).not.toContain('s3cr3t');
  });

  it('probe says running for a live job, and vanished when its process was killed without an exit record', async () => {
    const job = await start('j-vanish', 'echo up; sleep 30');
    expect(await probe(target, job)).toMatchObject({ state: 'running', pid: job.pid });
    // SIGKILL the whole group: the wrapper cannot write an exit record (like an OOM kill or reboot).
    process.kill(-job.pid, 'SIGKILL');
    // A SIGKILLed process lingers until the kernel has run its exit; wait for that, not a pause.
    const p = await waitFor('the killed job to stop looking alive', async () => {
      const seen = await probe(target, job);
      return seen.state !== 'running' && seen;
    });
    expect(p.state).toBe('vanished');
    expect(p.reason).toMatch(/no exit status/);
    const r = await attach(target, job, { pollSeconds: 0.05 });
    expect(r.state).toBe('vanished');
    expect(r.exitCode).toBeNull();
  });

  it('cancel stops the whole process group and the exit status is recorded', async () => {
    const job = await start('j-cancel', 'sleep 60 & sleep 61; wait');
    await waitFor('both sleeps of the job to start', () => groupProcesses(job).filter((a) => /^sleep 6[01]$/.test(a)).length === 2);
    // TERM ends this job at once; the grace only has to outlast a loaded machine's slowness
    // (a late exit record would count as "killed").
    const c = await cancel(target, job, { graceSeconds: 20 });
    expect(c.probe.state).toBe('exited');
    expect(c.probe.exitCode).toBe(143);
    expect(c.killed).toBe(false);
    // Zombies (state Z) are dead, merely unreaped by this container's pid 1.
    expect(groupProcesses(job)).toEqual([]);
  });

  it('cancel escalates to SIGKILL for a job that ignores TERM', async () => {
    const job = await start('j-stubborn', 'trap "" TERM; sleep 30');
    // The sleep runs only once the trap is set: a TERM before that would end the job at once.
    await waitFor('the job to ignore TERM and sleep', () => groupProcesses(job).includes('sleep 30'));
    const c = await cancel(target, job, { graceSeconds: 0.3 });
    expect(c.killed).toBe(true);
    expect(c.probe).toMatchObject({ state: 'exited', exitCode: 137 });
  });

  it('stops following when aborted, without stopping the job', async () => {
    // "two" waits for the test, not for a clock: a starved test can never see both lines at once.
    const go = path.join(root, 'j-abort-go');
    const job = await start('j-abort', `echo one; while [ ! -e '${go}' ]; do sleep 0.05; done; echo two`);
    const ac = new AbortController();
    let text = '';
    const following = attach(target, job, {
      onChunk: (c) => {
        text += c;
        if (text.includes('one')) ac.abort();
      },
      signal: ac.signal,
      pollSeconds: 0.05,
    });
    const r = await following;
    expect(r.state).toBe('aborted');
    expect(r.lastByte).toBe(4);
    writeFileSync(go, '');
    const rest = await attach(target, job, {
      fromByte: r.lastByte,
      onChunk: (c) => {
        text += c;
      },
      pollSeconds: 0.05,
    });
    expect(rest.exitCode).toBe(0);
    expect(text).toBe('one\ntwo\n');
  });

  it('refuses bad input and a job id used twice, changing nothing', async () => {
    await expect(startDetached(target, { jobId: '../x', dir: root, command: { script: 'true' } })).rejects.toThrow(/invalid job id/);
    await expect(startDetached(target, { jobId: 'ok', dir: 'relative', command: { script: 'true' } })).rejects.toThrow(/absolute/);
    await expect(startDetached(target, { jobId: 'ok2', dir: root, command: { script: 'true' }, env: { 'BAD-NAME': 'x' } })).rejects.toThrow(
      /invalid environment variable name/,
    );
    expect(readdirSync(root)).not.toContain('ok2');
    await start('j-twice', 'true');
    await expect(startDetached(target, { jobId: 'j-twice', dir: root, command: { script: 'echo again' } })).rejects.toThrow(DetachedJobError);
    expect(await probe(target, { dir: path.join(root, 'nope'), become: false })).toMatchObject({ state: 'unknown' });
  });

  it('runs an argv command exactly, with quoting', async () => {
    const job = await startDetached(target, { jobId: 'j-argv', dir: root, command: { argv: ['printf', '%s|', "it's", '$HOME', 'a b'] } });
    started.push(job);
    let text = '';
    await attach(target, job, {
      onChunk: (c) => {
        text += c;
      },
      pollSeconds: 0.05,
    });
    expect(text).toBe("it's|$HOME|a b|");
  });
});
