import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where plans, transcripts, locks and the practice lab live (XDG state dir). */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MAS_WIZARD_STATE_DIR) return path.resolve(env.MAS_WIZARD_STATE_DIR);
  const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'mas-wizard');
}

/** The repository root (this file is at source/paths.ts, compiled to dist/source/paths.js). */
export function packageRoot(): string {
  // fileURLToPath, not URL.pathname: the pathname keeps %20 for a space (and %xx for others).
  const here = path.dirname(fileURLToPath(import.meta.url));
  return here.includes(`${path.sep}dist${path.sep}`) ? path.resolve(here, '..', '..') : path.resolve(here, '..');
}
