// LocalTarget: commands on this machine through execa (the playbook checkout, or the
// server itself with ansible_connection=local). Each command gets its own process
// group so cancel reaches every child, not only the first process. execa is loaded by the first
// command, not with this module: a session (and the wizard's first screen) holds a LocalTarget
// long before it runs anything.
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Command, FileOptions, RunOptions, RunResult, Target } from './target.js';
import { buildCommand, WRITE_SCRIPT, type BecomeSettings } from './remote-command.js';

export interface LocalTargetOptions {
  become?: BecomeSettings | null;
  /** ms between SIGTERM and SIGKILL when cancelling (default 2000). */
  cancelGraceMs?: number;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

export class LocalTarget implements Target {
  readonly kind = 'local' as const;
  readonly description = 'this machine';

  constructor(private readonly options: LocalTargetOptions = {}) {}

  /** sudo is needed unless we already are the user we would become. */
  private needsSudo(): boolean {
    const user = this.options.become?.user;
    return !(isRoot() && (user === undefined || user === 'root'));
  }

  private spawnArgs(command: Command, options: RunOptions): { file: string; args: string[]; stdinPrefix: string | null } {
    if (options.become && this.needsSudo()) {
      const built = buildCommand(command, { cwd: options.cwd, env: options.env, become: this.options.become ?? {}, announcePid: false });
      return { file: 'sh', args: ['-c', built.line], stdinPrefix: built.stdinPrefix };
    }
    if ('argv' in command) {
      if (command.argv.length === 0) throw new Error('empty command: argv needs at least the program name');
      if (command.argv.some((a) => a.includes('\0'))) throw new Error('cannot pass a NUL byte in a command argument');
      return { file: command.argv[0], args: command.argv.slice(1), stdinPrefix: null };
    }
    return { file: 'sh', args: ['-c', command.script, 'sh'], stdinPrefix: null };
  }

  async run(command: Command, options: RunOptions = {}): Promise<RunResult> {
    const started = performance.now();
    const { execa } = await import('execa');
    if (options.signal?.aborted) return { code: null, signal: null, stdout: '', stderr: '', lost: false, cancelled: true, durationMs: 0 };
    const { file, args, stdinPrefix } = this.spawnArgs(command, options);
    const sudoing = stdinPrefix !== null || (options.become && this.needsSudo());
    const input =
      stdinPrefix !== null || options.stdin !== undefined ? Buffer.concat([Buffer.from(stdinPrefix ?? ''), Buffer.from(options.stdin ?? '')]) : undefined;
    const child = execa(file, args, {
      cwd: sudoing ? undefined : options.cwd,
      env: sudoing ? undefined : options.env,
      input,
      stdin: input === undefined ? 'ignore' : undefined,
      buffer: false,
      reject: false,
      detached: true, // own process group: cancel kills the whole tree
      encoding: 'buffer',
    });
    const collect = options.collect !== false;
    let stdout = '';
    let stderr = '';
    const outDecoder = new StringDecoder('utf8');
    const errDecoder = new StringDecoder('utf8');
    const onOut = (text: string) => {
      if (!text) return;
      if (collect) stdout += text;
      options.onStdout?.(text);
    };
    const onErr = (text: string) => {
      if (!text) return;
      if (collect) stderr += text;
      options.onStderr?.(text);
    };
    child.stdout?.on('data', (chunk: Buffer) => onOut(outDecoder.write(chunk)));
    child.stderr?.on('data', (chunk: Buffer) => onErr(errDecoder.write(chunk)));

    let cancelled = false;
    const timers: NodeJS.Timeout[] = [];
    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        /* already gone */
      }
    };
    const onAbort = () => {
      cancelled = true;
      killGroup('SIGTERM');
      timers.push(setTimeout(() => killGroup('SIGKILL'), this.options.cancelGraceMs ?? 2000));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const result = await child;
    options.signal?.removeEventListener('abort', onAbort);
    timers.forEach(clearTimeout);
    onOut(outDecoder.end());
    onErr(errDecoder.end());

    let code: number | null = result.exitCode ?? null;
    const signal = result.signal ?? null;
    if (code === null && signal === null) {
      // Could not start at all: answer like a shell would (127 not found, 126 not executable).
      const errno = (result as { code?: string }).code;
      code = errno === 'ENOENT' ? 127 : errno === 'EACCES' ? 126 : 1;
      onErr(`${result.originalMessage ?? result.shortMessage}\n`);
    }
    return { code, signal, stdout, stderr, lost: false, cancelled, durationMs: performance.now() - started };
  }

  async readFile(file: string, options: FileOptions = {}): Promise<Buffer> {
    if (!(options.become && this.needsSudo())) return readFileSync(file);
    const result = await this.run({ argv: ['base64', '--', file] }, { become: true });
    if (result.code !== 0) throw new Error(`cannot read ${file}: ${result.stderr.trim() || `exit ${result.code ?? result.signal}`}`);
    return Buffer.from(result.stdout, 'base64');
  }

  async writeFile(file: string, data: string | Buffer, mode = 0o600, options: FileOptions = {}): Promise<void> {
    if (options.become && this.needsSudo()) {
      const result = await this.run({ argv: ['sh', '-c', WRITE_SCRIPT, 'sh', file, mode.toString(8)] }, { become: true, stdin: data });
      if (result.code !== 0) throw new Error(`cannot write ${file}: ${result.stderr.trim() || `exit ${result.code ?? result.signal}`}`);
      return;
    }
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.mas-wizard.${randomBytes(6).toString('hex')}`);
    try {
      writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' });
      chmodSync(tmp, mode);
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  async close(): Promise<void> {
    /* nothing held open */
  }
}
