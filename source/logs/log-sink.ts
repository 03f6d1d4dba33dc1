// LogSink: where a running command's output goes. Chunks are split into lines per stream,
// redacted once, kept in a bounded ring (what the log pane shows) and appended to the
// transcript (everything). Subscribers (the screen) are told at most every `notifyMs`, no
// matter how fast lines arrive, so Ink redraws a few times a second, not per line.
import { LineSplitter, type LogLine, type StreamName, DEFAULT_MAX_LINE_LENGTH } from './line-buffer.js';
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
  private readonly ring: RingBuffer<LogLine>;
  private readonly splitters: Record<StreamName, LineSplitter>;
  private readonly listeners = new Set<() => void>();
  private readonly lineRedactors: Record<StreamName, LineRedactor>;
  private readonly notifyMs: number;
  private timer: NodeJS.Timeout | null = null;
  private lastNotify = 0;
  private closed = false;

  constructor(private readonly options: LogSinkOptions = {}) {
    this.ring = new RingBuffer<LogLine>(options.capacity ?? 5000);
    const redactor = options.redactor ?? defaultRedactor;
    this.lineRedactors = { stdout: new LineRedactor(redactor), stderr: new LineRedactor(redactor) };
    this.notifyMs = options.notifyMs ?? 100;
    const max = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    this.splitters = {
      stdout: new LineSplitter((text) => this.addLine('stdout', text), max),
      stderr: new LineSplitter((text) => this.addLine('stderr', text), max),
    };
  }

  get total(): number { return this.ring.total; }
  get first(): number { return this.ring.first; }

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
    return this.ring.slice(from, count);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    this.notify();
    this.listeners.clear();
  }

  private addLine(stream: StreamName, raw: string): void {
    const text = this.lineRedactors[stream].line(raw);
    this.ring.push({ stream, text });
    this.options.transcript?.redactedLine(stream, text);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.listeners.size === 0) return;
    const wait = Math.max(0, this.lastNotify + this.notifyMs - Date.now());
    this.timer = setTimeout(() => { this.timer = null; this.notify(); }, wait);
    this.timer.unref();
  }

  private notify(): void {
    this.lastNotify = Date.now();
    for (const listener of [...this.listeners]) listener();
  }
}

export type { LogLine, StreamName } from './line-buffer.js';
