// The practice lab: a simulated matrix-docker-ansible-deploy homeserver on this machine — a
// playbook checkout run by real ansible-playbook, a server root with the scripts the playbook
// installs, and a private PostgreSQL holding a seeded Synapse DB and an empty MAS DB.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { freePortSync } from './free-port.js';
import { writeFaults } from './faults.js';
import { assetsDir, clusterOf, metaFile, readMeta, writeMeta, type Generation, type LabMeta } from './lab-meta.js';
import { checkScenarioGeneration, scenario, serverRootOf } from './scenarios.js';
import { LabPackagesMissing, missingPackages } from './system-packages.js';
import { initCluster, isRunning, ownerCanUse, psql, startCluster, stopCluster } from './postgres.js';
import { writeServer } from './server-files.js';
import { writePlaybook } from './playbook-files.js';
import { ensureLabMatrixUser, type LabMatrixUser } from './matrix-user.js';
import {
  checkoutFacts,
  ensureEngine,
  readOperatorVars,
  seedLinksFor,
  stopEngine,
  syn2masUsesCommunityDocker,
  writeRehearsal,
  type RehearsalSource,
} from './rehearsal/index.js';
import { findJust } from '../playbook/checkout.js';
import { AbortError } from '../errors.js';
import { ensureSyn2mas } from './legacy-tool.js';
import { packageRoot, stateDir } from '../paths.js';
import { localLockPath, readLockFile, type LockOwner } from '../../state/lock.js';
import { planFilePath, planKey } from '../../state/persist.js';
import { serverPaths } from '../../state/remote.js';

export type { Generation } from './lab-meta.js';
export { MAS_VERSION } from './lab-meta.js';

export interface LabInfo {
  dir: string;
  generation: Generation;
  playbookDir: string;
  host: string;
  domain: string;
  serverRoot: string;
  systemctl: string;
  psqlSocketDir: string;
  pgPort: number;
  scenarios: string[];
  rehearsal?: LabMeta['rehearsal'];
  /** Who the lab's dump-all writes as (a separate unprivileged uid when the lab was built as root). */
  matrixUser?: LabMatrixUser;
}

export const LAB_DOMAIN = 'example.org';

export function defaultLabDir(): string {
  return path.join(stateDir(), 'lab');
}

function info(dir: string, meta: LabMeta): LabInfo {
  return {
    dir,
    generation: meta.generation,
    playbookDir: path.join(dir, 'playbook'),
    host: meta.host,
    domain: meta.domain,
    serverRoot: serverRootOf(dir, meta),
    systemctl: path.join(dir, 'server', 'bin', 'systemctl'),
    psqlSocketDir: meta.socketDir,
    pgPort: meta.pgPort,
    scenarios: meta.scenarios,
    rehearsal: meta.rehearsal,
    matrixUser: meta.matrixUser,
  };
}

function parseGeneration(value: string | undefined): Generation {
  if (value === undefined || value === 'current' || value === 'legacy') return value ?? 'current';
  throw new Error(`unknown lab generation "${value}" (use current or legacy)`);
}

/** Where the cluster lives: in the lab unless `postgres` cannot reach it or the socket path would be too long. */
function pgDirFor(dir: string): string {
  const inLab = path.join(dir, 'pg');
  if (ownerCanUse(path.dirname(dir)) && `${inLab}/.s.PGSQL.65535`.length < 100) return inLab;
  return path.join('/var/tmp', `mas-wizard-lab-pg-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`);
}

function loadDatabases(meta: LabMeta, secrets: { postgresPassword: string; synapseDbPassword: string; masDbPassword: string }): void {
  const c = clusterOf(meta);
  const sql = (name: string) => path.join(assetsDir(), 'sql', name);
  psql(c, 'postgres', {
    text: `
    CREATE ROLE matrix LOGIN SUPERUSER PASSWORD '${secrets.postgresPassword}';
    CREATE ROLE synapse LOGIN SUPERUSER PASSWORD '${secrets.synapseDbPassword}';
    CREATE ROLE matrix_authentication_service LOGIN SUPERUSER PASSWORD '${secrets.masDbPassword}';
    CREATE DATABASE matrix OWNER matrix;
    CREATE DATABASE synapse OWNER synapse ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
    CREATE DATABASE matrix_authentication_service OWNER matrix_authentication_service ENCODING 'UTF8' TEMPLATE template0;`,
  });
  // Each schema dump empties search_path for its session: one psql call per file.
  psql(c, 'synapse', { file: sql('synapse-schema.sql') }, 'synapse');
  psql(c, 'synapse', { text: readFileSync(sql('synapse-seed.sql'), 'utf8').replaceAll(`:${LAB_DOMAIN}`, `:${meta.domain}`) }, 'synapse');
  for (const name of meta.scenarios) scenario(name).seedSynapse?.(c, meta);
  psql(c, 'matrix_authentication_service', { file: sql(`mas-schema-${meta.generation}.sql`) }, 'matrix_authentication_service');
  psql(c, 'matrix_authentication_service', { file: sql(`mas-sqlx-${meta.generation}.sql`) }, 'matrix_authentication_service');
}

function requirePackages(rehearsal?: RehearsalSource): void {
  const missing = missingPackages('lab');
  if (rehearsal && syn2masUsesCommunityDocker(rehearsal.playbook)) missing.push(...missingPackages('rehearsal'));
  if (missing.length) throw new LabPackagesMissing(missing);
}

/** A rehearsal stands in for install-all / setup-all through the copy's justfile: without `just` the wizard would run the real tags. */
function requireJust(): void {
  if (!findJust()) {
    throw new Error(
      "a rehearsal needs `just` (https://just.systems): the stand-in for install-all and setup-all is the copy's justfile recipes, and without `just` the wizard would run the real tags through setup.yml, which need Docker. Install just (Debian 13: apt install just; or reinstall mas-wizard, which bundles it on linux-x64), then run lab reset --playbook again",
    );
  }
}

/** Where lab creation reports what takes long (the legacy tool's first install); default: stderr lines. */
export type LabProgress = (line: string) => void;
const toStderr: LabProgress = (line) => {
  process.stderr.write(`${line}\n`);
};

async function create(
  dir: string,
  generation: Generation,
  scenarios: string[],
  rehearsal?: RehearsalSource,
  progress: LabProgress = toStderr,
): Promise<LabInfo> {
  checkScenarioGeneration(scenarios, generation);
  // First, so a failed install leaves nothing half-built behind.
  const syn2mas = generation === 'legacy' ? await ensureSyn2mas(progress) : undefined;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const pgDir = pgDirFor(dir);
  const domain = rehearsal?.vars?.domain ?? LAB_DOMAIN;
  const meta: LabMeta = {
    format: 1,
    generation,
    host: `matrix.${domain}`,
    domain,
    pgDir,
    socketDir: pgDir,
    pgPort: freePortSync(),
    packageRoot: packageRoot(),
    node: process.execPath,
    scenarios,
    ...(rehearsal
      ? {
          rehearsal: {
            source: rehearsal.playbook,
            masVersion: checkoutFacts(rehearsal.playbook).masVersion,
            ...(rehearsal.vars ? { vars: rehearsal.vars.file } : {}),
          },
        }
      : {}),
  };
  const secrets = {
    postgresPassword: randomBytes(32).toString('hex'),
    synapseDbPassword: randomBytes(16).toString('hex'),
    masDbPassword: randomBytes(16).toString('hex'),
    genericSecret: randomBytes(32).toString('hex'),
  };
  rmSync(pgDir, { recursive: true, force: true });
  initCluster(clusterOf(meta));
  meta.matrixUser = ensureLabMatrixUser(meta.socketDir);
  startCluster(clusterOf(meta));
  loadDatabases(meta, secrets);
  seedLinksFor(meta, rehearsal?.vars);
  writeMeta(dir, meta);
  writeServer(dir, meta, secrets, { syn2mas });
  if (rehearsal) writeRehearsal(dir, meta, secrets, rehearsal);
  else writePlaybook(dir, meta, secrets);
  for (const name of scenarios)
    scenario(name).playbook?.({
      dir,
      playbookDir: path.join(dir, 'playbook'),
      hostVars: path.join(dir, 'playbook', 'inventory', 'host_vars', meta.host),
      meta,
      secrets,
    });
  writeFaults(dir, {});
  return info(dir, meta);
}

/** Creates the lab on first use (seconds) or reuses it, (re)starting its PostgreSQL if it is down. */
export async function ensureLab(opts: { dir?: string; generation?: Generation; scenarios?: string[]; progress?: LabProgress } = {}): Promise<LabInfo> {
  const dir = path.resolve(opts.dir ?? defaultLabDir());
  const generation = parseGeneration(opts.generation);
  requirePackages();
  if (!existsSync(metaFile(dir))) {
    if (existsSync(dir) && readdirSync(dir).length) throw new Error(`${dir} exists, is not empty and is not a mas-wizard lab; choose another --lab-dir`);
    return create(dir, generation, opts.scenarios ?? [], undefined, opts.progress);
  }
  const meta = readMeta(dir);
  if (opts.generation && opts.generation !== meta.generation) {
    throw new Error(`the lab in ${dir} is of the ${meta.generation} generation; to switch run: mas-wizard lab reset --generation ${opts.generation} --yes`);
  }
  if (!isRunning(clusterOf(meta))) startCluster(clusterOf(meta));
  if (meta.rehearsal) ensureEngine(dir, meta.node, meta.packageRoot);
  return info(dir, meta);
}

/** A wizard (or run) still holds the lab: its lock's owner is alive. */
/** A live wizard holds the lab: reset and destroy refuse (busy, exit 3). */
export class LabBusyError extends AbortError {
  constructor(
    readonly lockPath: string,
    readonly owner: LockOwner | null,
  ) {
    const who = owner ? `pid ${owner.pid} on ${owner.host}, since ${owner.startedAt}, running "${owner.command}"` : 'an owner that cannot be read';
    super(`a mas-wizard is using the practice lab (lock ${lockPath}: ${who}); let it finish or quit it, then reset. Nothing was changed.`, { exitCode: 3 });
  }
}

/**
 * What the wizard keeps about this lab outside it, in this state dir: the plan (keyed by the
 * lab's checkout and server name, as every run keys it), that plan's controller jobs and the
 * local lock; and the server lock inside the lab.
 */
function wizardState(dir: string): { planFile: string; jobsDir: string; localLock: string; serverLock: string } | null {
  if (!existsSync(metaFile(dir))) return null;
  const meta = readMeta(dir);
  const checkout = path.join(dir, 'playbook');
  return {
    planFile: planFilePath(checkout, meta.domain),
    jobsDir: path.join(stateDir(), 'jobs'),
    localLock: localLockPath(planKey(checkout, meta.domain)),
    serverLock: serverPaths(serverRootOf(dir, meta)).lock,
  };
}

/** Throws LabBusyError while a live wizard holds the lab's local or server lock. */
export function assertLabFree(opts: { dir?: string } = {}): void {
  const state = wizardState(path.resolve(opts.dir ?? defaultLabDir()));
  if (!state) return;
  for (const lock of [state.localLock, state.serverLock]) {
    const held = readLockFile(lock);
    if (held && !held.gone) throw new LabBusyError(lock, held.owner);
  }
}

/** Forgets what every wizard run on this lab left in the state dir: plan, its jobs, a dead owner's lock. */
function discardWizardState(dir: string): void {
  const state = wizardState(dir);
  if (!state) return;
  let planId: unknown;
  try {
    planId = (JSON.parse(readFileSync(state.planFile, 'utf8')) as { id?: unknown }).id;
  } catch {
    planId = undefined;
  }
  if (typeof planId === 'string' && planId !== '' && existsSync(state.jobsDir)) {
    for (const job of readdirSync(state.jobsDir)) if (job.startsWith(`${planId}-`)) rmSync(path.join(state.jobsDir, job), { recursive: true, force: true });
  }
  rmSync(state.planFile, { force: true });
  const held = readLockFile(state.localLock);
  if (held?.gone) rmSync(state.localLock, { force: true });
}

/**
 * Throws the lab away and builds a fresh one: the current generation and no scenario unless they
 * are given (a reset is a clean start, not a copy of whatever the last lab was).
 */
export async function resetLab(opts: {
  dir?: string;
  generation?: Generation;
  scenarios?: string[];
  playbook?: string;
  vars?: string;
  progress?: LabProgress;
}): Promise<LabInfo> {
  const dir = path.resolve(opts.dir ?? defaultLabDir());
  for (const name of opts.scenarios ?? []) scenario(name);
  assertLabFree({ dir });
  // A rehearsal's generation is its checkout's, as for a real server.
  const rehearsal = opts.playbook
    ? { playbook: path.resolve(opts.playbook), vars: opts.vars ? { ...readOperatorVars(opts.vars), file: path.resolve(opts.vars) } : undefined }
    : undefined;
  if (!rehearsal && opts.vars) throw new Error("--vars needs --playbook (the operator's vars.yml goes with their checkout)");
  const generation = rehearsal ? checkoutFacts(rehearsal.playbook).generation : parseGeneration(opts.generation);
  requirePackages(rehearsal);
  if (rehearsal) requireJust();
  checkScenarioGeneration(opts.scenarios ?? [], generation);
  await destroyLab({ dir });
  return create(dir, generation, opts.scenarios ?? [], rehearsal, opts.progress);
}

/** Stops the lab's PostgreSQL and removes everything the lab wrote, and the wizard's plan of it. */
export async function destroyLab(opts: { dir?: string }): Promise<void> {
  const dir = path.resolve(opts.dir ?? defaultLabDir());
  if (!existsSync(dir)) return;
  if (!existsSync(metaFile(dir))) {
    if (readdirSync(dir).length) throw new Error(`${dir} is not a mas-wizard lab (no lab.json); refusing to delete it`);
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  const meta = readMeta(dir);
  discardWizardState(dir);
  if (meta.rehearsal) stopEngine(dir);
  stopCluster(clusterOf(meta));
  rmSync(meta.pgDir, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
}
