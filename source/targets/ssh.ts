// SshTarget: one ssh2 connection, reused for every command, to the Matrix server
// (optionally through one ProxyJump hop). Host keys are checked against known_hosts
// before anything runs; a dropped link is reported as `lost`, never as success.
import { StringDecoder } from 'node:string_decoder';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { Client as SshClient, ClientChannel, ConnectConfig } from 'ssh2';
import type { Command, FileOptions, RunOptions, RunResult, Target } from './target.js';
import { buildCommand, killSessionScript, PID_HEADER, WRITE_SCRIPT, type BecomeSettings } from './remote-command.js';
import { KnownHostsFile, fingerprint, hostKeyName, keyTypeOf, knownKeyTypes, type HostKeyCheck } from './known-hosts.js';
import { SshError, describeConnectError } from './ssh-error.js';
import { authHandler, defaultIdentityFiles, prepareAuth, type AskPassphrase, type AuthMaterial } from './ssh-auth.js';

// ssh2 is CommonJS: Node's ESM loader offers only its default export.
const { Client } = ssh2;
type Client = SshClient;

export interface SshEndpoint {
  host: string;
  port: number;
  username: string;
  /** Configured key files (IdentityFile, ansible_ssh_private_key_file): must exist. */
  identityFiles?: string[];
}

export interface UnknownHostInfo {
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
}

export interface SshTargetOptions extends SshEndpoint {
  knownHostsFile: string;
  /** Asked for a host key not in known_hosts; without it unknown hosts are refused. */
  confirmUnknownHost?: (info: UnknownHostInfo) => Promise<boolean>;
  /** Append accepted keys to known_hosts (default true); otherwise trust them for this process only. */
  rememberAcceptedHosts?: boolean;
  /** Write new known_hosts lines hashed (HashKnownHosts yes; Debian's client default). */
  hashKnownHosts?: boolean;
  /** Agent socket; default $SSH_AUTH_SOCK; null = no agent. */
  agent?: string | null;
  /** Tried when no identityFiles are configured; default ~/.ssh/id_ed25519, id_ecdsa, id_rsa. */
  defaultIdentityFiles?: string[];
  askPassphrase?: AskPassphrase;
  become?: BecomeSettings | null;
  /** ms between keepalives (default 15000); the link counts as lost after keepaliveCountMax (default 3) unanswered. */
  keepaliveInterval?: number;
  keepaliveCountMax?: number;
  readyTimeout?: number;
  jump?: SshEndpoint | null;
  /** Concurrent channels on the connection (OpenSSH MaxSessions defaults to 10). */
  maxChannels?: number;
  /** ms between TERM and KILL when cancelling (default 2000). */
  cancelGraceMs?: number;
  /** Called once when the connection drops (not after close()). */
  onConnectionLost?: (error: Error | null) => void;
}

interface Exec {
  code: number | null;
  signal: string | null;
  lost: boolean;
  cancelled: boolean;
  stdout: Buffer[];
  stderr: string;
}

function signalName(signal: string | undefined | null): string | null {
  if (!signal) return null;
  return signal.startsWith('SIG') ? signal : `SIG${signal}`;
}

export class SshTarget implements Target {
  readonly kind = 'ssh' as const;
  readonly description: string;
  private client: Client | null = null;
  private jumpClient: Client | null = null;
  private closedByUs = false;
  private material: AuthMaterial | null = null;
  private jumpMaterial: AuthMaterial | null = null;
  private readonly acceptedKeys = new Map<string, Buffer>();
  private readonly active = new Set<() => void>();
  private channelsInUse = 0;
  private readonly channelWaiters: (() => void)[] = [];

  private constructor(private readonly options: SshTargetOptions) {
    const via = options.jump ? ` via ${options.jump.username}@${options.jump.host}:${options.jump.port}` : '';
    this.description = `${options.username}@${options.host}:${options.port}${via}`;
  }

  /** Connects (host key checked, unknown keys confirmed) and returns a ready target. */
  static async connect(options: SshTargetOptions): Promise<SshTarget> {
    const target = new SshTarget(options);
    await target.open();
    return target;
  }

  get connected(): boolean {
    return this.client !== null;
  }

  /** After a drop: a fresh connection with the same settings (keys are not asked again). */
  async reconnect(): Promise<void> {
    this.teardown();
    await this.open();
  }

  async close(): Promise<void> {
    this.closedByUs = true;
    this.teardown();
  }

  private teardown(): void {
    const client = this.client;
    const jump = this.jumpClient;
    this.client = null;
    this.jumpClient = null;
    client?.end();
    jump?.end();
    for (const settle of [...this.active]) settle();
  }

  private async open(): Promise<void> {
    const o = this.options;
    const fallback = o.defaultIdentityFiles ?? defaultIdentityFiles();
    this.closedByUs = false;
    if (o.jump) {
      this.jumpMaterial ??= await prepareAuth({ agent: o.agent, explicit: o.jump.identityFiles ?? [], fallback, askPassphrase: o.askPassphrase });
      this.material ??= await prepareAuth({ agent: o.agent, explicit: o.identityFiles ?? [], fallback, askPassphrase: o.askPassphrase });
      const jump = await this.openClient(o.jump, this.jumpMaterial, null);
      this.jumpClient = jump;
      try {
        this.client = await this.openClient(
          o,
          this.material,
          () =>
            new Promise<Duplex>((resolve, reject) => {
              jump.forwardOut('127.0.0.1', 0, o.host, o.port, (err, stream) => {
                if (err) reject(new SshError('unreachable', `the jump host ${o.jump!.host} could not reach ${o.host}:${o.port}: ${err.message}`));
                else resolve(stream);
              });
            }),
        );
      } catch (err) {
        jump.end();
        this.jumpClient = null;
        throw err;
      }
    } else {
      this.material ??= await prepareAuth({ agent: o.agent, explicit: o.identityFiles ?? [], fallback, askPassphrase: o.askPassphrase });
      this.client = await this.openClient(o, this.material, null);
    }
    const client = this.client;
    client.on('close', () => {
      if (this.client !== client) return;
      // The link dropped under us: every running command's outcome is unknown.
      this.client = null;
      this.jumpClient?.end();
      this.jumpClient = null;
      for (const settle of [...this.active]) settle();
      if (!this.closedByUs) o.onConnectionLost?.(null);
    });
  }

  private checkKey(host: string, port: number, key: Buffer): HostKeyCheck {
    const accepted = this.acceptedKeys.get(hostKeyName(host, port));
    if (accepted?.equals(key)) return { status: 'trusted', entry: { line: 0, marker: null, hosts: host, keyType: keyTypeOf(key), key } };
    return new KnownHostsFile(this.options.knownHostsFile).check(host, port, key);
  }

  /** One authenticated connection to `ep`; an unknown host key is confirmed then retried once. */
  private async openClient(ep: SshEndpoint, material: AuthMaterial, makeSock: (() => Promise<Duplex>) | null): Promise<Client> {
    const o = this.options;
    const where = `${ep.host}:${ep.port}`;
    const known = new KnownHostsFile(o.knownHostsFile);
    for (let round = 0; round < 2; round++) {
      let seen: { key: Buffer; check: HostKeyCheck } | null = null;
      const tried: string[] = [];
      const client = new Client();
      const sock = makeSock ? await makeSock() : undefined;
      // Offer the key types known_hosts has for this host first, as OpenSSH does.
      const preferred = knownKeyTypes(known.entries(), ep.host, ep.port);
      const config: ConnectConfig = {
        host: ep.host,
        port: ep.port,
        username: ep.username,
        sock,
        readyTimeout: o.readyTimeout ?? 20_000,
        keepaliveInterval: o.keepaliveInterval ?? 15_000,
        keepaliveCountMax: o.keepaliveCountMax ?? 3,
        authHandler: authHandler(material, ep.username, tried),
        algorithms: preferred.length ? { serverHostKey: { prepend: preferred } as never } : undefined,
        hostVerifier: (key: Buffer) => {
          const check = this.checkKey(ep.host, ep.port, key);
          seen = { key, check };
          return check.status === 'trusted';
        },
      };
      try {
        await new Promise<void>((resolve, reject) => {
          client.once('ready', () => resolve());
          client.once('error', reject);
          client.connect(config);
        });
      } catch (err) {
        client.end();
        const s = seen as { key: Buffer; check: HostKeyCheck } | null;
        if (s && s.check.status !== 'trusted') {
          if (await this.handleUntrusted(ep, s.key, s.check)) continue;
        }
        throw describeConnectError(err as Error, where, tried);
      }
      client.on('error', () => {
        /* after ready, a failure shows as 'close'; settled there */
      });
      client.setNoDelay(true);
      return client;
    }
    throw new SshError('protocol', `the host key of ${where} was accepted but the server presented a different one on reconnect`);
  }

  /** Returns true when the operator accepted an unknown key (retry); throws otherwise. */
  private async handleUntrusted(ep: SshEndpoint, key: Buffer, check: HostKeyCheck): Promise<boolean> {
    const o = this.options;
    const where = `${ep.host}:${ep.port}`;
    const info: UnknownHostInfo = { host: ep.host, port: ep.port, keyType: keyTypeOf(key), fingerprint: fingerprint(key) };
    if (check.status === 'changed') {
      throw new SshError(
        'host-key-changed',
        `WARNING: the host key of ${where} has CHANGED. Someone could be intercepting the connection ` +
          `(man-in-the-middle), or the server was reinstalled. Nothing was run. The server now presents ` +
          `${info.keyType} ${info.fingerprint}; ${o.knownHostsFile} line ${check.entry.line} holds a different key. ` +
          `If the change is expected, verify the new fingerprint out of band and remove that line ` +
          `(ssh-keygen -R '${hostKeyName(ep.host, ep.port)}' -f ${o.knownHostsFile}).`,
        { ...info, knownHostsFile: o.knownHostsFile, line: check.entry.line },
      );
    }
    if (check.status === 'revoked') {
      throw new SshError(
        'host-key-revoked',
        `the host key of ${where} (${info.fingerprint}) is marked @revoked in ${o.knownHostsFile} line ${check.entry.line}. Nothing was run.`,
        { ...info, knownHostsFile: o.knownHostsFile, line: check.entry.line },
      );
    }
    const yes = o.confirmUnknownHost ? await o.confirmUnknownHost(info) : false;
    if (!yes) {
      throw new SshError(
        'host-key-unknown',
        `the host key of ${where} (${info.keyType} ${info.fingerprint}) is not in ${o.knownHostsFile} and was not accepted. Nothing was run.`,
        { ...info },
      );
    }
    if (o.rememberAcceptedHosts ?? true) new KnownHostsFile(o.knownHostsFile).append(ep.host, ep.port, key, { hash: o.hashKnownHosts });
    this.acceptedKeys.set(hostKeyName(ep.host, ep.port), key);
    return true;
  }

  private requireClient(): Client {
    if (!this.client) throw new SshError('disconnected', `not connected to ${this.description} (the connection was closed or lost; reconnect first)`);
    return this.client;
  }

  private async acquireChannel(): Promise<void> {
    const max = this.options.maxChannels ?? 8;
    while (this.channelsInUse >= max) await new Promise<void>((r) => this.channelWaiters.push(r));
    this.channelsInUse++;
  }

  private releaseChannel(): void {
    this.channelsInUse--;
    this.channelWaiters.shift()?.();
  }

  /** The core of run/readFile/writeFile: raw stdout chunks, stderr with the pid header removed. */
  private async exec(command: Command, options: RunOptions & { onStdoutRaw?: (chunk: Buffer) => void }): Promise<Exec> {
    const settings = this.options.become ?? {};
    // Logged in as root and becoming root: sudo would add nothing (and may not be installed).
    const alreadyRoot = this.options.username === 'root' && (settings.user === undefined || settings.user === 'root');
    const become = options.become && !alreadyRoot ? settings : null;
    const built = buildCommand(command, { cwd: options.cwd, env: options.env, become, announcePid: true });
    const client = this.requireClient();
    await this.acquireChannel();
    if (this.client !== client) {
      this.releaseChannel();
      throw new SshError('disconnected', `the connection to ${this.description} dropped before the command started; nothing ran`);
    }
    // Listeners must be attached inside the exec callback itself: a fast command's data,
    // exit status and close can arrive in the same TCP read as the exec reply, and an
    // 'exit' emitted before we listen would turn a clean exit into "lost".
    return new Promise<Exec>((resolve, reject) =>
      client.exec(built.line, (err, stream) => {
        if (err) {
          this.releaseChannel();
          reject(
            this.client
              ? new SshError('channel', `the server refused a new session channel: ${err.message}`)
              : new SshError('disconnected', `the connection to ${this.description} dropped before the command started; nothing ran`),
          );
          return;
        }
        this.watch(stream, built.stdinPrefix, options, resolve);
      }),
    );
  }

  private watch(
    stream: ClientChannel,
    stdinPrefix: string | null,
    options: RunOptions & { onStdoutRaw?: (chunk: Buffer) => void },
    resolve: (e: Exec) => void,
  ): void {
    const result: Exec = { code: null, signal: null, lost: false, cancelled: false, stdout: [], stderr: '' };
    const collect = options.collect !== false;
    const errDecoder = new StringDecoder('utf8');
    let gotExit = false;
    let pid: number | null = null;
    let preHeader = ''; // stderr before the pid header arrives (normally nothing)
    let headerDone = false;
    let done = false;
    const timers: NodeJS.Timeout[] = [];

    const emitErr = (text: string) => {
      if (!text) return;
      if (collect) result.stderr += text;
      options.onStderr?.(text);
    };
    const finish = () => {
      if (done) return;
      done = true;
      if (!headerDone) emitErr(preHeader);
      emitErr(errDecoder.end());
      result.lost = !gotExit && !result.cancelled;
      timers.forEach(clearTimeout);
      options.signal?.removeEventListener('abort', onAbort);
      this.active.delete(finish);
      this.releaseChannel();
      resolve(result);
    };
    this.active.add(finish);

    stream.on('exit', (code: number | null, signal?: string) => {
      gotExit = true;
      result.code = typeof code === 'number' ? code : null;
      result.signal = signalName(signal);
    });
    stream.on('close', finish);
    stream.on('error', () => {
      /* the channel closes next; settled there */
    });
    stream.on('data', (chunk: Buffer) => {
      if (collect && !options.onStdoutRaw) result.stdout.push(chunk);
      options.onStdoutRaw?.(chunk);
    });
    stream.stderr.on('data', (chunk: Buffer) => {
      const text = errDecoder.write(chunk);
      if (headerDone) return emitErr(text);
      preHeader += text;
      const at = preHeader.indexOf(PID_HEADER);
      const end = at >= 0 ? preHeader.indexOf('\n', at) : -1;
      if (end >= 0) {
        pid = Number(preHeader.slice(at + PID_HEADER.length, end));
        headerDone = true;
        emitErr(preHeader.slice(0, at) + preHeader.slice(end + 1));
      } else if (preHeader.length > 8192) {
        headerDone = true; // a chatty login shell: give up on the pid, cancel falls back to closing the channel
        emitErr(preHeader);
      }
    });

    const kill = (signal: 'TERM' | 'KILL') => {
      if (pid === null || !this.client) return;
      this.exec({ argv: ['sh', '-c', killSessionScript(pid, signal)] }, { become: options.become, collect: false }).catch(() => {
        /* best effort */
      });
    };
    const onAbort = () => {
      if (done || result.cancelled) return;
      result.cancelled = true;
      const grace = this.options.cancelGraceMs ?? 2000;
      if (pid === null) {
        stream.signal('TERM');
        stream.close();
        return;
      }
      kill('TERM');
      timers.push(setTimeout(() => kill('KILL'), grace));
      timers.push(setTimeout(() => stream.close(), grace + 1000));
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });

    if (stdinPrefix) stream.write(stdinPrefix);
    if (options.stdin !== undefined) stream.write(options.stdin);
    stream.end();
  }

  async run(command: Command, options: RunOptions = {}): Promise<RunResult> {
    const started = performance.now();
    if (options.signal?.aborted) {
      return { code: null, signal: null, stdout: '', stderr: '', lost: false, cancelled: true, durationMs: 0 };
    }
    const decoder = new StringDecoder('utf8');
    const collect = options.collect !== false;
    let stdout = '';
    const exec = await this.exec(command, {
      ...options,
      collect,
      onStdoutRaw: (chunk) => {
        const text = decoder.write(chunk);
        if (collect) stdout += text;
        if (text) options.onStdout?.(text);
      },
    });
    const tail = decoder.end();
    if (tail) {
      if (collect) stdout += tail;
      options.onStdout?.(tail);
    }
    return {
      code: exec.code,
      signal: exec.signal,
      stdout,
      stderr: exec.stderr,
      lost: exec.lost,
      cancelled: exec.cancelled,
      durationMs: performance.now() - started,
    };
  }

  async readFile(path: string, options: FileOptions = {}): Promise<Buffer> {
    const exec = await this.exec({ argv: ['cat', '--', path] }, { become: options.become });
    if (exec.lost) throw new SshError('disconnected', `the connection to ${this.description} dropped while reading ${path}`);
    if (exec.code !== 0) throw new Error(`cannot read ${path} on ${this.description}: ${exec.stderr.trim() || `exit ${exec.code ?? exec.signal}`}`);
    return Buffer.concat(exec.stdout);
  }

  /** Atomic write (temp file in the same directory, then rename) with `mode` (default 0600). */
  async writeFile(path: string, data: string | Buffer, mode = 0o600, options: FileOptions = {}): Promise<void> {
    const exec = await this.exec({ argv: ['sh', '-c', WRITE_SCRIPT, 'sh', path, mode.toString(8)] }, { become: options.become, stdin: data });
    if (exec.lost) throw new SshError('disconnected', `the connection to ${this.description} dropped while writing ${path}; the file may be unchanged`);
    if (exec.code !== 0) throw new Error(`cannot write ${path} on ${this.description}: ${exec.stderr.trim() || `exit ${exec.code ?? exec.signal}`}`);
  }
}
