// The server lock and the server's record, through real targets: LocalTarget (sh on
// this machine) and SshTarget over the loopback OpenSSH server as an unprivileged user.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canStart } from '../../state/guards.js';
import { LockHeldError, acquireServerLock, readServerLock } from '../../state/lock.js';
import { serverPaths } from '../../state/remote.js';
import { ServerRecordError, describeServerRecord, noteServerStep, readServerRecord, writeServerRecord } from '../../state/server-record.js';
import { LocalTarget } from '../../source/targets/local.js';
import { SshTarget } from '../../source/targets/ssh.js';
import type { Target } from '../../source/targets/target.js';
import { startSshd, type Sshd } from '../harness/sshd.js';
import { HASH_A, planBefore, succeed } from './fixtures.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-server-'));
fs.chmodSync(work, 0o755);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const THIS_HOST = os.hostname();
let n = 0;
/** A fresh MAS base dir; its name has a space and a quote so every path must be quoted. */
function baseDir(owner?: string): string {
  const dir = path.join(work, `base ${++n} it's`);
  fs.mkdirSync(dir, { mode: 0o755 });
  if (owner) execFileSync('chown', [owner, dir]);
  return dir;
}

async function refusal(promise: Promise<unknown>): Promise<LockHeldError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(LockHeldError);
    return error as LockHeldError;
  }
  throw new Error('expected the server lock to be refused');
}

function serverSuite(name: string, target: () => Target, makeBase: () => string): void {
  describe(`server lock (${name})`, () => {
    it('is created atomically in the MAS dir with its owner, and refused to a second wizard', async () => {
      const base = makeBase();
      const lock = await acquireServerLock(target(), { baseDir: base, command: 'mas-wizard run' });
      const file = serverPaths(base).lock;
      expect(file).toBe(`${base}/matrix-authentication-service/mas-wizard.lock`);
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(lock.owner);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(await readServerLock(target(), { baseDir: base })).toEqual(lock.owner);

      const other = { user: 'ops', host: 'bastion.example.org', pid: 4242 };
      const error = await refusal(acquireServerLock(target(), { baseDir: base, command: 'x', actor: other }));
      expect(error.where).toBe('server');
      expect(error.owner).toEqual(lock.owner);
      expect(error.stale).toBe(false);
      expect(error.message).toContain(`another mas-wizard holds the server lock ${target().description}:${file}`);
      expect((await refusal(acquireServerLock(target(), { baseDir: base, command: 'x', actor: other, takeOver: true }))).stale).toBe(false);

      await lock.release();
      expect(fs.existsSync(file)).toBe(false);
      expect(await readServerLock(target(), { baseDir: base })).toBeNull();
      // No temp files left behind by either attempt.
      expect(fs.readdirSync(serverPaths(base).dir)).toEqual([]);
    });

    it('a dead owner on this host is stale: taken over only with takeOver: true', async () => {
      const base = makeBase();
      const dead = { user: 'ops', host: THIS_HOST, pid: 999_999_999 };
      const first = await acquireServerLock(target(), { baseDir: base, command: 'crashed wizard', actor: dead });
      const error = await refusal(acquireServerLock(target(), { baseDir: base, command: 'mas-wizard' }));
      expect(error.stale).toBe(true);
      expect(error.owner?.pid).toBe(999_999_999);
      const second = await acquireServerLock(target(), { baseDir: base, command: 'mas-wizard', takeOver: true });
      await first.release(); // the crashed owner's release must not remove the new lock
      expect((await readServerLock(target(), { baseDir: base }))?.id).toBe(second.owner.id);
      await second.release();
    });

    it('an owner on another host is stale only after the stale age', async () => {
      const base = makeBase();
      const remote = { user: 'ops', host: 'elsewhere.example.org', pid: 1 };
      const started = new Date('2025-06-01T00:00:00.000Z');
      const old = await acquireServerLock(target(), { baseDir: base, command: 'old', actor: remote, now: () => started });
      const soon = await refusal(
        acquireServerLock(target(), { baseDir: base, command: 'x', takeOver: true, now: () => new Date(started.getTime() + 3_600_000) }),
      );
      expect(soon.stale).toBe(false);
      const later = { baseDir: base, command: 'x', now: () => new Date(started.getTime() + 25 * 3_600_000) };
      expect((await refusal(acquireServerLock(target(), later))).stale).toBe(true);
      const taken = await acquireServerLock(target(), { ...later, takeOver: true });
      await old.release();
      await taken.release();
    });
  });

  describe(`server record (${name})`, () => {
    it('is absent at first, then records intent and outcome, atomically and 0600', async () => {
      const base = makeBase();
      expect(await readServerRecord(target(), { baseDir: base })).toBeNull();
      const laptop = { user: 'ops', host: 'laptop', pid: 10 };
      await noteServerStep(
        target(),
        { step: 'migrate', outcome: 'started', at: '2025-06-01T10:00:00.000Z', planId: 'PLAN1', attempt: 1 },
        { baseDir: base, actor: laptop },
      );
      const record = await noteServerStep(
        target(),
        { step: 'migrate', outcome: 'succeeded', at: '2025-06-01T10:05:00.000Z', planId: 'PLAN1', attempt: 1, detail: '42 users' },
        { baseDir: base, actor: laptop },
      );
      const file = serverPaths(base).record;
      expect(file).toBe(`${base}/matrix-authentication-service/mas-wizard-record.json`);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(await readServerRecord(target(), { baseDir: base })).toEqual(record);
      expect(record.history.map((e) => e.outcome)).toEqual(['started', 'succeeded']);
      expect(describeServerRecord(record)).toEqual(['migrate succeeded at 2025-06-01T10:05:00.000Z from ops@laptop (plan PLAN1, attempt 1): 42 users']);
      expect(fs.readdirSync(serverPaths(base).dir)).toEqual(['mas-wizard-record.json']);
    });

    it('a plan started on another machine is recognised: its migration gate stays shut', async () => {
      const base = makeBase();
      await noteServerStep(
        target(),
        { step: 'migrate', outcome: 'succeeded', at: '2025-06-01T10:05:00.000Z', planId: 'PLAN-FROM-LAPTOP', attempt: 1 },
        { baseDir: base, actor: { user: 'ops', host: 'laptop', pid: 1 } },
      );
      const plan = succeed(planBefore('dry-run'), 'dry-run');
      const result = canStart(plan, 'migrate', {
        currentVarsHash: HASH_A,
        typedServerName: 'example.com',
        serverRecord: await readServerRecord(target(), { baseDir: base }),
      });
      expect(result).toEqual({
        ok: false,
        reasons: [
          expect.stringMatching(
            /server's own record says "migrate" already ran: migrate succeeded at 2025-06-01T10:05:00.000Z from ops@laptop \(plan PLAN-FROM-LAPTOP\)/,
          ),
        ],
      });
    });

    it('a damaged or newer record is reported, not overwritten', async () => {
      const base = makeBase();
      await writeServerRecord(target(), { version: 1, steps: {}, history: [] }, { baseDir: base });
      const file = serverPaths(base).record;
      fs.writeFileSync(file, '{"version": 1, "steps": ');
      await expect(readServerRecord(target(), { baseDir: base })).rejects.toThrow(/is not valid JSON; move it aside after looking at it/);
      await expect(
        noteServerStep(target(), { step: 'migrate', outcome: 'started', at: 't', planId: 'p', attempt: 1 }, { baseDir: base }),
      ).rejects.toBeInstanceOf(ServerRecordError);
      expect(fs.readFileSync(file, 'utf8')).toBe('{"version": 1, "steps": ');
      fs.writeFileSync(file, JSON.stringify({ version: 2, steps: {}, history: [], more: 1 }));
      await expect(readServerRecord(target(), { baseDir: base })).rejects.toThrow(/was written by a newer mas-wizard \(version 2\)/);
    });
  });
}

const local = new LocalTarget();
serverSuite(
  'LocalTarget',
  () => local,
  () => baseDir(),
);

describe('over the real loopback sshd', () => {
  let sshd: Sshd;
  let ssh: SshTarget;
  beforeAll(async () => {
    sshd = await startSshd();
    fs.writeFileSync(path.join(work, 'known_hosts'), `${sshd.knownHostsLine}\n`);
    ssh = await SshTarget.connect({
      host: '127.0.0.1',
      port: sshd.port,
      username: sshd.user,
      identityFiles: [sshd.clientKey],
      knownHostsFile: path.join(work, 'known_hosts'),
      agent: null,
      defaultIdentityFiles: [],
    });
  });
  afterAll(async () => {
    await ssh?.close();
    sshd?.stop();
  });
  serverSuite(
    'SshTarget',
    () => ssh,
    () => baseDir(sshd.user),
  );
});
