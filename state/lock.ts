// Two locks, so two wizards never drive one server: a local one (this controller,
// file created with O_EXCL) and one on the server itself (another operator on another
// machine). A held lock raises LockHeldError with the owner. A dead owner's lock is
// taken over only when the caller passes takeOver: true after the operator confirmed;
// a live owner's lock is never taken.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ulid } from 'ulid';
import { quoteArg } from '../source/targets/quote.js';
import type { Target } from '../source/targets/target.js';
import { stateDir } from '../source/paths.js';
import { currentActor, runScript, serverPaths, type Actor, type ServerFilesOptions } from './remote.js';
import { AbortError } from '../source/errors.js';

const ownerSchema = z.object({
  id: z.string(),
  user: z.string(),
  host: z.string(),
  pid: z.number().int(),
  startedAt: z.string(),
  command: z.string(),
});
export type LockOwner = z.infer<typeof ownerSchema>;

/** A server lock older than this whose owner cannot be checked counts as stale. */
export const SERVER_LOCK_STALE_MS = 24 * 60 * 60 * 1000;

export class LockHeldError extends AbortError {
  constructor(
    readonly where: 'local' | 'server',
    readonly lockPath: string,
    /** null when the lock file exists but its owner could not be read (being written, or damaged). */
    readonly owner: LockOwner | null,
    /** The owner is provably gone (or the lock is older than the stale age): takeOver may be offered. */
    readonly stale: boolean,
  ) {
    const who = owner ? `${owner.user}@${owner.host} (pid ${owner.pid}, since ${owner.startedAt}, running "${owner.command}")` : 'an unknown owner';
    const next = stale
      ? 'that owner is gone: run again with --take-over (or answer yes in the wizard) to take the lock over'
      : 'wait for it to finish, or stop it there';
    super(`another mas-wizard holds the ${where} lock ${lockPath}: ${who}; ${next}`, { exitCode: 3 });
  }
}

export interface HeldLock {
  owner: LockOwner;
  path: string;
  release(): Promise<void>;
}

export interface LockOptions {
  /** What this wizard is doing, shown to a second wizard ("mas-wizard run --answers a.yml"). */
  command: string;
  /** Replace a stale lock (only after the operator confirmed). Never replaces a live owner's lock. */
  takeOver?: boolean;
  actor?: Actor;
  /** For tests and the stale-age check. */
  now?: () => Date;
}

function newOwner(options: LockOptions): LockOwner {
  const actor = options.actor ?? currentActor();
  return { id: ulid(), user: actor.user, host: actor.host, pid: actor.pid, startedAt: (options.now?.() ?? new Date()).toISOString(), command: options.command };
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A killed wizard not yet reaped by its parent (a closed tmux pane hands it to PID 1) is a
    // zombie: kill(0) still succeeds, but it holds nothing any more.
    return !isZombie(pid);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isZombie(pid: number): boolean {
  try {
    // /proc/<pid>/stat: "pid (comm) S …"; comm may hold spaces and parentheses, the state follows the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const parsed = ownerSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Dead owner on this very host, or (where the pid cannot be checked) older than the stale age. */
function isStale(owner: LockOwner | null, now: Date, staleMs: number | null): boolean {
  if (!owner) return false;
  if (owner.host === os.hostname()) return !pidAlive(owner.pid);
  if (staleMs === null) return false;
  const started = Date.parse(owner.startedAt);
  return Number.isFinite(started) && now.getTime() - started > staleMs;
}

/**
 * Who holds the lock in this local file, and whether that owner is provably gone (dead pid on
 * this host); null when there is no lock file. A file whose owner cannot be read is held.
 */
export function readLockFile(file: string): { owner: LockOwner | null; gone: boolean } | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const owner = parseOwner(text);
  return { owner, gone: isStale(owner, new Date(), null) };
}

// ---------- local lock ----------

export function localLockPath(key: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateDir(env), 'locks', `${key}.lock`);
}

/** The owner is written right after the O_EXCL create; a reader may catch the empty file in between. */
async function readOwnerSettled(read: () => string | null): Promise<LockOwner | null> {
  for (let i = 0; i < 10; i++) {
    const text = read();
    if (text === null) return null;
    const owner = parseOwner(text);
    if (owner) return owner;
    await new Promise((r) => setTimeout(r, 20));
  }
  return null;
}

/** Takes the local lock `key` (one per controller checkout + server, see persist.planKey). */
export async function acquireLocalLock(key: string, options: LockOptions & { env?: NodeJS.ProcessEnv }): Promise<HeldLock> {
  const file = localLockPath(key, options.env);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const owner = newOwner(options);
  for (let attempt = 0; attempt < 2; attempt++) {
    // The owner is written whole to a temp file first and hard-linked into place: link fails
    // when the lock exists, and a wizard killed mid-write leaves only a temp file, never an
    // empty lock that nobody could judge stale.
    const temp = `${file}.${owner.id}.tmp`;
    const fd = fs.openSync(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    try {
      fs.writeSync(fd, `${JSON.stringify(owner)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(temp, file);
      return { owner, path: file, release: async () => releaseLocal(file, owner.id) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.rmSync(temp, { force: true });
    }
    const readText = () => {
      try {
        return fs.readFileSync(file, 'utf8');
      } catch {
        return null;
      }
    };
    const text = readText();
    if (text === null) continue; // released between our create and our read: try once more
    const held = await readOwnerSettled(readText);
    const stale = isStale(held, options.now?.() ?? new Date(), null);
    if (!(stale && options.takeOver) || attempt > 0) throw new LockHeldError('local', file, held, stale);
    // Remove only the lock we judged stale; the next O_EXCL create decides between two takers.
    if (held && parseOwner(readText() ?? '')?.id === held.id) fs.rmSync(file, { force: true });
  }
  throw new LockHeldError(
    'local',
    file,
    await readOwnerSettled(() => {
      try {
        return fs.readFileSync(file, 'utf8');
      } catch {
        return null;
      }
    }),
    false,
  );
}

function releaseLocal(file: string, id: string): void {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return;
  }
  // Never remove a lock someone took over from us.
  if (parseOwner(text)?.id === id) fs.rmSync(file, { force: true });
}

// ---------- server lock ----------

export interface ServerLockOptions extends LockOptions, ServerFilesOptions {
  /** Age after which an owner on another host counts as stale (default 24 h). */
  staleAfterMs?: number;
}

/**
 * Takes the server lock: the owner JSON is written to a temp file and hard-linked to
 * the lock name. `ln` fails when the name exists, so creation is atomic and a lock
 * file is never seen half-written.
 */
export async function acquireServerLock(target: Target, options: ServerLockOptions): Promise<HeldLock> {
  const paths = serverPaths(options.baseDir);
  const owner = newOwner(options);
  const lock = quoteArg(paths.lock);
  const temp = quoteArg(`${paths.lock}.${owner.id}`);
  const take = `umask 077; mkdir -p ${quoteArg(paths.dir)} || exit 1
cat > ${temp} || { rm -f ${temp}; exit 1; }
if ln ${temp} ${lock} 2>/dev/null; then rm -f ${temp}; exit 0; fi
rm -f ${temp}; cat ${lock} 2>/dev/null; exit 4`;
  for (let attempt = 0; attempt < 2; attempt++) {
    const result = await runScript(target, take, 'taking the server lock', { stdin: JSON.stringify(owner), become: options.become });
    if (result.code === 0) return { owner, path: paths.lock, release: () => releaseServer(target, options, owner.id) };
    if (result.code !== 4)
      throw new Error(`cannot take the server lock ${paths.lock} on ${target.description}: ${result.stderr.trim() || `exit ${result.code}`}`);
    const held = parseOwner(result.stdout);
    const stale = isStale(held, options.now?.() ?? new Date(), options.staleAfterMs ?? SERVER_LOCK_STALE_MS);
    if (!(stale && options.takeOver) || attempt > 0 || !held) throw new LockHeldError('server', `${target.description}:${paths.lock}`, held, stale);
    // Remove it only if it still holds the owner we judged stale.
    await runScript(target, `if grep -qF -e ${quoteArg(`"id":"${held.id}"`)} ${lock} 2>/dev/null; then rm -f ${lock}; fi`, 'removing a stale server lock', {
      become: options.become,
    });
  }
  throw new Error('unreachable: the loop returns or throws');
}

async function releaseServer(target: Target, options: ServerFilesOptions, id: string): Promise<void> {
  const lock = quoteArg(serverPaths(options.baseDir).lock);
  await runScript(target, `if grep -qF -e ${quoteArg(`"id":"${id}"`)} ${lock} 2>/dev/null; then rm -f ${lock}; fi`, 'releasing the server lock', {
    become: options.become,
  });
}

/** Who holds the server lock now (for `status`), or null when nobody does. */
export async function readServerLock(target: Target, options: ServerFilesOptions): Promise<LockOwner | null> {
  const lock = quoteArg(serverPaths(options.baseDir).lock);
  const result = await runScript(target, `cat ${lock} 2>/dev/null || true`, 'reading the server lock', { become: options.become });
  return result.stdout.trim() === '' ? null : parseOwner(result.stdout);
}
