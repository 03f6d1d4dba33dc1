// The plan on disk: one versioned JSON file per (controller checkout, server) pair
// under stateDir()/plans, written atomically (temp file in the same directory, fsync,
// rename, fsync of the directory) with mode 0600 from creation, and never holding a
// secret value. A file that does not parse is renamed aside for inspection, never
// deleted or overwritten. After loading, drivers dispatch { type: 'resumed' } so a step
// found running becomes needs-check.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { stateDir } from '../source/paths.js';
import { PLAN_VERSION, planSchema, type Json, type Plan } from './plan.js';
import { pidAlive } from './lock.js';
import { MASK, Redactor, redact } from '../source/logs/redact.js';
import { AbortError } from '../source/errors.js';

export class PlanFileError extends AbortError {
  constructor(
    readonly file: string,
    message: string,
    /** Where the unreadable file was moved for inspection (undefined when it was left in place). */
    readonly keptAs?: string,
  ) {
    super(message);
  }
}

/** Stable key of a (checkout, server) pair: names the plan file and the local lock. */
export function planKey(checkoutPath: string, serverName: string): string {
  let checkout = path.resolve(checkoutPath);
  try {
    checkout = fs.realpathSync(checkout);
  } catch {
    // A checkout that does not exist (yet) keys by its absolute path.
  }
  const digest = crypto.createHash('sha256').update(`${checkout}\0${serverName}`).digest('hex').slice(0, 16);
  const readable = serverName.replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 60);
  return `${readable}-${digest}`;
}

export function planFilePath(checkoutPath: string, serverName: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateDir(env), 'plans', `${planKey(checkoutPath, serverName)}.json`);
}

/** Every saved plan file (for `status` without a checkout). */
export function listPlanFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const dir = path.join(stateDir(env), 'plans');
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => path.join(dir, f))
      .sort();
  } catch {
    return [];
  }
}

/** Input/output keys whose string values are secret whatever they hold. */
const SECRET_KEY = /secret|password|passphrase|token|private[_-]?key|api[_-]?key/i;
/** A Jinja/vault reference names a secret; it is not one. */
const REFERENCE = /^\s*\{\{.*\}\}\s*$/s;
/** Shorter "secrets" would mask ordinary words all over the file. */
const MIN_SECRET_LENGTH = 6;

function maskJson(value: Json, redactText: (text: string) => string, secretKey: boolean): Json {
  if (typeof value === 'string') return secretKey && !REFERENCE.test(value) && value !== '' ? MASK : redactText(value);
  if (Array.isArray(value)) return value.map((v) => maskJson(v, redactText, secretKey));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskJson(v, redactText, secretKey || SECRET_KEY.test(k))]));
  }
  return value;
}

/**
 * The plan with secrets masked: the values given here (in every encoding they travel
 * in), everything the process-wide redactor knows (registered secrets, token and hash
 * shapes), and every string under a secret-named input/output key.
 */
export function redactPlan(plan: Plan, secrets: readonly string[] = []): Plan {
  const known = new Redactor();
  for (const secret of secrets) if (secret.length >= MIN_SECRET_LENGTH) known.addSecret(secret, 'plan secret');
  return maskJson(plan as unknown as Json, (text) => redact(known.redact(text)), false) as unknown as Plan;
}

export interface SaveOptions {
  /** Secret values the wizard knows (encryption secret, admin password, …): masked wherever they appear. */
  secrets?: readonly string[];
}

/** Writes the plan atomically: a reader (or a crash at any moment) sees the old file or the new one, whole. */
export function savePlan(file: string, plan: Plan, options: SaveOptions = {}): void {
  const checked = planSchema.parse(redactPlan(plan, options.secrets));
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
  // 0600 from creation; fchmod too, because the umask only ever removes bits and a
  // strange umask must not leave the owner unable to read it back.
  const fd = fs.openSync(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  try {
    fs.fchmodSync(fd, 0o600);
    fs.writeSync(fd, `${JSON.stringify(checked, null, 2)}\n`);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(temp, file);
  } catch (error) {
    try {
      fs.closeSync(fd);
    } catch {
      /* already closed */
    }
    fs.rmSync(temp, { force: true });
    throw error;
  }
  // The rename is durable only once the directory entry is on disk.
  const dirFd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}

/** Temp files left by a writer that was killed mid-write (its pid is gone). */
function removeDeadTemps(file: string): void {
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (Number.isInteger(pid) && pid > 0 && !pidAlive(pid)) fs.rmSync(path.join(dir, name), { force: true });
  }
}

function keepAside(file: string, now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  let target = `${file}.corrupt-${stamp}`;
  for (let n = 1; fs.existsSync(target); n++) target = `${file}.corrupt-${stamp}-${n}`;
  fs.renameSync(file, target);
  return target;
}

/**
 * Reads a plan, or null when there is none. A corrupt file is moved to
 * `<file>.corrupt-<timestamp>` and reported; a file from a newer mas-wizard is left
 * where it is (that version can still use it) and reported.
 */
export function loadPlan(file: string, options: { now?: () => Date } = {}): Plan | null {
  removeDeadTemps(file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new PlanFileError(file, `cannot read plan file ${file}: ${(error as Error).message}`);
  }
  if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  const now = options.now?.() ?? new Date();

  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const kept = keepAside(file, now);
    throw new PlanFileError(
      file,
      `plan file ${file} is not valid JSON (${(error as Error).message}); kept it as ${kept} and starting over is safe only after you look at it`,
      kept,
    );
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > PLAN_VERSION) {
    throw new PlanFileError(
      file,
      `plan file ${file} was written by a newer mas-wizard (version ${version}); this one reads up to version ${PLAN_VERSION}: upgrade mas-wizard`,
    );
  }
  // Version 1 is the first format; upgrades of older versions go here when there are any.
  const parsed = planSchema.safeParse(raw);
  if (!parsed.success) {
    const kept = keepAside(file, now);
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new PlanFileError(file, `plan file ${file} is damaged (${issues}); kept it as ${kept}`, kept);
  }
  return parsed.data;
}
