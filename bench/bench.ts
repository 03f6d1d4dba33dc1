// `npm run bench`: how fast the wizard is, each figure measured against the baseline an operator
// would really use (OpenSSH with a ControlMaster, a ControlPersist bash replay) in the same run
// (medians of several runs), on a private loopback sshd, private tmux ptys and practice labs
// that are all stopped again, even on failure or Ctrl-C.
//   npm run bench                 readable table
//   npm run bench -- --json       the table on stderr, one JSON object on the last stdout line
//   npm run bench -- --quick      fewer and smaller runs (smoke test; figures are not comparable)
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { packageRoot } from '../source/paths.js';
import { SshTarget } from '../source/targets/ssh.js';
import { openLog } from '../source/logs/log-thread.js';
import { opensshArgv, startSshd, type Sshd } from './sshd.js';
import { Terminal } from './terminal.js';
import { countTranscript, median, round } from './stats.js';
import type { AppConfig, AppResult } from './stream-app.js';
import { benchFlow, flowRows } from './flow.js';
import { benchScreens } from './wizard-screens.js';
import { benchInstall } from './install.js';

let flags: { json?: boolean; quick?: boolean };
try {
  flags = parseArgs({ options: { json: { type: 'boolean' }, quick: { type: 'boolean' } }, strict: true }).values;
} catch (error) {
  process.stderr.write(`bench: ${(error as Error).message} (options: --json, --quick)\n`);
  process.exit(2);
}
const quick = flags.quick ?? false;

/** Sizes and repetitions; --quick only proves the machinery works. */
const plan = quick
  ? {
      startupRuns: 3,
      frameRuns: 2,
      streamLines: 20_000,
      streamRuns: 1,
      opensshStreamRuns: 3,
      commandRuns: 1,
      commands: 10,
      inputSamples: 6,
      inputRate: 5000,
      millionLines: 100_000,
      flowPairs: 1,
    }
  : {
      startupRuns: 10,
      frameRuns: 5,
      streamLines: 200_000,
      streamRuns: 3,
      opensshStreamRuns: 9,
      commandRuns: 3,
      commands: 50,
      inputSamples: 40,
      inputRate: 5000,
      millionLines: 1_000_000,
      flowPairs: 3,
    };

const root = packageRoot();
const node = process.execPath;
const cliJs = path.join(root, 'dist', 'source', 'cli.js');
const appJs = path.join(root, 'dist', 'bench', 'stream-app.js');
const millionJs = path.join(root, 'dist', 'bench', 'million.js');
const log = (text: string) => process.stderr.write(`bench: ${text}\n`);

// Everything started is registered here and undone in reverse order, whatever happens.
// A signal and a failing main() may both ask: they share one pass.
const cleanups: (() => void | Promise<void>)[] = [];
let cleaning: Promise<void> | null = null;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length) {
      try {
        await cleanups.pop()!();
      } catch (error) {
        log(`cleanup: ${(error as Error).message}`);
      }
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

const work = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-bench-'));
cleanups.push(() => rmSync(work, { recursive: true, force: true }));

/** Wall time of one process run to completion (stdout discarded); throws on a non-zero exit. */
function timeProcess(argv: readonly string[]): number {
  const devnull = openSync('/dev/null', 'w');
  try {
    const started = performance.now();
    const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', devnull, 'pipe'] });
    const ms = performance.now() - started;
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr.toString().trim()}`);
    return ms;
  } finally {
    closeSync(devnull);
  }
}

// ---- startup ---------------------------------------------------------------------------

function benchStartup() {
  const cli: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < plan.startupRuns; i++) {
    // interleaved, so load changes hit both alike
    bare.push(timeProcess([node, '-e', '0']));
    cli.push(timeProcess([node, cliJs, '--version']));
  }
  return { startup_ms: median(cli), node_ms: median(bare) };
}

// ---- over SSH --------------------------------------------------------------------------

interface Server {
  sshd: Sshd;
  knownHosts: string;
  target: SshTarget;
  file: string;
  ssh: (command: string) => string[];
}

async function startServer(): Promise<Server> {
  const sshd = await startSshd({ dirPrefix: 'mas-wizard-bench-sshd-' });
  cleanups.push(() => {
    sshd.stop();
    rmSync(sshd.dir, { recursive: true, force: true });
  });
  const knownHosts = path.join(sshd.dir, 'known_hosts');
  writeFileSync(knownHosts, `${sshd.knownHostsLine}\n`);
  const target = await SshTarget.connect({
    host: '127.0.0.1',
    port: sshd.port,
    username: sshd.user,
    identityFiles: [sshd.clientKey],
    knownHostsFile: knownHosts,
    agent: null,
    defaultIdentityFiles: [],
  });
  cleanups.push(() => target.close());
  // The file to stream is created on the server first: ~51-byte numbered lines.
  const made = await target.run({
    script: `set -e; d=$(mktemp -d /tmp/mas-wizard-bench-remote-XXXXXX); awk -v n=${plan.streamLines} 'BEGIN { for (i = 1; i <= n; i++) printf "line %06d the quick brown fox jumps over a lazy dog\\n", i }' > "$d/stream.txt"; echo "$d"`,
  });
  if (made.code !== 0) throw new Error(`creating the stream file on the server failed: ${made.stderr}`);
  const remoteDir = made.stdout.trim();
  cleanups.push(async () => {
    await target.run({ argv: ['rm', '-rf', '--', remoteDir] });
  });
  const ssh = (command: string) => [...opensshArgv(sshd, knownHosts), command];
  return { sshd, knownHosts, target, file: `${remoteDir}/stream.txt`, ssh };
}

async function waitForFile(file: string, what: string, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!existsSync(file)) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** One wizard-side run: SshTarget `cat FILE` → LogSink (+transcript) → LogPane in a real pty. */
async function streamOnce(server: Server, term: Terminal, run: number) {
  const base = path.join(work, `stream-${run}`);
  const config: AppConfig = {
    mode: 'ssh',
    host: '127.0.0.1',
    port: server.sshd.port,
    user: server.sshd.user,
    key: server.sshd.clientKey,
    knownHosts: server.knownHosts,
    file: server.file,
    transcript: `${base}.jsonl`,
    result: `${base}.result.json`,
  };
  writeFileSync(`${base}.json`, JSON.stringify(config));
  // React's production build, as in the wizard's own bundle (scripts/bundle.mjs defines it).
  term.launch([node, appJs, `${base}.json`], { NODE_ENV: 'production' });
  await waitForFile(config.result, 'the streaming command to exit', 60_000);
  const exited = JSON.parse(readFileSync(config.result, 'utf8')) as AppResult;
  if (exited.error) throw new Error(`stream app: ${exited.error}`);
  if (exited.code !== 0 || exited.startedAt === undefined)
    throw new Error(`stream app: cat ended with ${exited.lost ? 'a lost connection' : `exit ${exited.code}`}`);
  const last = `line ${String(plan.streamLines).padStart(6, '0')} `;
  const frame = await term.waitFor((s) => s[0]?.includes('exit 0') && s.some((l) => l.includes(last)), `the final frame showing "${last}"`, 10_000, 2);
  term.send('q');
  await term.waitFor(() => term.exited(), 'the stream app to quit', 10_000, 20);
  const final = JSON.parse(readFileSync(config.result, 'utf8')) as AppResult;
  const counted = await countTranscript(config.transcript);
  rmSync(config.transcript, { force: true });
  return {
    ms: frame.at - exited.startedAt,
    exitMs: exited.exitedAt! - exited.startedAt,
    rssMb: final.maxRssKb / 1024,
    lost: plan.streamLines - counted.inOrder + Math.max(0, counted.outLines - plan.streamLines),
  };
}

/** `cat FILE` over the bench's own SshTarget: bytes counted only, or through the wizard's log (its worker) with a transcript. */
async function timeStreamInProcess(server: Server, transcriptFile: string | null): Promise<number> {
  const opened = transcriptFile ? await openLog({ file: transcriptFile }) : null;
  const sink = opened?.log ?? null;
  const transcript = opened?.transcript ?? null;
  sink?.subscribe(() => {});
  let bytes = 0;
  const started = performance.now();
  const run = await server.target.run(
    { argv: ['cat', '--', server.file] },
    {
      collect: false,
      onStdout: sink
        ? (chunk) => sink.push('stdout', chunk)
        : (chunk) => {
            bytes += chunk.length;
          },
    },
  );
  sink?.close();
  transcript?.close();
  const ms = performance.now() - started;
  if (run.code !== 0) throw new Error(`cat over SshTarget: ${run.lost ? 'connection lost' : `exit ${run.code ?? run.signal}`}`);
  if (transcriptFile) {
    const counted = await countTranscript(transcriptFile);
    rmSync(transcriptFile, { force: true });
    if (counted.inOrder !== plan.streamLines)
      throw new Error(`in-process stream: ${counted.inOrder} of ${plan.streamLines} lines reached the transcript in order`);
  } else if (bytes === 0) throw new Error('in-process stream: no output');
  return ms;
}

async function benchStream(server: Server) {
  const term = new Terminal(80, 24);
  cleanups.push(() => term.kill());
  const runs = [];
  try {
    for (let i = 0; i < plan.streamRuns; i++) runs.push(await streamOnce(server, term, i));
  } finally {
    term.kill();
  }
  // Where the time goes, without a pty: ssh2 alone, then ssh2 → LogSink (+ redaction, transcript).
  const raw: number[] = [];
  const engine: number[] = [];
  for (let i = 0; i < plan.streamRuns; i++) {
    raw.push(await timeStreamInProcess(server, null));
    engine.push(await timeStreamInProcess(server, path.join(work, `engine-${i}.jsonl`)));
  }
  // OpenSSH: the same cat into /dev/null minus a bare `ssh true` (process + connection setup)
  // run just before it; the median of these paired differences (setup alone varies by tens of ms).
  const setup: number[] = [];
  const transfer: number[] = [];
  for (let i = 0; i < plan.opensshStreamRuns; i++) {
    const bare = timeProcess(server.ssh('true'));
    setup.push(bare);
    transfer.push(timeProcess(server.ssh(`cat ${server.file}`)) - bare);
  }
  return {
    stream_ms: median(runs.map((r) => r.ms)),
    openssh_stream_ms: Math.max(1, median(transfer)), // floor: noise can make a tiny transfer "negative"
    openssh_connect_ms: median(setup),
    stream_exit_ms: median(runs.map((r) => r.exitMs)),
    ssh2_stream_ms: median(raw),
    engine_stream_ms: median(engine),
    stream_rss_mb: Math.max(...runs.map((r) => r.rssMb)),
    stream_lines_lost: Math.max(...runs.map((r) => r.lost)),
  };
}

/**
 * N × `true` on the wizard's one connection, against N × `ssh … true` through an OpenSSH
 * ControlMaster opened beforehand (its setup not timed: what an operator with ControlPersist,
 * or Ansible, has), and N × `ssh … true` each with its own connection (for reference).
 */
async function benchCommands(server: Server) {
  const controlPath = path.join(work, 'cm-%C');
  const mux = (command: string) => {
    const argv = server.ssh(command);
    return [...argv.slice(0, -2), '-o', `ControlPath=${controlPath}`, ...argv.slice(-2)];
  };
  const master = mux('true');
  const open = spawnSync(master[0], [...master.slice(1, -2), '-o', 'ControlMaster=yes', '-o', 'ControlPersist=yes', '-f', '-N', master[master.length - 2]], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  const closeMaster = () => {
    spawnSync(master[0], [...master.slice(1, -2), '-O', 'exit', master[master.length - 2]], { stdio: 'ignore', timeout: 10_000 });
  };
  cleanups.push(closeMaster);
  if (open.status !== 0) throw new Error(`opening an OpenSSH ControlMaster failed (exit ${open.status ?? open.signal}): ${open.stderr.trim()}`);
  const check = spawnSync(master[0], [...master.slice(1, -2), '-O', 'check', master[master.length - 2]], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`the OpenSSH ControlMaster is not running: ${check.stderr.trim()}`);
  const ours: number[] = [];
  const muxed: number[] = [];
  const unmuxed: number[] = [];
  try {
    for (let r = 0; r < plan.commandRuns; r++) {
      // interleaved, so load changes hit all three alike
      const started = performance.now();
      for (let i = 0; i < plan.commands; i++) {
        const res = await server.target.run({ argv: ['true'] });
        if (res.code !== 0) throw new Error(`true over SshTarget: ${res.lost ? 'connection lost' : `exit ${res.code ?? res.signal}`} ${res.stderr.trim()}`);
      }
      ours.push(performance.now() - started);
      let total = 0;
      for (let i = 0; i < plan.commands; i++) total += timeProcess([...mux('true').slice(0, -2), '-o', 'ControlMaster=no', ...mux('true').slice(-2)]);
      muxed.push(total);
      total = 0;
      for (let i = 0; i < plan.commands; i++) total += timeProcess(server.ssh('true'));
      unmuxed.push(total);
    }
  } finally {
    closeMaster();
  }
  return { commands_ms: median(ours), openssh_mux_commands_ms: median(muxed), openssh_commands_ms: median(unmuxed) };
}

// ---- a million lines -------------------------------------------------------------------

async function benchMillion() {
  const file = path.join(work, 'million.jsonl');
  const r = spawnSync(node, [millionJs, String(plan.millionLines), file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`million.js exited ${r.status ?? r.signal}: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { maxRssKb: number; linesShown: number };
  const counted = await countTranscript(file);
  rmSync(file, { force: true });
  return {
    million_lines_rss_mb: out.maxRssKb / 1024,
    million_lines_lost: plan.millionLines - counted.inOrder + Math.max(0, counted.outLines - plan.millionLines),
  };
}

// ---- report ----------------------------------------------------------------------------

type Figures = Record<string, number | string | boolean>;

function report(f: Figures): string {
  const num = (k: string) => f[k] as number;
  const ms = (k: string) => `${round(num(k))} ms`;
  const mark = (ok: boolean) => (ok ? '✓' : '✗');
  const install: [string, string, string, string][] =
    typeof f.install_s === 'number'
      ? [
          ['npm ci, fresh clone, warm cache', `${round(num('install_s'))} s`, `before (${f.install_before_ref}): ${round(num('install_s_before'))} s`, ''],
          ['production install: node_modules', `${round(num('install_mb'))} MB`, `before (${f.install_before_ref}): ${round(num('install_mb_before'))} MB`, ''],
        ]
      : [['install (npm ci; production node_modules)', 'skipped', '--quick: minutes of npm', '']];
  const rows: [string, string, string, string][] = [
    [
      'startup: mas-wizard --version',
      ms('startup_ms'),
      `node -e 0: ${ms('node_ms')}`,
      `ratio ${round(num('startup_ratio'), 2)} ≤ 2.5 ${mark(num('startup_ratio') <= 2.5)}`,
    ],
    ['first frame: the mode question drawn', ms('first_frame_ms'), 'mas-wizard --lab spawned in a real pty', `≤ 500 ms ${mark(num('first_frame_ms') <= 500)}`],
    [
      `stream ${plan.streamLines.toLocaleString('en-US')} lines → log pane`,
      ms('stream_ms'),
      `OpenSSH cat: ${ms('openssh_stream_ms')}; exit seen at ${ms('stream_exit_ms')}`,
      `ratio ${round(num('stream_ratio'), 2)} ≤ 1.5 ${mark(num('stream_ratio') <= 1.5)}`,
    ],
    ['  same, no pty: ssh2 → log worker + transcript', ms('engine_stream_ms'), `ssh2 alone: ${ms('ssh2_stream_ms')}`, '(where the time goes)'],
    ['  peak RSS while streaming', `${round(num('stream_rss_mb'))} MB`, '', `≤ 150 MB ${mark(num('stream_rss_mb') <= 150)}`],
    ['  lines missing from transcript', String(num('stream_lines_lost')), '', `= 0 ${mark(num('stream_lines_lost') === 0)}`],
    [
      `${plan.commands} × true on one connection`,
      ms('commands_ms'),
      `${plan.commands} × ssh true via a ControlMaster: ${ms('openssh_mux_commands_ms')}`,
      `speed-up ${round(num('command_speedup'), 1)}× ≥ 1.5 ${mark(num('command_speedup') >= 1.5)}`,
    ],
    [
      '  same, against ssh without multiplexing',
      '',
      `${plan.commands} × ssh true: ${ms('openssh_commands_ms')}`,
      `speed-up ${round(num('command_speedup_no_mux'), 1)}× (reference)`,
    ],
    [
      `key → frame, wizard run screen at ${plan.inputRate} lines/s (p95)`,
      ms('input_p95_ms'),
      `median ${ms('input_median_ms')}, ${num('input_samples')} samples, pane took ${Math.round(num('input_lines_per_s'))} lines/s`,
      `≤ 100 ms ${mark(num('input_p95_ms') <= 100)}`,
    ],
    [
      `${plan.millionLines.toLocaleString('en-US')} lines: peak RSS`,
      `${round(num('million_lines_rss_mb'))} MB`,
      'LogSink + transcript, no pty',
      `(flat memory)`,
    ],
    ['  lines missing from transcript', String(num('million_lines_lost')), '', `= 0 ${mark(num('million_lines_lost') === 0)}`],
    ...flowRows(f, mark),
    ...install,
  ];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c].length)));
  const runs = `medians of: startup ${plan.startupRuns} runs each, first frame ${plan.frameRuns}, stream ${plan.streamRuns} (OpenSSH ${plan.opensshStreamRuns}; RSS and lost lines: worst run), commands ${plan.commandRuns} × ${plan.commands}, flow ${plan.flowPairs} wizard/script pairs (alternating)`;
  const load = `machine: ${os.cpus().length} cores, load average ${f.load_avg_1m} at start`;
  return [
    `mas-wizard bench${quick ? ' (--quick: reduced sizes, figures not comparable)' : ''}`,
    ...rows.map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('   ')
        .trimEnd(),
    ),
    runs,
    load,
  ].join('\n');
}

async function main(): Promise<number> {
  const started = Date.now();
  const figures: Figures = { quick, load_avg_1m: os.loadavg()[0] };
  const hooks = {
    node,
    cliJs,
    work,
    onCleanup: (fn: () => void | Promise<void>) => {
      cleanups.push(fn);
    },
    log,
  };
  log('startup');
  Object.assign(figures, benchStartup());
  log('wizard screens');
  Object.assign(figures, await benchScreens({ frameRuns: plan.frameRuns, inputSamples: plan.inputSamples, inputRate: plan.inputRate, quick }, hooks));
  log('sshd');
  const server = await startServer();
  log('streaming');
  Object.assign(figures, await benchStream(server));
  log('commands');
  Object.assign(figures, await benchCommands(server));
  log('a million lines');
  Object.assign(figures, await benchMillion());
  log('full migrate flow');
  Object.assign(figures, await benchFlow({ ...hooks, pairs: plan.flowPairs }));
  // npm ci twice and two production installs take minutes: skipped with --quick (the table says so).
  if (!quick) {
    log('install');
    Object.assign(figures, await benchInstall({ root, onCleanup: hooks.onCleanup, log }));
  }
  figures.startup_ratio = (figures.startup_ms as number) / (figures.node_ms as number);
  figures.stream_ratio = (figures.stream_ms as number) / (figures.openssh_stream_ms as number);
  figures.command_speedup = (figures.openssh_mux_commands_ms as number) / (figures.commands_ms as number);
  figures.command_speedup_no_mux = (figures.openssh_commands_ms as number) / (figures.commands_ms as number);
  figures.bench_seconds = (Date.now() - started) / 1000;
  for (const [k, v] of Object.entries(figures)) if (typeof v === 'number') figures[k] = round(v, 2);
  const table = report(figures);
  if (flags.json) {
    process.stderr.write(`${table}\n`);
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } else process.stdout.write(`${table}\nbench took ${figures.bench_seconds} s\n`);
  return 0;
}

main().then(
  async (code) => {
    await cleanup();
    process.exitCode = code;
  },
  async (error: unknown) => {
    await cleanup();
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
