// The transcript: every output line and every command of a run, redacted, appended to a
// file under the state dir (mode 0600). One JSON record per line (JSONL) so a line of
// command output can never be mistaken for a record boundary:
//   {"type":"command","id":"c1","at":ISO,"display":"just …","target":"…","step":"install"}
//   {"out":"a stdout line"}   {"err":"a stderr line"}
//   {"type":"end","id":"c1","at":ISO,"code":0,"signal":null,"lost":false,"cancelled":false,"durationMs":1234}
//   {"type":"note","at":ISO,"text":"…"}
// Writes are buffered (one write per ~64 KiB or per flush interval, not one per line) and
// synchronous, so records stay in order and nothing is lost when the process exits normally.
import fs from 'node:fs';
import path from 'node:path';
import { stateDir } from '../paths.js';
import { redactor as defaultRedactor, type Redactor } from './redact.js';
import type { StreamName } from './line-buffer.js';

export interface CommandStart {
  /** The command exactly as shown to the operator (it is redacted again here). */
  display: string;
  target?: string;
  step?: string;
}

export interface CommandEnd {
  code: number | null;
  signal?: string | null;
  lost?: boolean;
  cancelled?: boolean;
}

export type TranscriptRecord =
  | { type: 'command'; id: string; at: string; display: string; target?: string; step?: string }
  | { type: 'end'; id: string; at: string; code: number | null; signal: string | null; lost: boolean; cancelled: boolean; durationMs: number }
  | { type: 'note'; at: string; text: string }
  | { out: string }
  | { err: string };

/** What the engine writes records through: the Transcript itself, or the log worker's proxy of it. */
export interface TranscriptWriter {
  readonly file: string;
  /** Number of output lines written (or on their way) so far. */
  readonly lineCount: number;
  /** Records a command's start; `id` when the caller has chosen it (the log worker's proxy does). */
  beginCommand(start: CommandStart, id?: string): string;
  endCommand(id: string, end: CommandEnd): void;
  note(text: string): void;
  flush(): void;
  close(): void;
}

const FLUSH_BYTES = 64 * 1024;
/** What JSON.stringify would escape in a string (\n aside: it joins the lines of a batch): ", \, controls, lone surrogates (any surrogate, to keep the test simple). */
const NEEDS_JSON_ESCAPE = /["\\\u0000-\u0009\u000b-\u001f\ud800-\udfff]/;
const FLUSH_INTERVAL_MS = 200;

/** Default place for a run's transcript: <state dir>/transcripts/<runId>.jsonl */
export function transcriptPath(runId: string, dir = stateDir()): string {
  if (!/^[A-Za-z0-9._-]+$/.test(runId)) throw new Error(`transcript: run id ${JSON.stringify(runId)} may only contain letters, digits, '.', '_' and '-'`);
  return path.join(dir, 'transcripts', `${runId}.jsonl`);
}

export class Transcript implements TranscriptWriter {
  private fd: number;
  private buffer: string[] = [];
  private bufferedBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private nextId = 1;
  private readonly started = new Map<string, number>();
  private lines = 0;
  // process.exit() skips timers: write what is buffered on the way out (writeSync works in 'exit').
  private readonly flushOnExit = () => this.flush();

  /** Opens (creating with mode 0600, parent dirs 0700) or appends to `file`. Refuses symlinks and group/world-readable files it cannot fix. */
  constructor(
    readonly file: string,
    private readonly redactor: Redactor = defaultRedactor,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const flags = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW;
    try {
      this.fd = fs.openSync(file, flags, 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(
        code === 'ELOOP'
          ? `transcript: ${file} is a symbolic link; refusing to write through it`
          : `transcript: cannot open ${file}: ${(error as Error).message}`,
      );
    }
    const st = fs.fstatSync(this.fd);
    if (!st.isFile()) {
      fs.closeSync(this.fd);
      throw new Error(`transcript: ${file} is not a regular file`);
    }
    if ((st.mode & 0o777) !== 0o600) fs.fchmodSync(this.fd, 0o600);
    if ((fs.fstatSync(this.fd).mode & 0o777) !== 0o600) {
      fs.closeSync(this.fd);
      throw new Error(`transcript: ${file} could not be made private (mode 0600)`);
    }
    process.on('exit', this.flushOnExit);
  }

  /** Number of output lines written (or buffered) so far. */
  get lineCount(): number {
    return this.lines;
  }

  beginCommand(start: CommandStart, id = `c${this.nextId++}`): string {
    const now = Date.now();
    this.started.set(id, now);
    this.append({
      type: 'command',
      id,
      at: new Date(now).toISOString(),
      display: this.redactor.redact(start.display),
      ...(start.target !== undefined ? { target: this.redactor.redact(start.target) } : {}),
      ...(start.step !== undefined ? { step: start.step } : {}),
    });
    return id;
  }

  endCommand(id: string, end: CommandEnd): void {
    const began = this.started.get(id);
    if (began === undefined) throw new Error(`transcript: endCommand for unknown command id ${JSON.stringify(id)}`);
    this.started.delete(id);
    const now = Date.now();
    this.append({
      type: 'end',
      id,
      at: new Date(now).toISOString(),
      code: end.code,
      signal: end.signal ?? null,
      lost: end.lost ?? false,
      cancelled: end.cancelled ?? false,
      durationMs: now - began,
    });
  }

  note(text: string): void {
    this.append({ type: 'note', at: new Date().toISOString(), text: this.redactor.redact(text) });
  }

  /** Appends one output line, redacting it first. */
  line(stream: StreamName, text: string): void {
    this.redactedLine(stream, this.redactor.redact(text));
  }

  /** Appends a line the caller has already passed through the redactor (LogSink does, once for all sinks). */
  redactedLine(stream: StreamName, text: string): void {
    this.redactedLines(stream, [text]);
  }

  /**
   * Appends already-redacted lines, one record each. A batch with nothing JSON must escape
   * becomes its records in one string replace instead of one JSON.stringify per line.
   * `block` is the lines joined with \n and `jsonSafe` whether it holds nothing JSON escapes,
   * when the caller knows them already.
   */
  redactedLines(stream: StreamName, lines: readonly string[], block = lines.join('\n'), jsonSafe = !NEEDS_JSON_ESCAPE.test(block)): void {
    if (lines.length === 0) return;
    const open = stream === 'stdout' ? '{"out":' : '{"err":';
    this.lines += lines.length;
    this.appendText(!jsonSafe ? lines.map((line) => `${open}${JSON.stringify(line)}}\n`).join('') : `${open}"${block.replaceAll('\n', `"}\n${open}"`)}"}\n`);
  }

  private append(record: TranscriptRecord): void {
    this.appendText(`${JSON.stringify(record)}\n`);
  }

  private appendText(s: string): void {
    if (this.fd < 0) throw new Error(`transcript: ${this.file} is closed`);
    this.buffer.push(s);
    this.bufferedBytes += s.length;
    if (this.bufferedBytes >= FLUSH_BYTES) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, FLUSH_INTERVAL_MS);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.buffer.length === 0 || this.fd < 0) return;
    const data = this.buffer.join('');
    this.buffer = [];
    this.bufferedBytes = 0;
    // The string straight to writeSync: no Buffer of each batch to allocate and collect (a
    // profile of 200k streamed lines spent about as long there as in the write itself).
    const written = fs.writeSync(this.fd, data);
    const size = Buffer.byteLength(data, 'utf8');
    if (written < size) {
      // writeSync may write less than asked: the rest, by byte offset.
      const bytes = Buffer.from(data, 'utf8');
      for (let off = written; off < size; ) off += fs.writeSync(this.fd, bytes, off);
    }
  }

  close(): void {
    if (this.fd < 0) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.flush();
    process.off('exit', this.flushOnExit);
    fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** Reads a transcript back, record by record (for `mas-wizard transcript` and tests). */
export function readTranscript(file: string): TranscriptRecord[] {
  const text = fs.readFileSync(file, 'utf8');
  const records: TranscriptRecord[] = [];
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (line === '') continue;
    try {
      records.push(JSON.parse(line) as TranscriptRecord);
    } catch {
      throw new Error(`transcript: ${file}:${lineNo} is not a JSON record`);
    }
  }
  return records;
}
