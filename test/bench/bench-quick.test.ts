// Smoke test of `npm run bench`: the compiled bench in --quick mode (real loopback sshd, real
// tmux ptys, the wizard's own screens on a practice lab, one wizard/script flow pair) prints one
// JSON object on its last line with every figure finite, and leaves no sshd, tmux server, lab
// or temp directory behind. No timing assertions. The install figures are skipped with --quick.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../source/paths.js';

const NUMERIC_KEYS = [
  'startup_ms',
  'node_ms',
  'startup_ratio',
  'first_frame_ms',
  'stream_ms',
  'openssh_stream_ms',
  'stream_ratio',
  'stream_rss_mb',
  'stream_lines_lost',
  'commands_ms',
  'openssh_mux_commands_ms',
  'openssh_commands_ms',
  'command_speedup',
  'command_speedup_no_mux',
  'input_p95_ms',
  'input_lines_per_s',
  'million_lines_rss_mb',
  'million_lines_lost',
  'flow_ms',
  'flow_script_ms',
  'flow_overhead_pct',
  'flow_rss_mb',
];

const leftovers = () =>
  readdirSync(os.tmpdir())
    .filter((n) => n.startsWith('mas-wizard-bench-'))
    .sort();
const benchProcesses = () => spawnSync('pgrep', ['-f', 'mas-wizard-bench-'], { encoding: 'utf8' }).stdout.trim();

describe('npm run bench -- --quick --json', () => {
  it('prints every figure as a finite number on the last line and cleans up after itself', () => {
    const before = leftovers();
    const run = spawnSync(process.execPath, [path.join(packageRoot(), 'dist', 'bench', 'bench.js'), '--quick', '--json'], {
      encoding: 'utf8',
      timeout: 540_000,
      env: { ...process.env, CI: 'true' },
    });
    expect(run.status, run.stderr).toBe(0);
    const lastLine = run.stdout.trim().split('\n').pop()!;
    const figures = JSON.parse(lastLine) as Record<string, unknown>;
    for (const key of NUMERIC_KEYS) {
      expect(typeof figures[key], key).toBe('number');
      expect(Number.isFinite(figures[key]), key).toBe(true);
    }
    expect(figures.quick).toBe(true);
    expect(figures.stream_lines_lost).toBe(0);
    expect(figures.million_lines_lost).toBe(0);
    expect(figures.flow_pairs).toBe(1);
    expect(figures.install_s).toBeUndefined(); // minutes of npm: full runs only
    // The readable table goes to stderr in --json mode, with a mark on each judged figure.
    expect(run.stderr).toMatch(/startup: mas-wizard --version .*[✓✗]/);
    expect(run.stderr).toMatch(/first frame: the mode question drawn .*[✓✗]/);
    expect(leftovers()).toEqual(before);
    expect(benchProcesses()).toBe('');
  }, 600_000);

  it('refuses an unknown flag with a clear error and starts nothing', () => {
    const run = spawnSync(process.execPath, [path.join(packageRoot(), 'dist', 'bench', 'bench.js'), '--fast'], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("Unknown option '--fast'");
    expect(benchProcesses()).toBe('');
  });
});

describe('bench interrupted', () => {
  it('stops its sshd, tmux servers and temp dirs on SIGTERM mid-run and exits 130', async () => {
    const before = leftovers();
    const child = spawn(process.execPath, [path.join(packageRoot(), 'dist', 'bench', 'bench.js'), '--quick'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Interrupt once its sshd and a tmux pty are both up (the streaming section).
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('bench: streaming')) resolve();
      });
      child.on('exit', () => reject(new Error(`bench ended before streaming:\n${stderr}`)));
    });
    // Its sshd is up before "streaming"; wait for the streaming section's tmux server too.
    const start = Date.now();
    while (spawnSync('pgrep', ['-f', 'mas-wizard-bench-tmux-'], { encoding: 'utf8' }).stdout.trim() === '') {
      if (Date.now() - start > 60_000) throw new Error(`no bench tmux server within 60 s:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(benchProcesses()).not.toBe(''); // something to clean up is running
    child.kill('SIGTERM');
    expect(await exited).toBe(130);
    expect(stderr).toContain('SIGTERM: stopping');
    expect(leftovers()).toEqual(before);
    expect(benchProcesses()).toBe('');
  }, 300_000); // the wizard screens on a practice lab come before the streaming section
});
