// The real legacy tool the legacy lab runs: @vector-im/syn2mas 0.15.0 (what the old playbook's
// syn2mas container ran). Only a legacy lab needs it, so it is no dependency of mas-wizard (with
// knex, pg, log4js and sqlite3 it was most of an install's size and time): the first legacy lab
// installs it into a cache dir, shared by every later lab, with npm's own output as progress.
// Scripts are not run: the only one is sqlite3's native build, and knex loads the sqlite3 driver
// only for a Synapse on SQLite; the lab's Synapse (like any the playbook sets up) uses PostgreSQL.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const SYN2MAS_PACKAGE = '@vector-im/syn2mas';
export const SYN2MAS_VERSION = '0.15.0';

/** <XDG cache>/mas-wizard/tools/syn2mas-0.15.0 (MAS_WIZARD_TOOLS_DIR replaces <XDG cache>/mas-wizard/tools). */
export function syn2masDir(env: NodeJS.ProcessEnv = process.env): string {
  const tools = env.MAS_WIZARD_TOOLS_DIR || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'mas-wizard', 'tools');
  return path.join(path.resolve(tools), `syn2mas-${SYN2MAS_VERSION}`);
}

/** The tool's entry point inside `dir`. */
export function syn2masEntry(dir = syn2masDir()): string {
  return path.join(dir, 'node_modules', ...SYN2MAS_PACKAGE.split('/'), 'dist', 'index.js');
}

/**
 * Installs the tool into syn2masDir() unless it is there; each line of npm's output goes to
 * `progress`. The install happens in a temporary sibling renamed into place when complete, so an
 * interrupted install is never taken for a finished one. Returns the entry point.
 */
export async function ensureSyn2mas(progress: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = syn2masDir(env);
  if (existsSync(syn2masEntry(dir))) return syn2masEntry(dir);
  mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
  const tmp = `${dir}.installing-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { mode: 0o755 });
  const spec = `${SYN2MAS_PACKAGE}@${SYN2MAS_VERSION}`;
  progress(`Installing ${spec} for the legacy lab into ${dir} (once; later legacy labs reuse it)…`);
  const started = Date.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = ['install', '--no-save', '--prefix', tmp, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=http', spec];
  const code = await new Promise<number | string>((resolve) => {
    const child = spawn(npm, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const relay = (stream: NodeJS.ReadableStream) => {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop()!;
        for (const line of lines) if (line.trim()) progress(`  npm: ${line.trimEnd()}`);
      });
      stream.on('end', () => {
        if (pending.trim()) progress(`  npm: ${pending.trimEnd()}`);
      });
    };
    relay(child.stdout);
    relay(child.stderr);
    child.once('error', (error) => resolve(error.message));
    child.once('close', (c, signal) => resolve(c ?? `signal ${signal}`));
  });
  if (code !== 0 || !existsSync(syn2masEntry(tmp))) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(
      `installing ${spec} for the legacy lab failed (npm ${args.join(' ')}: ${code === 0 ? 'no entry point installed' : `exit ${code}`}); the current-generation lab does not need it`,
    );
  }
  if (existsSync(syn2masEntry(dir)))
    rmSync(tmp, { recursive: true, force: true }); // another process finished first
  else {
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  progress(`Installed ${spec} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return syn2masEntry(dir);
}
