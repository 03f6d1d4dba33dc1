// Starts a private OpenSSH server on a free loopback port for end-to-end tests and the
// benchmark: generated host and client keys, a dedicated unprivileged login user, no use of
// the machine's own SSH setup. Needs root (CI and the dev machines run as root).
// It lives in bench/ because the bench is compiled (tsconfig.build.json) and test/ is not;
// test/harness/sshd.ts re-exports it unchanged.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const TEST_USER = process.env.MAS_WIZARD_TEST_USER || 'maswiz';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Creates the login user once (idempotent); `UsePAM no` needs a non-locked password field. */
export function ensureTestUser(user = TEST_USER): void {
  if (spawnSync('id', ['-u', user]).status !== 0) execFileSync('useradd', ['-m', '-s', '/bin/bash', user]);
  execFileSync('usermod', ['-p', '*', user]);
}

export interface SshdOptions {
  /** Reuse this directory's host key (to restart the same server) or generate a new one. */
  hostKeyFile?: string;
  /** Extra sshd_config lines. */
  extraConfig?: string;
  port?: number;
  /** Name prefix of the temporary directory holding keys, config and log (default "mas-wizard-sshd-"). */
  dirPrefix?: string;
}

export interface Sshd {
  port: number;
  dir: string;
  user: string;
  /** Private key (unencrypted) authorised for the user. */
  clientKey: string;
  hostKeyFile: string;
  /** "ssh-ed25519 AAAA..." */
  hostPublicKey: string;
  /** A known_hosts line for this server ("[127.0.0.1]:PORT ssh-ed25519 AAAA..."). */
  knownHostsLine: string;
  /** Adds a public key to the authorised keys. */
  authorize(publicKey: string): void;
  stop(): void;
  /** Stops and starts again on the same port, optionally with a new host key. */
  restart(options?: { newHostKey?: boolean }): Promise<void>;
  /** Kills every session process of THIS server (drops live connections, keeps the listener). */
  dropSessions(): void;
  /** Freezes this server's session processes (SIGSTOP): the link goes silent without closing, as on a dead network. */
  suspendSessions(): void;
  /** Undoes suspendSessions (SIGCONT). */
  resumeSessions(): void;
}

/** Every descendant of `pid` (session processes of one sshd listener), from /proc via ps. */
export function descendants(pid: number): number[] {
  const out = spawnSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).stdout;
  const children = new Map<number, number[]>();
  for (const line of out.split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    if (!p) continue;
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      found.push(c);
      walk(c);
    }
  };
  walk(pid);
  return found;
}

function keygen(file: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  ensureTestUser();
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(path.join(os.tmpdir(), options.dirPrefix ?? 'mas-wizard-sshd-'));
  chmodSync(dir, 0o755);
  const port = options.port ?? (await freePort());
  let hostKeyFile = path.join(dir, 'ssh_host_ed25519_key');
  if (options.hostKeyFile) {
    writeFileSync(hostKeyFile, readFileSync(options.hostKeyFile), { mode: 0o600 });
    writeFileSync(`${hostKeyFile}.pub`, readFileSync(`${options.hostKeyFile}.pub`));
  } else keygen(hostKeyFile, 'test-host');
  const clientKey = path.join(dir, 'client_ed25519');
  keygen(clientKey, 'test-client');
  const authorizedKeys = path.join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, readFileSync(`${clientKey}.pub`), { mode: 0o644 });
  const config = path.join(dir, 'sshd_config');
  const pidFile = path.join(dir, 'sshd.pid');
  const writeConfig = () =>
    writeFileSync(
      config,
      `Port ${port}
ListenAddress 127.0.0.1
HostKey ${hostKeyFile}
PidFile ${pidFile}
AuthorizedKeysFile ${authorizedKeys}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
PrintMotd no
PrintLastLog no
AllowTcpForwarding yes
Subsystem sftp internal-sftp
LogLevel VERBOSE
MaxStartups 50:30:100
MaxSessions 30
ClientAliveInterval 0
${options.extraConfig ?? ''}
`,
    );
  writeConfig();

  let listenerPid = 0;
  const start = async () => {
    rmSync(pidFile, { force: true });
    execFileSync('/usr/sbin/sshd', ['-f', config, '-E', path.join(dir, 'sshd.log')]);
    for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 20));
    listenerPid = Number(readFileSync(pidFile, 'utf8').trim());
    // The pid file appears just before the listener: wait for a real TCP accept.
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      if (up) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`sshd did not start on port ${port}; see ${dir}/sshd.log`);
  };
  const signalSessions = (signal: NodeJS.Signals) => {
    if (listenerPid <= 1) return; // never walk from init
    // Session processes ("sshd: USER [priv]", "sshd: USER@notty", their commands) descend from the listener.
    for (const pid of descendants(listenerPid)) {
      try {
        process.kill(pid, signal);
      } catch {
        /* gone */
      }
    }
  };
  const stop = () => {
    signalSessions('SIGKILL'); // orphaned sessions would outlive the listener
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
      } catch {
        /* already gone */
      }
      rmSync(pidFile, { force: true });
    }
  };
  await start();
  const pub = () => readFileSync(`${hostKeyFile}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const sshd: Sshd = {
    port,
    dir,
    user: TEST_USER,
    clientKey,
    hostKeyFile,
    get hostPublicKey() {
      return pub();
    },
    get knownHostsLine() {
      return `[127.0.0.1]:${port} ${pub()}`;
    },
    authorize(publicKey) {
      writeFileSync(authorizedKeys, `${readFileSync(authorizedKeys, 'utf8').trimEnd()}\n${publicKey.trim()}\n`);
    },
    stop() {
      stop();
    },
    async restart(opts = {}) {
      stop();
      if (opts.newHostKey) {
        rmSync(hostKeyFile, { force: true });
        rmSync(`${hostKeyFile}.pub`, { force: true });
        keygen(hostKeyFile, 'test-host-new');
      }
      await start();
    },
    dropSessions() {
      // Only this daemon's sessions: other test files may run their own sshd at the same time.
      signalSessions('SIGKILL');
    },
    suspendSessions() {
      signalSessions('SIGSTOP');
    },
    resumeSessions() {
      signalSessions('SIGCONT');
    },
  };
  return sshd;
}

/**
 * The OpenSSH client argv an operator would use against this server (no config file, this key
 * only, host key checked against `knownHosts`), options first and the destination last.
 */
export function opensshArgv(sshd: Pick<Sshd, 'port' | 'clientKey' | 'user'>, knownHosts: string, extraOptions: string[] = []): string[] {
  const options = ['IdentitiesOnly=yes', 'BatchMode=yes', `UserKnownHostsFile=${knownHosts}`, 'StrictHostKeyChecking=yes', 'LogLevel=ERROR', ...extraOptions];
  return ['ssh', '-F', '/dev/null', '-p', String(sshd.port), '-i', sshd.clientKey, ...options.flatMap((o) => ['-o', o]), `${sshd.user}@127.0.0.1`];
}
