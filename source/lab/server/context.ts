// What every server-side stand-in needs: where the lab is, its service state, MAS log lines,
// and SQL against a database named by a config's connection settings (through psql).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { pgEndpoint } from './container.js';
import { readMeta } from '../lab-meta.js';
import { serverRootOf } from '../scenarios.js';

export function labDir(): string {
  const dir = process.env.MAS_LAB_DIR;
  if (!dir) throw new Error('MAS_LAB_DIR is not set (this program runs inside the practice lab only)');
  return dir;
}

export function serverDir(): string {
  return path.join(labDir(), 'server');
}

/** The lab server's matrix_base_data_path (custom-base-path moves it). */
export function baseDir(): string {
  return serverRootOf(labDir(), readMeta(labDir()));
}

export function isActive(unit: string): boolean {
  return existsSync(path.join(serverDir(), 'run', `${unit}.service`));
}

export function readYaml(file: string): Record<string, any> {
  const doc = parse(readFileSync(file, 'utf8')) as unknown;
  return (doc && typeof doc === 'object' ? doc : {}) as Record<string, any>;
}

export interface Conn {
  host: string;
  port: number;
  user: string;
  database: string;
}

export class Db {
  readonly conn: Conn;

  /** Inside a rehearsal's container the connection goes where the container network sends it. */
  constructor(conn: Conn) {
    this.conn = { ...conn, ...pgEndpoint(conn.host, conn.port) };
  }

  private run(sql: string): string {
    try {
      return execFileSync(
        'psql',
        ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', this.conn.host, '-p', String(this.conn.port), '-U', this.conn.user, '-d', this.conn.database],
        { input: sql, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] },
      );
    } catch (error) {
      throw new Error(((error as { stderr?: string }).stderr ?? String(error)).trim().replace(/^psql:[^:]*:\d+: /, ''));
    }
  }

  query<T = Record<string, any>>(sql: string): T[] {
    return JSON.parse(this.run(`SELECT coalesce(json_agg(q), '[]'::json) FROM (${sql}) q;`).trim() || '[]') as T[];
  }

  exec(sql: string): void {
    this.run(sql);
  }
}

/** SQL literal (standard_conforming_strings on). */
export function lit(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `'${value.replace(/'/g, "''")}'`;
}

/** MAS (>= 0.16) log line: `<RFC3339 µs Z>  INFO <target> <message>` on stderr. */
export function log(level: 'INFO' | 'WARN' | 'ERROR', target: string, message: string): void {
  const now = new Date().toISOString().replace(/(\.\d{3})Z$/, '$1000Z');
  process.stderr.write(`${now} ${level.padStart(5)} ${target} ${message}\n`);
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly causes: string[] = [],
    readonly code = 1,
  ) {
    super(message);
  }
}

/** Prints like a Rust anyhow error from main and returns the exit code. */
export function reportError(error: unknown): number {
  if (error instanceof CliError) {
    process.stderr.write(`Error: ${error.message}\n`);
    if (error.causes.length) process.stderr.write(`\nCaused by:\n${error.causes.map((c, i) => `    ${i}: ${c}`).join('\n')}\n`);
    return error.code;
  }
  process.stderr.write(`Error: ${(error as Error).message}\n`);
  return 1;
}
