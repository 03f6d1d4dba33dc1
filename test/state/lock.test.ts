import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockHeldError, acquireLocalLock, localLockPath, pidAlive, type LockOwner } from '../../state/lock.js';
import { waitFor } from '../harness/faults.js';
import { compiledChild } from './children/build.js';

const stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-lock-'));
const env = { ...process.env, MAS_WIZARD_STATE_DIR: stateRoot };
const children: ChildProcess[] = [];
let holder = '';
beforeAll(() => {
  holder = compiledChild('lock-holder');
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  fs.rmSync(stateRoot, { recursive: true, force: true });
});

let n = 0;
const key = () => `example.com-${++n}`;

/** Starts a real second wizard process that takes the lock; resolves with its first line. */
function startHolder(lockKey: string, mode = 'hold'): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, [holder, lockKey, mode], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve({ child, line: out.split('\n')[0] });
    });
    child.once('exit', (code) => {
      if (!out.includes('\n')) reject(new Error(`holder exited (${code}) without a word`));
    });
  });
}

async function refusal(promise: Promise<unknown>): Promise<LockHeldError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(LockHeldError);
    return error as LockHeldError;
  }
  throw new Error('expected the lock to be refused');
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

describe('local lock', () => {
  it('is a 0600 file under stateDir()/locks holding its owner, removed on release', async () => {
    const k = key();
    const lock = await acquireLocalLock(k, { command: 'mas-wizard plan', env });
    expect(lock.path).toBe(path.join(stateRoot, 'locks', `${k}.lock`));
    expect(fs.statSync(lock.path).mode & 0o777).toBe(0o600);
    const owner = JSON.parse(fs.readFileSync(lock.path, 'utf8')) as LockOwner;
    expect(owner).toMatchObject({ user: os.userInfo().username, host: os.hostname(), pid: process.pid, command: 'mas-wizard plan' });
    await lock.release();
    expect(fs.existsSync(lock.path)).toBe(false);
  });

  it('a second real process gets a typed error with the owner; a live owner is never taken over', async () => {
    const k = key();
    const { child, line } = await startHolder(k);
    expect(line).toMatch(/^won /);
    const error = await refusal(acquireLocalLock(k, { command: 'mas-wizard', env }));
    expect(error.where).toBe('local');
    expect(error.owner).toMatchObject({ pid: child.pid, host: os.hostname(), command: 'lock-holder test child' });
    expect(error.stale).toBe(false);
    expect(error.message).toMatch(
      new RegExp(`another mas-wizard holds the local lock .*\\(pid ${child.pid}, since .*running "lock-holder test child"\\); wait for it to finish`),
    );
    const forced = await refusal(acquireLocalLock(k, { command: 'mas-wizard', env, takeOver: true }));
    expect(forced.owner?.pid).toBe(child.pid);
    await kill(child);
  });

  it('a dead owner is reported as stale and taken over only with takeOver: true', async () => {
    const k = key();
    const { child } = await startHolder(k);
    await kill(child);
    const error = await refusal(acquireLocalLock(k, { command: 'mas-wizard', env }));
    expect(error.stale).toBe(true);
    expect(error.owner?.pid).toBe(child.pid);
    expect(error.message).toMatch(/that owner is gone: run again with --take-over/);
    const lock = await acquireLocalLock(k, { command: 'mas-wizard', env, takeOver: true });
    expect(JSON.parse(fs.readFileSync(localLockPath(k, env), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('of several processes started together, exactly one wins', async () => {
    const k = key();
    const results = await Promise.all(Array.from({ length: 4 }, () => startHolder(k)));
    expect(results.filter((r) => r.line.startsWith('won ')).length).toBe(1);
    expect(results.filter((r) => r.line.startsWith('held ')).length).toBe(3);
    await Promise.all(results.map((r) => kill(r.child)));
  });

  it('after the holder releases, the next wizard gets the lock', async () => {
    const k = key();
    const { child } = await startHolder(k, 'release');
    await new Promise((r) => child.once('exit', r));
    const lock = await acquireLocalLock(k, { command: 'mas-wizard', env });
    await lock.release();
  });

  it('release never removes a lock someone else took over', async () => {
    const k = key();
    const deadOwner = { user: 'x', host: os.hostname(), pid: 999_999_999 };
    const first = await acquireLocalLock(k, { command: 'first', env, actor: deadOwner });
    const second = await acquireLocalLock(k, { command: 'second', env, takeOver: true });
    await first.release();
    expect(JSON.parse(fs.readFileSync(second.path, 'utf8')).command).toBe('second');
    await second.release();
  });

  it('a lock file whose owner cannot be read is held by "an unknown owner", and not taken over', async () => {
    const k = key();
    const file = localLockPath(k, env);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
    const error = await refusal(acquireLocalLock(k, { command: 'mas-wizard', env, takeOver: true }));
    expect(error.owner).toBeNull();
    expect(error.stale).toBe(false);
    expect(error.message).toMatch(/an unknown owner/);
    expect(fs.existsSync(file)).toBe(true);
  });
});

describe('pidAlive', () => {
  it('counts a zombie (killed, not yet reaped by its parent) as gone, a running process as alive', async () => {
    // `sleep 0` exits at once; its parent execs into `sleep 60` (killed below) and never reaps it: a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const zombie = Number(await new Promise<string>((resolve) => parent.stdout!.once('data', (d) => resolve(String(d).trim()))));
    try {
      await waitFor(
        'the child to become a zombie',
        () => {
          try {
            return /\) Z /.test(fs.readFileSync(`/proc/${zombie}/stat`, 'utf8'));
          } catch {
            return false;
          }
        },
        30_000,
        10,
      );
      expect(pidAlive(parent.pid!)).toBe(true);
      expect(pidAlive(zombie)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
