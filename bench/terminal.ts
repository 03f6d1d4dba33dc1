// A real pty for the benchmark: a private tmux server (own -S socket, no user config) whose
// one pane is idle until launch() respawns it with the program, so tmux's own start-up is not
// counted in the program's time. CI is unset (with CI set Ink draws nothing until exit) and
// panes stay open after exit so a final frame can still be read. Always call kill().
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Wall-clock milliseconds with sub-millisecond precision, comparable between processes. */
export const wallMs = (): number => performance.timeOrigin + performance.now();

export interface Frame {
  screen: string[];
  /** wallMs() when this capture was taken. */
  at: number;
}

export class Terminal {
  private readonly dir: string;
  private readonly socket: string;
  private alive = true;
  /** The program last launched (env execs it, so it is the pane's own process). */
  private pid: number | null = null;

  constructor(
    readonly width = 80,
    readonly height = 24,
  ) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-bench-tmux-'));
    this.socket = path.join(this.dir, 'tmux.sock');
    this.tmux('new-session', '-d', '-s', 'app', '-x', String(width), '-y', String(height), 'sleep 600');
    this.tmux('set-option', '-g', 'remain-on-exit', 'on');
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-S', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }

  /** Replaces whatever runs in the pane with `argv`; returns wallMs() just before the spawn. */
  launch(argv: readonly string[], env: Record<string, string> = {}, cwd = process.cwd()): number {
    const vars = Object.entries(env)
      .map(([k, v]) => `${k}=${shellQuote(v)}`)
      .join(' ');
    const line = `cd ${shellQuote(cwd)} && exec env -u CI ${vars} ${argv.map(shellQuote).join(' ')}`;
    this.stopProgram();
    this.tmux('clear-history', '-t', 'app');
    const at = wallMs();
    this.tmux('respawn-pane', '-k', '-t', 'app', line);
    this.pid = Number(this.tmux('display-message', '-p', '-t', 'app', '#{pane_pid}').trim()) || null;
    return at;
  }

  /**
   * Ends the last launched program and waits until it is gone, so it neither competes for the
   * CPU with the next measurement nor outlives the bench: SIGHUP (as when a terminal closes),
   * then SIGKILL after 2 s.
   */
  stopProgram(): void {
    const pid = this.pid;
    this.pid = null;
    // A dead pane's pid was reaped by tmux and may belong to someone else by now: leave it.
    if (pid === null || this.exited()) return;
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const pause = new Int32Array(new SharedArrayBuffer(4));
    try {
      process.kill(pid, 'SIGHUP');
    } catch {
      return;
    }
    for (let waited = 0; alive() && waited < 2000; waited += 10) Atomics.wait(pause, 0, 0, 10);
    if (alive()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* just ended */
      }
    }
  }

  capture(): string[] {
    return this.tmux('capture-pane', '-p', '-t', 'app')
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => l.trimEnd());
  }

  /** True once the program in the pane has exited. */
  exited(): boolean {
    return this.tmux('display-message', '-p', '-t', 'app', '#{pane_dead}').trim() === '1';
  }

  /** One key, in tmux names ("PageUp", "q"); returns wallMs() just before it is sent. */
  send(key: string): number {
    const at = wallMs();
    this.tmux('send-keys', '-t', 'app', key);
    return at;
  }

  /** Polls the screen every `intervalMs` until `predicate` holds; the frame and when it was seen. */
  async waitFor(predicate: (screen: string[]) => boolean, what: string, timeoutMs = 15_000, intervalMs = 5): Promise<Frame> {
    const start = Date.now();
    for (;;) {
      const screen = this.capture();
      const at = wallMs();
      if (predicate(screen)) return { screen, at };
      if (Date.now() - start > timeoutMs) throw new Error(`terminal: timed out after ${timeoutMs} ms waiting for ${what}; screen was:\n${screen.join('\n')}`);
      await sleep(intervalMs);
    }
  }

  /** Stops the program, kills this private tmux server only, and removes its directory. */
  kill(): void {
    if (!this.alive) return;
    this.alive = false;
    this.stopProgram();
    try {
      this.tmux('kill-server');
    } catch {
      /* already gone */
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
