// The lab's private PostgreSQL 15 cluster: unix socket only (no TCP port is opened; the port
// number only names the socket file), trust auth, fsync off. initdb refuses to run as root,
// so as root the cluster belongs to the `postgres` user.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface PgCluster {
  pgDir: string;
  socketDir: string;
  port: number;
}

function pgUser(): { uid: number; gid: number; name: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!passwd) throw new Error('the lab runs as root and needs the unprivileged "postgres" user for its database (initdb refuses root); none exists');
  const [, , uid, gid] = passwd.split(':');
  return { uid: Number(uid), gid: Number(gid), name: 'postgres' };
}

function asOwner(cmd: string, args: string[]): string[] {
  const owner = pgUser();
  return owner ? ['runuser', '-u', owner.name, '--', cmd, ...args] : [cmd, ...args];
}

function run(argv: string[], what: string): void {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${what} failed (${argv.join(' ')}): ${(r.stderr || r.stdout || String(r.error)).trim()}`);
}

/** True when `postgres` (as root) can reach dir: a lab under /root cannot hold its cluster. */
export function ownerCanUse(dir: string): boolean {
  const owner = pgUser();
  if (!owner) return true;
  return spawnSync('runuser', ['-u', owner.name, '--', 'test', '-x', dir]).status === 0;
}

export function initCluster(c: PgCluster): void {
  mkdirSync(c.pgDir, { recursive: true, mode: 0o755 });
  const owner = pgUser();
  if (owner) chownSync(c.pgDir, owner.uid, owner.gid);
  run(
    asOwner(`${PG_BIN}/initdb`, ['-D', path.join(c.pgDir, 'data'), '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']),
    'initdb',
  );
}

export function isRunning(c: PgCluster): boolean {
  return spawnSync(`${PG_BIN}/pg_isready`, ['-q', '-h', c.socketDir, '-p', String(c.port)]).status === 0;
}

export function startCluster(c: PgCluster): void {
  if (isRunning(c)) return;
  const opts = `-p ${c.port} -k ${c.socketDir} -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c unix_socket_permissions=0777`;
  run(
    asOwner(`${PG_BIN}/pg_ctl`, ['-D', path.join(c.pgDir, 'data'), '-l', path.join(c.pgDir, 'postgres.log'), '-w', '-o', opts, 'start']),
    'starting the lab PostgreSQL',
  );
}

export function stopCluster(c: PgCluster): void {
  if (!existsSync(path.join(c.pgDir, 'data', 'postmaster.pid'))) return;
  const argv = asOwner(`${PG_BIN}/pg_ctl`, ['-D', path.join(c.pgDir, 'data'), '-m', 'immediate', '-w', 'stop']);
  spawnSync(argv[0]!, argv.slice(1));
}

/** Runs SQL (a string or a file) with psql; throws with psql's message on error. */
export function psql(c: PgCluster, db: string, sql: { text?: string; file?: string }, user = 'postgres'): string {
  const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', c.socketDir, '-p', String(c.port), '-U', user, '-d', db];
  if (sql.file) args.push('-f', sql.file);
  try {
    return execFileSync('psql', args, { input: sql.text ?? '', encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stderr?: string };
    throw new Error(`psql on database ${db} failed: ${(e.stderr ?? String(error)).trim()}`);
  }
}

/** SQL string literal (standard_conforming_strings is on in PostgreSQL 15). */
export function lit(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `'${value.replace(/'/g, "''")}'`;
}
