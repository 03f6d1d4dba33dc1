// Small helpers for the server-side files the state keeps (lock, record): paths under
// the MAS base dir, and running a short sh script through a Target with a readable error.
import os from 'node:os';
import { CommandFailed, type RunResult, type Target } from '../source/targets/target.js';

export interface ServerFilesOptions {
  /** The playbook's `matrix_base_data_path` on the server (the session's layout; no default here). */
  baseDir: string;
  /** Run with root rights (the MAS dir belongs to root/matrix on a real server). */
  become?: boolean;
}

export function serverPaths(baseDir: string): { dir: string; record: string; lock: string } {
  const dir = `${baseDir.replace(/\/+$/, '')}/matrix-authentication-service`;
  return { dir, record: `${dir}/mas-wizard-record.json`, lock: `${dir}/mas-wizard.lock` };
}

/** Who is acting: recorded in locks and in the server record. */
export interface Actor {
  user: string;
  host: string;
  pid: number;
}

export function currentActor(): Actor {
  return { user: os.userInfo().username, host: os.hostname(), pid: process.pid };
}

/** Runs a script; a lost link or a cancel is an error (the outcome is unknown), exit codes are the caller's. */
export async function runScript(target: Target, script: string, what: string, options: { stdin?: string; become?: boolean } = {}): Promise<RunResult> {
  const result = await target.run({ script }, { stdin: options.stdin, become: options.become });
  if (result.lost || result.cancelled) throw new CommandFailed(`${what} on ${target.description}`, result);
  return result;
}
