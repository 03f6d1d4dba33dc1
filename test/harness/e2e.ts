// End-to-end helper: a fresh practice lab in its own temp MAS_WIZARD_STATE_DIR, the compiled
// CLI (`node dist/source/cli.js …`, built by the global setup) run against it, the saved plan and
// `status --json` read back, and SQL against the lab's databases through the same
// cli-non-interactive script the wizard uses on the server.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { destroyLab, ensureLab, type Generation, type LabInfo } from '../../source/lab/lab.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'source', 'cli.js');

export interface E2E {
  stateDir: string;
  lab: LabInfo;
  env: NodeJS.ProcessEnv;
  varsFile: string;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** A fresh lab under a world-traversable temp state dir (the SSH test user must reach it). */
export async function newLab(generation: Generation = 'current', scenarios: string[] = []): Promise<E2E> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-e2e-'));
  chmodSync(stateDir, 0o755);
  const lab = await ensureLab({ dir: path.join(stateDir, 'lab'), generation, scenarios });
  // No CI: nothing here draws; NO_COLOR keeps narration plain for the assertions.
  const env: NodeJS.ProcessEnv = { ...process.env, MAS_WIZARD_STATE_DIR: stateDir, NO_COLOR: '1' };
  const varsFile = path.join(lab.playbookDir, 'inventory', 'host_vars', lab.host, 'vars.yml');
  return { stateDir, lab, env, varsFile };
}

export async function removeLab(e: E2E | undefined): Promise<void> {
  if (!e) return;
  await destroyLab({ dir: e.lab.dir });
  rmSync(e.stateDir, { recursive: true, force: true });
}

/** Starts the CLI (`--lab` first) without waiting: for kills and concurrent runs. */
export function startWizard(e: E2E, args: string[]): { child: ChildProcess; done: Promise<CliRun> } {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, '--lab', ...args], { env: e.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<CliRun>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started })));
  return { child, done };
}

export function wizard(e: E2E, args: string[]): Promise<CliRun> {
  return startWizard(e, args).done;
}

/** Writes an answers file (0600, it may hold secrets) and returns its path. */
export function answers(e: E2E, data: Record<string, unknown>, name = 'answers.yml'): string {
  const file = path.join(e.stateDir, name);
  writeFileSync(file, stringify(data), { mode: 0o600 });
  return file;
}

export const MIGRATE_ANSWERS = {
  mode: 'migrate',
  secret: 'generate',
  providers: 'convert-synapse-oidc',
  accept: ['db.non-email-3pids', 'syn2mas.warnings'],
  backup: { enabled: true },
  confirm_server_name: 'example.org',
};

export function runAnswers(e: E2E, data: Record<string, unknown>, extra: string[] = []): Promise<CliRun> {
  return wizard(e, ['run', '--answers', answers(e, data), '--yes', ...extra]);
}

export interface StatusStep {
  id: string;
  status: string;
  outputs?: Record<string, unknown>;
  error?: string;
  commands: string[];
}
export interface StatusView {
  flow: string;
  generation: string;
  steps: StatusStep[];
  summary?: Record<string, unknown>;
}

export async function status(e: E2E): Promise<StatusView> {
  const r = await wizard(e, ['status', '--json']);
  if (r.code !== 0) throw new Error(`status --json exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as StatusView;
}

export function stepStatus(view: StatusView): Record<string, string> {
  return Object.fromEntries(view.steps.map((s) => [s.id, s.status]));
}

/** The saved plan file itself (the one in <state>/plans). */
export function planFile(e: E2E): string {
  const dir = path.join(e.stateDir, 'plans');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  if (files.length !== 1) throw new Error(`expected one plan file in ${dir}, found ${files.length}`);
  return path.join(dir, files[0]);
}

export function readPlan(e: E2E): { steps: { id: string; status: string; attempt: number; inputs: Record<string, unknown> }[] } & Record<string, unknown> {
  return JSON.parse(readFileSync(planFile(e), 'utf8'));
}

/** Rows of a query through the lab server's cli-non-interactive (tab-separated, no header), or psql when Postgres is external. */
export function labSql(e: E2E, db: string, query: string): string[][] {
  const cli = path.join(e.lab.serverRoot, 'postgres', 'bin', 'cli-non-interactive');
  const external = !existsSync(cli);
  const r = spawnSync(
    external ? 'psql' : cli,
    [
      ...(external ? ['-h', e.lab.psqlSocketDir, '-p', String(e.lab.pgPort), '-U', 'postgres'] : []),
      '-d',
      db,
      '-X',
      '-A',
      '-t',
      '-F',
      '\t',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      query,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`${query}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

export function labCount(e: E2E, db: string, query: string): number {
  return Number(labSql(e, db, query)[0]?.[0]);
}

export function readVars(e: E2E): Record<string, unknown> {
  return parse(readFileSync(e.varsFile, 'utf8')) as Record<string, unknown>;
}

/** Every secret the lab and the run hold: none may appear in a plan, transcript or log the wizard writes. */
export function labSecrets(e: E2E): string[] {
  const vars = readVars(e);
  const pgEnv = readFileSync(path.join(e.lab.serverRoot, 'postgres', 'env-postgres-psql'), 'utf8');
  const hs = parse(readFileSync(path.join(e.lab.serverRoot, 'synapse', 'config', 'homeserver.yaml'), 'utf8')) as { database: { args: { password: string } } };
  const values = [
    vars.matrix_authentication_service_config_secrets_encryption,
    vars.postgres_connection_password,
    vars.matrix_homeserver_generic_secret_key,
    /PGPASSWORD=(.*)/.exec(pgEnv)?.[1],
    hs.database.args.password,
    'lab-keycloak-client-secret',
  ];
  return values.filter((v): v is string => typeof v === 'string' && v.length >= 8);
}

/** The server's own record of irreversible steps (mas-wizard-record.json). */
export function serverRecord(e: E2E): { history: { step: string; outcome: string }[] } | null {
  const file = path.join(e.lab.serverRoot, 'matrix-authentication-service', 'mas-wizard-record.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
}

/** Controller job directories (playbook runs) whose id ends in -<step>-<attempt>. */
export function jobDirs(e: E2E, step: string): string[] {
  const dir = path.join(e.stateDir, 'jobs');
  return existsSync(dir) ? readdirSync(dir).filter((d) => new RegExp(`-${step}-\\d+$`).test(d)) : [];
}

/** Waits until `check` holds (polling), or throws after `ms`. */
export async function waitFor(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Keys of the vars.yml a migrate run against the lab must end with. */
export const MIGRATED_KEYS = [
  'matrix_authentication_service_config_secrets_encryption',
  'matrix_authentication_service_config_upstream_oauth2_providers',
  'matrix_authentication_service_enabled',
];
