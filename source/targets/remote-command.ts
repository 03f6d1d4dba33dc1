// Turns a Command plus cwd/env/become into one POSIX sh command line. Every value goes
// through quoteArg; a sudo password never appears here: it goes on stdin.
import type { Command } from './target.js';
import { commandLine, envAssignments, quoteArg } from './quote.js';

export interface BecomeSettings {
  /** sudo -u USER (default: sudo's default, root). */
  user?: string;
  /** Sent on stdin to `sudo -S -p ''`; without it `sudo -n` (fails instead of prompting). */
  password?: string;
  /** The sudo program (default "sudo"). */
  sudo?: string;
}

/**
 * Longest command line we send. sshd hands it to the login shell as ONE argument, and
 * Linux caps a single argument at 128 KiB (MAX_ARG_STRLEN); beyond ~256 KiB sshd even
 * drops the connection. Larger data belongs on stdin or in a file.
 */
export const MAX_COMMAND_BYTES = 127 * 1024;

/** First bytes on stderr of every remote command: the pid that cancel() kills by session. */
export const PID_HEADER = '\x1fmas-wizard-pid=';

export interface BuiltCommand {
  line: string;
  /** Bytes to send on stdin before the caller's own stdin (the sudo password line). */
  stdinPrefix: string | null;
}

export function checkBecomePassword(password: string): void {
  if (/[\n\r\0]/.test(password)) throw new Error('the sudo password contains a line break or NUL byte, which sudo cannot read from stdin');
}

/** The script that runs the command itself: cd, environment, then the program (exec keeps the pid). */
function innerScript(command: Command, cwd?: string, env?: Record<string, string>): string {
  const core = 'argv' in command ? commandLine(command.argv) : `sh -c ${quoteArg(command.script)} sh`;
  const assignments = env && Object.keys(env).length ? `env ${envAssignments(env).join(' ')} ` : '';
  return `${cwd !== undefined ? `cd -- ${quoteArg(cwd)} && ` : ''}exec ${assignments}${core}`;
}

export function buildCommand(
  command: Command,
  options: { cwd?: string; env?: Record<string, string>; become?: BecomeSettings | null; announcePid: boolean },
): BuiltCommand {
  if ('script' in command && command.script.includes('\0')) throw new Error('cannot run a script containing a NUL byte');
  const inner = innerScript(command, options.cwd, options.env);
  const header = options.announcePid ? `printf '${PID_HEADER.replace('\x1f', '\\037')}%s\\n' "$$" >&2; ` : '';
  const become = options.become;
  let body: string;
  let stdinPrefix: string | null = null;
  if (!become) {
    body = inner;
  } else {
    const sudo = become.sudo ?? 'sudo';
    const user = become.user ? ['-u', become.user] : [];
    const sudoN = commandLine([sudo, '-n', ...user, '--', 'sh', '-c', inner, 'sh']);
    if (become.password === undefined) {
      body = `exec ${sudoN}`;
    } else {
      checkBecomePassword(become.password);
      // If sudo would not ask (NOPASSWD, cached), the password line must not reach the
      // command's stdin: read it away first. `read` takes one byte at a time from a pipe.
      const probe = commandLine([sudo, '-n', ...user, 'true']);
      const sudoS = commandLine([sudo, '-k', '-S', '-p', '', ...user, '--', 'sh', '-c', inner, 'sh']);
      body = `if ${probe} 2>/dev/null; then IFS= read -r _; exec ${sudoN}; else exec ${sudoS}; fi`;
      stdinPrefix = `${become.password}\n`;
    }
  }
  const line = `exec sh -c ${quoteArg(header + body)}`;
  const bytes = Buffer.byteLength(line);
  if (bytes > MAX_COMMAND_BYTES) {
    throw new Error(
      `command line too long: ${bytes} bytes once quoted, the limit is ${MAX_COMMAND_BYTES} (one shell argument); pass large data on stdin or in a file`,
    );
  }
  return { line, stdinPrefix };
}

/** A script that terminates every process of the session led by `pid` (the remote command). */
export function killSessionScript(pid: number, signal: 'TERM' | 'KILL'): string {
  return (
    `sid=$(ps -o sid= -p ${pid} 2>/dev/null | tr -d ' '); ` +
    `if [ -n "$sid" ] && [ "$sid" != 0 ]; then pkill -${signal} -s "$sid" 2>/dev/null || kill -${signal} ${pid}; else kill -${signal} ${pid} 2>/dev/null; fi; true`
  );
}

/** $1 path, $2 octal mode; data on stdin. The temp file is 0600 from creation (umask). */
export const WRITE_SCRIPT =
  'umask 077; t=$(mktemp "$1.mas-wizard.XXXXXX") || exit 1; ' + 'if cat > "$t" && chmod "$2" "$t" && mv -f "$t" "$1"; then exit 0; fi; rm -f "$t"; exit 1';
