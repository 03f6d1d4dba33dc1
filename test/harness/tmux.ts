// Drives a program in a real terminal: a private tmux server (own -S socket, no user config),
// CI unset so Ink draws live, one key per send-keys, polling capture-pane for the frame.
// Always call kill() (it kills this private server only).
import { execFileSync } from 'node:child_process';
import { afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TmuxOptions {
  /** argv of the program to run inside the terminal. */
  command: readonly string[];
  width?: number;
  height?: number;
  cwd?: string;
  env?: Record<string, string>;
}

export interface Tmux {
  /** The visible screen, one string per row (trailing blanks trimmed). */
  capture(): string[];
  /** Lines that scrolled off the top (0 while the app never drew taller than the terminal). */
  historySize(): number;
  /** One key, in tmux names ("PageUp", "Home", "End", "Up", "q", "Enter"). */
  send(key: string): void;
  /** Any other tmux command on this private server (send-keys -l, set-buffer, paste-buffer -p). */
  raw(args: readonly string[]): string;
  waitFor(predicate: (screen: string[]) => boolean, what: string, timeoutMs?: number): Promise<string[]>;
  kill(): void;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function startTmux(options: TmuxOptions): Tmux {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-tmux-'));
  const socket = path.join(dir, 'tmux.sock');
  const tmux = (...args: string[]) => execFileSync('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  const envArgs = Object.entries(options.env ?? {})
    .map(([k, v]) => `${k}=${shellQuote(v)}`)
    .join(' ');
  // `env -u CI`: with CI set, Ink draws nothing until exit. Keep the pane open after exit to read it.
  const inner = `cd ${shellQuote(options.cwd ?? process.cwd())} && env -u CI ${envArgs} ${options.command.map(shellQuote).join(' ')}; echo "EXITED rc=$?"; sleep 30`;
  tmux('new-session', '-d', '-s', 'app', '-x', String(options.width ?? 80), '-y', String(options.height ?? 24), inner);
  let alive = true;
  const api: Tmux = {
    capture: () =>
      tmux('capture-pane', '-p', '-t', 'app')
        .replace(/\n$/, '')
        .split('\n')
        .map((l) => l.trimEnd()),
    historySize: () => Number(tmux('display-message', '-p', '-t', 'app', '#{history_size}').trim()),
    send: (key) => {
      tmux('send-keys', '-t', 'app', key);
    },
    raw: (args) => tmux(...args),
    async waitFor(predicate, what, timeoutMs = 10_000) {
      const start = Date.now();
      for (;;) {
        const screen = api.capture();
        if (predicate(screen)) return screen;
        if (Date.now() - start > timeoutMs) throw new Error(`tmux: timed out waiting for ${what}; screen was:\n${screen.join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    kill() {
      if (!alive) return;
      alive = false;
      try {
        tmux('kill-server');
      } catch {
        /* already gone */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return api;
}

/**
 * The wizard on its own practice lab in a private terminal, for a test file: each call to `open`
 * makes a fresh state dir (the lab lives in it) and starts `mas-wizard --lab` at 100×30; after each
 * test every terminal is killed and every lab destroyed.
 */
export function wizardTerminals(prefix: string, width = 100, height = 30) {
  let terms: Tmux[] = [];
  let dirs: string[] = [];
  afterEach(async () => {
    for (const t of terms) t.kill();
    terms = [];
    const { destroyLab } = await import('../../source/lab/lab.js');
    for (const dir of dirs) {
      await destroyLab({ dir: path.join(dir, 'lab') }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
    dirs = [];
  });
  const cli = path.resolve('dist/source/cli.js');
  return {
    /** A fresh state dir for one wizard (and its lab). */
    stateDir(): string {
      const dir = mkdtempSync(path.join(os.tmpdir(), `mas-wizard-${prefix}-`));
      dirs.push(dir);
      return dir;
    },
    /** `mas-wizard --lab` (plus `args`) in a new terminal on `stateDir`. */
    open(stateDir: string, args: string[] = []): Tmux {
      const t = startTmux({ command: ['node', cli, '--lab', ...args], width, height, env: { MAS_WIZARD_STATE_DIR: stateDir, HOME: stateDir } });
      terms.push(t);
      return t;
    },
  };
}
