// LogSink: where a running command's output goes. Chunks are split into lines per stream,
// redacted once, kept in a bounded ring (what the log pane shows) and appended to the
// transcript (everything). Subscribers (the screen) are told at most every `notifyMs`, no
// matter how fast lines arrive, so Ink redraws a few times a second, not per line.
// Work is done per chunk (a batch of lines), not per line: a fast command prints hundreds of
// thousands of lines and each per-line step (a regex, an object, a JSON record) adds up.
// The ring holds the line texts and one byte per line for its stream, so a line costs no object.
import { LineSplitter, type LineBatch, type LogLine, type StreamName, DEFAULT_MAX_LINE_LENGTH } from './line-buffer.js';
import { LineRedactor, redactor as defaultRedactor, type Redactor } from './redact.js';
import { RingBuffer } from './ring-buffer.js';
import type { CommandEnd, CommandStart, Transcript } from './transcript.js';

export interface LogSinkOptions {
  /** Lines kept for display (default 5,000). */
  capacity?: number;
  transcript?: Transcript;
  redactor?: Redactor;
  /** Minimum time between subscriber notifications (default 100 ms). */
  notifyMs?: number;
  maxLineLength?: number;
}

/** What the log pane needs: read-only and subscribable. */
export interface LogSource {
  /** Lines ever pushed; absolute index of the next line. */
  readonly total: number;
  /** Absolute index of the oldest line still held. */
  readonly first: number;
  snapshot(from: number, count: number): LogLine[];
  subscribe(listener: () => void): () => void;
}

export class LogSink implements LogSource {
  private readonly ring: RingBuffer<string>;
  /** The stream of the line at ring slot i: 1 = stderr. */
  private readonly streams: Uint8Array;
  private readonly splitters: Record<StreamName, LineSplitter>;
  private readonly listeners = new Set<() => void>();
  private readonly lineRedactors: Record<StreamName, LineRedactor>;
  private readonly notifyMs: number;
  private timer: NodeJS.Timeout | null = null;
  private lastNotify = 0;
  private closed = false;

  constructor(private readonly options: LogSinkOptions = {}) {
    this.ring = new RingBuffer<string>(options.capacity ?? 5000);
    this.streams = new Uint8Array(this.ring.capacity);
    const redactor = options.redactor ?? defaultRedactor;
    this.lineRedactors = { stdout: new LineRedactor(redactor), stderr: new LineRedactor(redactor) };
    this.notifyMs = options.notifyMs ?? 100;
    const max = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    this.splitters = {
      stdout: new LineSplitter((batch) => this.addLines('stdout', batch), max),
      stderr: new LineSplitter((batch) => this.addLines('stderr', batch), max),
    };
  }

  get total(): number {
    return this.ring.total;
  }
  get first(): number {
    return this.ring.first;
  }

  /** Feeds a chunk of a command's output (any size, any split). */
  push(stream: StreamName, chunk: string): void {
    if (this.closed) throw new Error('log sink: push after close');
    this.splitters[stream].push(chunk);
  }

  /** A line written by the wizard itself (not by a command), e.g. "retrying in 5 s". */
  info(text: string, stream: StreamName = 'stdout'): void {
    this.push(stream, text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Ends the current partial lines of both streams and writes the transcript buffer out. */
  flush(): void {
    this.splitters.stdout.end();
    this.splitters.stderr.end();
    this.options.transcript?.flush();
  }

  /** Records a command's start in the transcript (its display form is redacted there). */
  beginCommand(start: CommandStart): string | null {
    return this.options.transcript?.beginCommand(start) ?? null;
  }

  /** Flushes the command's last partial lines, then records its end. */
  endCommand(id: string | null, end: CommandEnd): void {
    this.flush();
    if (id !== null) this.options.transcript?.endCommand(id, end);
  }

  snapshot(from: number, count: number): LogLine[] {
    const start = Math.max(from, this.ring.first);
    return this.ring.slice(start, count - (start - from)).map((text, i) => ({
      stream: this.streams[(start + i) % this.ring.capacity] === 1 ? 'stderr' : 'stdout',
      text,
    }));
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.notify();
    this.listeners.clear();
  }

  private addLines(stream: StreamName, batch: LineBatch): void {
    const lines = this.lineRedactors[stream].lines(batch.lines, batch.text);
    const code = stream === 'stderr' ? 1 : 0;
    for (const text of lines) {
      this.streams[this.ring.total % this.ring.capacity] = code;
      this.ring.push(text);
    }
    // Masking adds only the mask (nothing JSON escapes), so the batch's jsonSafe still holds.
    this.options.transcript?.redactedLines(stream, lines, lines === batch.lines ? batch.text : undefined, batch.jsonSafe);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.listeners.size === 0) return;
    const wait = Math.max(0, this.lastNotify + this.notifyMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.notify();
    }, wait);
    this.timer.unref();
  }

  private notify(): void {
    this.lastNotify = Date.now();
    for (const listener of [...this.listeners]) listener();
  }
}

export type { LogLine, StreamName } from './line-buffer.js';
