// The one interface every step runs through, whether the command runs on this
// machine (execa) or on the Matrix server (ssh2). Steps never know which.

/** What to run: an argv (each element reaches the program exactly) or a POSIX sh script. */
export type Command = { argv: readonly string[] } | { script: string };

export interface RunOptions {
  /** Bytes written to the command's stdin, which is then closed. */
  stdin?: string | Buffer;
  /** Streamed output, as it arrives (chunks, not lines). */
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  /** Cancel: the remote/local process is terminated and the promise settles with `cancelled: true`. */
  signal?: AbortSignal;
  /** Run with root rights (sudo), as set by the target's become settings. */
  become?: boolean;
  cwd?: string;
  env?: Record<string, string>;
  /** Keep stdout/stderr in the result (default true). Turn off for huge streams. */
  collect?: boolean;
}

export interface RunResult {
  /** Exit code, or null when the process ended by a signal or the link was lost. */
  code: number | null;
  /** Signal name (e.g. "SIGTERM") when the process was killed by one. */
  signal: string | null;
  stdout: string;
  stderr: string;
  /** True when the connection dropped before an exit status arrived: the outcome is UNKNOWN, never success. */
  lost: boolean;
  cancelled: boolean;
  durationMs: number;
}

export interface FileOptions {
  become?: boolean;
}

export interface Target {
  readonly kind: 'local' | 'ssh';
  /** Human description for screens and transcripts, e.g. "matrix@example.org:22". */
  readonly description: string;
  run(command: Command, options?: RunOptions): Promise<RunResult>;
  /** `become`: read/write with root rights (sudo), as for run(). */
  readFile(path: string, options?: FileOptions): Promise<Buffer>;
  /** Atomic (temp file + rename); mode defaults to 0600. */
  writeFile(path: string, data: string | Buffer, mode?: number, options?: FileOptions): Promise<void>;
  close(): Promise<void>;
}

/** Raised when a result is not a clean exit 0, for callers that want exceptions. */
export class CommandFailed extends Error {
  constructor(
    readonly display: string,
    readonly result: RunResult,
  ) {
    super(
      result.lost
        ? `connection lost while running: ${display} (outcome unknown)`
        : result.cancelled
          ? `cancelled: ${display}`
          : `command failed (${result.code !== null ? `exit ${result.code}` : result.signal}): ${display}`,
    );
  }
}

export function ok(result: RunResult): boolean {
  return !result.lost && !result.cancelled && result.code === 0;
}
