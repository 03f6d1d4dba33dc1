// Full-flow figures for `npm run bench`: the lab *migrate* flow through the wizard
// (`run --answers … --yes`) against a plain bash script doing the same work on a second,
// identical fresh lab, both labs' server side reached over one loopback OpenSSH server.
//
// "The same work" is taken from the wizard's own transcript of its run: every command it
// recorded (playbook runs in the checkout, server commands, its preflight probes) is replayed
// by the script in order, expecting the exit code the wizard saw; every vars.yml change it
// noted becomes `sed -i` (keys removed) and `cat >>` (keys appended), checked against the
// wizard's before/after files. What the script does not do is the wizard's own bookkeeping
// (plan file, locks, server record, detached-job plumbing, redacted transcript, diffs): that
// is the overhead measured. The script's ssh multiplexes its commands over one OpenSSH master
// (ControlMaster=auto, ControlPersist=60, as Ansible does by default); the wizard keeps one
// ssh2 connection. Wizard and script runs alternate (each on its own fresh lab, the script
// replaying the wizard run just before it), and the figure comes from the medians.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { destroyLab, ensureLab, type LabInfo } from '../source/lab/lab.js';
import { median } from './stats.js';
import { MASK as DISPLAY_MASK } from '../source/playbook/commands.js';
import { findJust } from '../source/playbook/checkout.js';
import { MASK as REDACTED } from '../source/logs/redact.js';
import { quoteArg } from '../source/targets/quote.js';
import type { TranscriptRecord } from '../source/logs/transcript.js';
import { opensshArgv, startSshd, type Sshd } from './sshd.js';
import { labOverSsh } from './lab-over-ssh.js';

export interface FlowFigures {
  flow_ms: number;
  flow_script_ms: number;
  flow_overhead_pct: number;
  flow_rss_mb: number;
  flow_pairs: number;
}

export interface FlowHooks {
  node: string;
  cliJs: string;
  /** Registers an undo step; the bench runs them in reverse order, even on failure or a signal. */
  onCleanup(fn: () => void | Promise<void>): void;
  log(text: string): void;
  /** Wizard/script pairs, alternating (3 for the figures, 1 with --quick). */
  pairs: number;
}

/** The answers of the timed run (issue 7 item 6); the secret is fixed so both sides write the same vars. */
export const FLOW_ANSWERS = `mode: migrate
secret: "${'5e'.repeat(32)}"
providers: convert-synapse-oidc
accept: [db.non-email-3pids, syn2mas.warnings]
backup: {enabled: true}
confirm_server_name: example.org
`;

// ---- the script, from the wizard's transcript ----------------------------------------

export interface VarsChange {
  keys: string[];
  before: string;
  after: string;
}

export interface ScriptInput {
  /** The wizard run's transcript records, in order. */
  records: readonly TranscriptRecord[];
  /** Each "vars.yml changed" note's before/after text, in note order. */
  varsChanges: readonly VarsChange[];
  checkout: string;
  varsFile: string;
  /** OpenSSH argv prefix up to and including user@host; the remote command line is appended. */
  ssh: readonly string[];
  /** Text replaced in every command (the wizard's lab dir → the script's lab dir). */
  rewrite: (text: string) => string;
}

/** `sed -i` expression deleting a top-level key and its indented or list block, and what it leaves. */
function removeKey(key: string): { sed: string; apply: (text: string) => string } {
  return {
    sed: `/^${key}:/,/^[^[:space:]-]/{/^${key}:/d;/^[[:space:]-]/d}`,
    // Mirrors the sed range exactly: from the key's line to the next top-level line (kept), deleting indented and list lines (blank lines stay).
    apply(text) {
      const out: string[] = [];
      let inBlock = false;
      for (const line of text.split('\n')) {
        if (!inBlock && line.startsWith(`${key}:`)) inBlock = true;
        else if (!inBlock) out.push(line);
        else if (/^[^\s-]/.test(line)) {
          inBlock = false;
          out.push(line);
        } else if (line === '') out.push(line);
      }
      return out.join('\n');
    },
  };
}

/** Shell lines making one vars.yml change as a plain script would; throws when they would not give the wizard's result. */
export function varsEditLines(change: VarsChange, varsFile: string): string[] {
  for (const key of change.keys) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`vars key ${JSON.stringify(key)} is not a plain identifier`);
  const gone = change.keys.filter((k) => !new RegExp(`^${k}:`, 'm').test(change.after));
  let text = change.before;
  const lines: string[] = [];
  for (const key of gone) {
    const r = removeKey(key);
    lines.push(`sed -i ${quoteArg(r.sed)} ${quoteArg(varsFile)}`);
    text = r.apply(text);
  }
  if (change.after.startsWith(text) && change.after.length > text.length) {
    const added = change.after.slice(text.length);
    const eof = 'MAS_WIZARD_BENCH_EOF';
    if (added.includes(eof)) throw new Error('vars.yml addition contains the heredoc marker');
    lines.push(`cat >>${quoteArg(varsFile)} <<'${eof}'`, ...added.replace(/\n$/, '').split('\n'), eof);
    text = change.after;
  }
  if (!isDeepStrictEqual(parse(text), parse(change.after))) {
    throw new Error(`the vars.yml change to ${change.keys.join(', ')} is neither an append nor a removal; a plain script cannot replay it`);
  }
  return lines;
}

/** The bash script replaying the wizard's run. */
export function flowScript(input: ScriptInput): string {
  const out = [
    '#!/bin/bash',
    '# Generated by bench/flow.ts: the commands of one wizard run, replayed plainly.',
    'set -u',
    'fail() { echo "flow script: $1 $2" >&2; exit 1; }',
  ];
  const expect = (line: string, code: number | null, what: string) => {
    out.push(line, `rc=$?; [ "$rc" = ${code ?? 0} ] || fail ${quoteArg(what)} "exited $rc; the wizard saw ${code}"`);
  };
  const runnable = (display: string) => {
    if (display.includes(DISPLAY_MASK) || display.includes(REDACTED))
      throw new Error(`a recorded command has a masked value and cannot be replayed: ${display}`);
    return input.rewrite(display);
  };
  const server = (display: string) => [...input.ssh, runnable(display)].map((a) => quoteArg(a)).join(' ');
  const ends = new Map<string, number | null>();
  for (const r of input.records) if ('type' in r && r.type === 'end') ends.set(r.id, r.code);
  let change = 0;
  for (const r of input.records) {
    if (!('type' in r)) continue;
    if (r.type === 'note') {
      if (r.text.startsWith('probe: ')) {
        // The wizard reads a probe's output whatever its exit code (is-active says 3 for inactive).
        out.push(`${server(r.text.slice('probe: '.length))} || true`);
      } else if (r.text.startsWith('vars.yml changed (')) {
        const c = input.varsChanges[change++];
        if (!c) throw new Error(`more vars.yml notes than changes given (${input.varsChanges.length})`);
        out.push(...varsEditLines(c, input.varsFile));
      }
    } else if (r.type === 'command') {
      const code = ends.get(r.id);
      if (code === undefined) throw new Error(`the wizard's command ${r.display} has no end record`);
      if (r.target === 'controller') expect(`(cd ${quoteArg(input.checkout)} && ${runnable(r.display)})`, code, runnable(r.display));
      else expect(server(r.display), code, runnable(r.display));
    }
  }
  if (change !== input.varsChanges.length) throw new Error(`${input.varsChanges.length} vars.yml changes given, ${change} noted`);
  return `${out.join('\n')}\n`;
}

/** Reads a transcript file (JSONL). */
export function readRecords(file: string): TranscriptRecord[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as TranscriptRecord);
}

/** Before/after text of each vars.yml change the wizard noted: each backup holds the text before; the next backup (or the file) the text after. */
export function varsChangesOf(records: readonly TranscriptRecord[], varsFile: string): VarsChange[] {
  const notes = records.flatMap((r) => {
    const m = 'type' in r && r.type === 'note' ? /^vars\.yml changed \(([^)]*)\); backup (.+)$/.exec(r.text) : null;
    return m ? [{ keys: m[1].split(', '), backup: m[2] }] : [];
  });
  return notes.map((n, i) => ({
    keys: n.keys,
    before: readFileSync(n.backup, 'utf8'),
    after: readFileSync(notes[i + 1]?.backup ?? varsFile, 'utf8'),
  }));
}

// ---- labs, processes ---------------------------------------------------------------------

interface Side {
  base: string;
  lab: LabInfo;
  varsFile: string;
  remove(): Promise<void>;
}

/** A fresh lab in a world-traversable temp dir, its server side served over `sshd`. */
async function newSide(sshd: Sshd, hooks: FlowHooks): Promise<Side> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-bench-flow-'));
  let removed = false;
  const remove = async () => {
    if (removed) return;
    removed = true;
    try {
      await destroyLab({ dir: path.join(base, 'lab') });
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  };
  hooks.onCleanup(remove);
  chmodSync(base, 0o755);
  const lab = await ensureLab({ dir: path.join(base, 'lab') });
  labOverSsh(lab, sshd);
  return { base, lab, varsFile: path.join(lab.playbookDir, 'inventory', 'host_vars', lab.host, 'vars.yml'), remove };
}

/** Peak resident set (VmHWM, KiB) of a live process, or null once it is gone. */
function peakRssKb(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Runs argv to completion in its own process group (killed with it on cleanup), output to logFile; wall time and the polled peak RSS. */
async function timed(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  hooks: FlowHooks,
): Promise<{ ms: number; rssKb: number; code: number | null }> {
  const fd = openSync(logFile, 'w', 0o600);
  const started = performance.now();
  const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  let done = false;
  hooks.onCleanup(() => {
    if (!done && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  });
  let rssKb = 0;
  const poll = setInterval(() => {
    rssKb = Math.max(rssKb, peakRssKb(child.pid!) ?? 0);
  }, 50);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  }).finally(() => {
    done = true;
    clearInterval(poll);
  });
  return { ms: performance.now() - started, rssKb, code };
}

const tail = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n').slice(-15).join('\n');

/** MAS users after the flow: both sides must have migrated the same accounts. */
function masUsers(side: Side): number {
  const cli = path.join(side.lab.serverRoot, 'postgres', 'bin', 'cli-non-interactive');
  return Number(execFileSync(cli, ['-d', 'matrix_authentication_service', '-X', '-A', '-t', '-c', 'SELECT count(*) FROM users'], { encoding: 'utf8' }).trim());
}

// ---- the figures ---------------------------------------------------------------------

/** One wizard run on a fresh lab, then the plain script replaying it on another; both labs removed after. */
async function pair(sshd: Sshd, hooks: FlowHooks, n: number): Promise<{ wizardMs: number; scriptMs: number; rssKb: number }> {
  hooks.log(`flow ${n}: two fresh labs`);
  const wiz = await newSide(sshd, hooks);
  const plain = await newSide(sshd, hooks);
  try {
    const answers = path.join(wiz.base, 'answers.yml');
    writeFileSync(answers, FLOW_ANSWERS, { mode: 0o600 });

    hooks.log(`flow ${n}: the wizard (run --answers --yes)`);
    const env = { ...process.env, MAS_WIZARD_STATE_DIR: wiz.base, NO_COLOR: '1' };
    const wizLog = path.join(wiz.base, 'wizard.log');
    const w = await timed([hooks.node, hooks.cliJs, '--lab', 'run', '--answers', answers, '--yes'], env, wizLog, hooks);
    if (w.code !== 0) throw new Error(`flow: the wizard exited ${w.code}:\n${tail(wizLog)}`);

    const transcripts = readdirSync(path.join(wiz.base, 'transcripts')).filter((f) => f.endsWith('.jsonl'));
    if (transcripts.length !== 1) throw new Error(`flow: expected one transcript from the wizard run, found ${transcripts.length}`);
    const records = readRecords(path.join(wiz.base, 'transcripts', transcripts[0]));
    // The master's socket: in the plain side's temp dir (short enough for a unix socket path).
    const controlPath = path.join(plain.base, 'cm-%C');
    const ssh = opensshArgv(sshd, path.join(plain.lab.dir, 'known_hosts'), ['ControlMaster=auto', 'ControlPersist=60', `ControlPath=${controlPath}`]);
    // The master outlives the script by design (ControlPersist): stop it, whatever happens.
    const stopMaster = () => {
      spawnSync(ssh[0], [...ssh.slice(1, -1), '-O', 'exit', ssh[ssh.length - 1]], { stdio: 'ignore', timeout: 10_000 });
    };
    hooks.onCleanup(stopMaster);
    const script = flowScript({
      records,
      varsChanges: varsChangesOf(records, wiz.varsFile),
      checkout: plain.lab.playbookDir,
      varsFile: plain.varsFile,
      ssh,
      rewrite: (text) => text.replaceAll(wiz.base, plain.base),
    });
    const scriptFile = path.join(plain.base, 'flow.sh');
    writeFileSync(scriptFile, script, { mode: 0o700 });

    hooks.log(`flow ${n}: the same commands as a plain bash script over OpenSSH (ControlPersist)`);
    // The `just` the wizard ran (on PATH, else the one shipped in node_modules) must be the script's too.
    const just = findJust();
    if (!just) throw new Error('flow: no `just` found (neither on PATH nor in node_modules)');
    const plainEnv = { ...process.env, PATH: `${path.dirname(just)}:${process.env.PATH ?? ''}` };
    const scriptLog = path.join(plain.base, 'script.log');
    const s = await timed(['bash', scriptFile], plainEnv, scriptLog, hooks);
    stopMaster();
    if (s.code !== 0) throw new Error(`flow: the plain script exited ${s.code}:\n${tail(scriptLog)}`);

    const migrated = [masUsers(wiz), masUsers(plain)];
    if (migrated[0] === 0 || migrated[0] !== migrated[1])
      throw new Error(`flow: the two sides did not do the same work (MAS users: wizard ${migrated[0]}, script ${migrated[1]})`);
    return { wizardMs: w.ms, scriptMs: s.ms, rssKb: w.rssKb };
  } finally {
    await wiz.remove();
    await plain.remove();
  }
}

export async function benchFlow(hooks: FlowHooks): Promise<FlowFigures> {
  const sshd = await startSshd({ dirPrefix: 'mas-wizard-bench-flow-sshd-' });
  hooks.onCleanup(() => {
    sshd.stop();
    rmSync(sshd.dir, { recursive: true, force: true });
  });
  const runs = [];
  for (let n = 1; n <= hooks.pairs; n++) runs.push(await pair(sshd, hooks, n));
  const wizard = median(runs.map((r) => r.wizardMs));
  const script = median(runs.map((r) => r.scriptMs));
  return {
    flow_ms: wizard,
    flow_script_ms: script,
    flow_overhead_pct: (wizard / script - 1) * 100,
    flow_rss_mb: Math.max(...runs.map((r) => r.rssKb)) / 1024,
    flow_pairs: runs.length,
  };
}

/** Table rows for bench.ts's report: label, figure, baseline, verdict. */
export function flowRows(f: Record<string, unknown>, mark: (ok: boolean) => string): [string, string, string, string][] {
  const n = (k: string) => f[k] as number;
  return [
    [
      `lab migrate flow over SSH: wizard (median of ${n('flow_pairs')})`,
      `${Math.round(n('flow_ms'))} ms`,
      `bash + OpenSSH ControlPersist, same commands: ${Math.round(n('flow_script_ms'))} ms`,
      `overhead ${n('flow_overhead_pct').toFixed(1)}% ≤ 5% ${mark(n('flow_overhead_pct') <= 5)}`,
    ],
    ['  peak RSS of the wizard over the flow', `${Math.round(n('flow_rss_mb'))} MB`, 'VmHWM polled every 50 ms', `≤ 150 MB ${mark(n('flow_rss_mb') <= 150)}`],
  ];
}
