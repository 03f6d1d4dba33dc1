// The wizard's own screens for `npm run bench`, on a practice lab made beforehand (untimed):
//   first_frame_ms  spawn → the mode question drawn with its choices, in a real 80×24 pty;
//   input_p95_ms    key → changed frame on the wizard's run screen while the backup step
//                   streams lab flood lines (the lab's `flood` fault) into its log pane.
// No stand-in app: if the wizard does not draw these screens, the bench fails.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { destroyLab, ensureLab, LAB_DOMAIN, type LabInfo } from '../source/lab/lab.js';
import { writeFaults } from '../source/lab/faults.js';
import { FLOW_CHOICES } from '../source/commands/wizard.js';
import { Terminal } from './terminal.js';
import { FLOW_ANSWERS } from './flow.js';
import { median, percentile } from './stats.js';

export interface ScreensPlan {
  frameRuns: number;
  inputSamples: number;
  inputRate: number;
  quick: boolean;
}

export interface ScreensHooks {
  node: string;
  cliJs: string;
  work: string;
  onCleanup(fn: () => void | Promise<void>): void;
  log(text: string): void;
}

/** Processes started for this lab's server side (its detached jobs): they carry MAS_LAB_DIR=<lab dir> or run from <lab>/server/. Not its PostgreSQL (destroyLab stops that). */
function labProcesses(dir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${name}/environ`, 'latin1').split('\0');
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'latin1');
      if (env.includes(`MAS_LAB_DIR=${dir}`) || cmd.includes(`${dir}/server/`)) pids.push(Number(name));
    } catch {
      /* gone or not ours to read */
    }
  }
  return pids;
}

export async function benchScreens(plan: ScreensPlan, hooks: ScreensHooks) {
  const stateDir = mkdtempSync(path.join(hooks.work, 'wizard-'));
  const env = { MAS_WIZARD_STATE_DIR: stateDir, HOME: stateDir };
  hooks.log('wizard screens: a practice lab (untimed)');
  let lab: LabInfo | null = null;
  const stopLab = async () => {
    if (!lab) return;
    const dir = lab.dir;
    lab = null;
    for (const pid of labProcesses(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await destroyLab({ dir });
  };
  hooks.onCleanup(stopLab);
  lab = await ensureLab({ dir: path.join(stateDir, 'lab') });
  const term = new Terminal(80, 24);
  hooks.onCleanup(() => term.kill());
  try {
    return { ...(await firstFrame(plan, hooks, term, stateDir, env)), ...(await inputLatency(plan, hooks, term, lab, stateDir, env)) };
  } finally {
    term.kill();
    await stopLab();
  }
}

const question = `What do you want to do on ${LAB_DOMAIN}?`;

async function firstFrame(plan: ScreensPlan, hooks: ScreensHooks, term: Terminal, stateDir: string, env: Record<string, string>) {
  const times: number[] = [];
  const drawn = (s: string[]) => s.some((l) => l.includes(question)) && FLOW_CHOICES.every((c) => s.some((l) => l.includes(c.label)));
  for (let i = 0; i < plan.frameRuns; i++) {
    const started = term.launch([hooks.node, hooks.cliJs, '--lab', '--state-dir', stateDir], env);
    const frame = await term.waitFor((s) => drawn(s) || term.exited(), 'the mode question with its choices', 30_000, 2);
    if (!drawn(frame.screen)) throw new Error(`first frame: the wizard exited without drawing the mode question; screen:\n${frame.screen.join('\n')}`);
    times.push(frame.at - started);
  }
  return { first_frame_ms: median(times) };
}

async function inputLatency(plan: ScreensPlan, hooks: ScreensHooks, term: Terminal, lab: LabInfo, stateDir: string, env: Record<string, string>) {
  // Up to the backup step without a screen (untimed), then the wizard resumes there, in the pty.
  // The last first-frame wizard goes first: it may hold this server's lock by now (it takes it
  // while its flow question waits), and `run` never displaces a live owner.
  term.stopProgram();
  const answers = path.join(stateDir, 'answers.yml');
  writeFileSync(answers, FLOW_ANSWERS, { mode: 0o600 });
  hooks.log('wizard screens: run --until install (untimed)');
  const r = spawnSync(hooks.node, [hooks.cliJs, '--lab', 'run', '--answers', answers, '--yes', '--until', 'install'], {
    encoding: 'utf8',
    env: { ...process.env, ...env, NO_COLOR: '1' },
    timeout: 300_000,
  });
  if (r.status !== 0)
    throw new Error(`input latency: run --until install exited ${r.status ?? r.signal}:\n${(r.stdout + r.stderr).trim().split('\n').slice(-15).join('\n')}`);
  // Enough lines for the samples at the rate, with room to spare: the flood must outlast them.
  const seconds = plan.quick ? 15 : 40;
  writeFaults(lab.dir, { flood: { lines: plan.inputRate * seconds, linesPerSecond: plan.inputRate } });
  hooks.log(`wizard screens: keys on the run screen while the backup step prints ${plan.inputRate} lines/s`);
  term.launch([hooks.node, hooks.cliJs, '--lab', '--state-dir', stateDir], env);
  await term.waitFor(
    (s) => s.some((l) => /following · [\d,]+ lines/.test(l)) && s.some((l) => l.includes('lab flood: line')),
    'the backup step streaming into the log pane',
    60_000,
    20,
  );
  await sleep(plan.quick ? 300 : 1000); // steady state
  const status = (s: string[]) => s.find((l) => l.includes('scrolled back') || l.includes('following'));
  // Scrolled back, the range "lines A–B" moves only on keys; following, it moves on every batch.
  const rangeEnd = (s: string[]): string | null => {
    const line = status(s);
    if (!line || line.includes('following')) return 'following';
    return /lines [\d,]+–([\d,]+)/.exec(line)?.[1] ?? null;
  };
  const total = (s: string[]) => Number(/(?:of|following ·) ([\d,]+)/.exec(status(s) ?? '')?.[1]?.replaceAll(',', '') ?? Number.NaN);
  let shown = rangeEnd(term.capture());
  const samples: number[] = [];
  type Seen = { at: number; lines: number };
  let first: Seen | null = null;
  let last: Seen | null = null;
  // The first PgUp leaves follow mode; then PgUp/PgDn alternate, each sample a changed range.
  for (let i = 0; i <= plan.inputSamples; i++) {
    const key = i % 2 === 0 ? 'PageUp' : 'PageDown';
    const before = shown;
    const sent = term.send(key);
    const frame = await term.waitFor(
      (s) => {
        const now = rangeEnd(s);
        return now !== null && now !== before;
      },
      `the frame after ${key}`,
      5_000,
      2,
    );
    shown = rangeEnd(frame.screen);
    last = { at: frame.at, lines: total(frame.screen) };
    first ??= last;
    if (i > 0) samples.push(frame.at - sent);
    await sleep(20 + Math.random() * 30); // not in lockstep with the flood or the redraw throttle
  }
  const rate = first && last && last.at > first.at ? ((last.lines - first.lines) * 1000) / (last.at - first.at) : Number.NaN;
  if (!(rate >= plan.inputRate * 0.8)) {
    const text = `input latency: the log pane took ${Math.round(rate)} lines/s while keys were timed, not ~${plan.inputRate}`;
    if (!plan.quick) throw new Error(text);
    hooks.log(`${text} (--quick: recorded, not judged)`);
  }
  return { input_p95_ms: percentile(samples, 95), input_median_ms: median(samples), input_samples: samples.length, input_lines_per_s: rate };
}
