// Shared pieces of the fault, abuse and secrecy suite (test/faults): a practice lab in a
// world-traversable temp dir (so the test sshd user can reach it), the compiled CLI run as a
// real child process, a seeded RNG whose seed is printed, a network black hole for a loopback
// sshd, and a one-line outcome per scenario so the CI log reads as a report.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { destroyLab, ensureLab, type LabInfo } from '../../source/lab/lab.js';
import { packageRoot } from '../../source/paths.js';
import { descendants, type Sshd } from './sshd.js';

export const CLI = path.join(packageRoot(), 'dist', 'source', 'cli.js');

/** Prints one line the CI log keeps: `[faults] scenario: outcome`. */
export function outcome(scenario: string, text: string): void {
  process.stdout.write(`[faults] ${scenario}: ${text}\n`);
}

/** mulberry32: small, seedable, good enough to pick fault moments. */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FAULTS_SEED from the environment (to replay a failure) or a fresh one; always printed. */
export function pickSeed(scenario: string): number {
  const seed = process.env.FAULTS_SEED ? Number(process.env.FAULTS_SEED) : Math.floor(Math.random() * 2 ** 31);
  outcome(scenario, `seed ${seed} (replay with FAULTS_SEED=${seed})`);
  return seed;
}

export interface TestLab {
  lab: LabInfo;
  parent: string;
  stateDir: string;
  varsFile: string;
  /** Environment for the CLI: its own state dir, no colour. */
  env: NodeJS.ProcessEnv;
  /** Global flags that point the CLI at this lab. */
  flags: string[];
  destroy(): Promise<void>;
}

export async function newLab(name: string): Promise<TestLab> {
  const parent = mkdtempSync(path.join(os.tmpdir(), `mas-wizard-${name}-`));
  chmodSync(parent, 0o755);
  const lab = await ensureLab({ dir: path.join(parent, 'lab') });
  const stateDir = path.join(parent, 'state');
  return {
    lab,
    parent,
    stateDir,
    varsFile: path.join(lab.playbookDir, 'inventory', 'host_vars', lab.host, 'vars.yml'),
    env: { ...process.env, MAS_WIZARD_STATE_DIR: stateDir, NO_COLOR: '1', ANSIBLE_FORCE_COLOR: '0', CI: 'true' },
    flags: ['--lab', '--lab-dir', lab.dir],
    async destroy() {
      await destroyLab({ dir: lab.dir });
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface StartedCli {
  child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  done: Promise<CliRun>;
}

export function startCli(args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string }): StartedCli {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    err += c;
  });
  const done = new Promise<CliRun>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err, ms: Date.now() - started }));
  });
  return { child, stdout: () => out, stderr: () => err, done };
}

export function runCli(args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<CliRun> {
  return startCli(args, options).done;
}

export function writeAnswers(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** Polls `probe` (which may be async, e.g. a command on a target) until it gives a truthy value. */
export async function waitFor<T>(
  what: string,
  probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs = 60_000,
  stepMs = 100,
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Whether a long lab command (long-run.js: syn2mas, doctor, dump-all) of the lab in `labDir` runs
 * now, found by its MAS_LAB_DIR (other labs may run on this machine); `name` narrows it down.
 */
export function labLongRunning(labDir: string, name = ''): boolean {
  const pattern = `long-run\\.js.*${name}`;
  const pids = spawnSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  return pids.some((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`MAS_LAB_DIR=${labDir}`);
    } catch {
      return false; // ended meanwhile
    }
  });
}

/** The one plan file the CLI keeps under this state dir (null before the first run). */
export interface PlanStep {
  id: string;
  status: string;
  attempt?: number;
  inputs: Record<string, unknown>;
  error?: string;
}
export function readPlan(stateDir: string): { steps: PlanStep[] } | null {
  const dir = path.join(stateDir, 'plans');
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  if (files.length === 0) return null;
  try {
    return JSON.parse(readFileSync(path.join(dir, files[0]), 'utf8'));
  } catch {
    return null; // caught between write and rename is impossible (atomic), but a test may race creation
  }
}

export function stepOf(stateDir: string, id: string): PlanStep | undefined {
  return readPlan(stateDir)?.steps.find((s) => s.id === id);
}

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

/** Where (file or label) each canary occurs, in any of the forms it travels in. */
export function canaryHits(sources: Record<string, string>, canaries: Record<string, string>): string[] {
  const hits: string[] = [];
  for (const [label, value] of Object.entries(canaries)) {
    const forms = new Set([value, JSON.stringify(value).slice(1, -1), Buffer.from(value).toString('base64')]);
    for (const [where, text] of Object.entries(sources)) {
      for (const f of forms) if (text.includes(f)) hits.push(`${label} in ${where}`);
    }
  }
  return hits;
}

export function modeOf(file: string): number {
  return statSync(file).mode & 0o777;
}

/**
 * Makes the server unreachable the way a dead network does: the listener and every session
 * process of THIS sshd are frozen (SIGSTOP), so open links go silent and new connections
 * hang in the handshake. `heal` thaws them (SIGCONT).
 */
export function blackHole(sshd: Sshd): { heal(): void } {
  const listener = Number(readFileSync(path.join(sshd.dir, 'sshd.pid'), 'utf8').trim());
  if (!(listener > 1)) throw new Error('blackHole: no sshd listener pid');
  const all = () => [listener, ...descendants(listener)];
  for (const pid of all()) {
    try {
      process.kill(pid, 'SIGSTOP');
    } catch {
      /* gone */
    }
  }
  return {
    heal() {
      for (const pid of all()) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          /* gone */
        }
      }
    },
  };
}

/**
 * A program in a private tmux terminal whose WHOLE record can be read: the visible screen plus
 * everything that scrolled off (test/harness/tmux.ts reads the visible screen only).
 */
export interface Terminal {
  screen(): string;
  everything(): string;
  send(key: string): void;
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  kill(): void;
}

export function startTerminal(command: readonly string[], env: Record<string, string>, size = { width: 80, height: 24 }): Terminal {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-term-'));
  const socket = path.join(dir, 'tmux.sock');
  const tmux = (...args: string[]) => execFileSync('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const vars = Object.entries(env)
    .map(([k, v]) => `${k}=${q(v)}`)
    .join(' ');
  // CI unset: Ink draws nothing until exit while CI is set.
  // history-limit applies to panes created after it is set: set it on the server first.
  tmux(
    'start-server',
    ';',
    'set-option',
    '-g',
    'history-limit',
    '100000',
    ';',
    'new-session',
    '-d',
    '-s',
    'app',
    '-x',
    String(size.width),
    '-y',
    String(size.height),
    `env -u CI ${vars} ${command.map(q).join(' ')}; echo "EXITED rc=$?"; sleep 30`,
  );
  const term: Terminal = {
    screen: () => tmux('capture-pane', '-p', '-t', 'app'),
    everything: () => tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'app'),
    send: (key) => {
      tmux('send-keys', '-t', 'app', key);
    },
    async waitFor(text, timeoutMs = 20_000) {
      const start = Date.now();
      while (!term.screen().includes(text)) {
        if (Date.now() - start > timeoutMs) throw new Error(`terminal: timed out waiting for "${text}"; screen:\n${term.screen()}`);
        await sleep(50);
      }
    },
    kill() {
      try {
        tmux('kill-server');
      } catch {
        /* already gone */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return term;
}
