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

/** What the engine writes a command's output into (the in-thread LogSink, or the log worker's proxy). */
export interface LogWriter {
  /** Feeds a chunk of a command's output (any size, any split). */
  push(stream: StreamName, chunk: string): void;
  /** A line written by the wizard itself (not by a command), e.g. "retrying in 5 s". */
  info(text: string, stream?: StreamName): void;
  /** Ends the current partial lines of both streams and writes the transcript buffer out. */
  flush(): void;
  /** Records a command's start in the transcript (its display form is redacted there). */
  beginCommand(start: CommandStart): string | null;
  /** Flushes the command's last partial lines, then records its end. */
  endCommand(id: string | null, end: CommandEnd): void;
  close(): void;
}

export type Log = LogSource & LogWriter;

export interface LinePipelineOptions {
  transcript?: Transcript;
  redactor?: Redactor;
  maxLineLength?: number;
}

/**
 * The work every output line goes through, in order: split into lines per stream, sanitized,
 * redacted once, appended to the transcript, then handed to `onLines` (redacted) for display.
 * The in-thread LogSink and the log worker (log-worker.ts) both run exactly this.
 */
export class LinePipeline {
  private readonly splitters: Record<StreamName, LineSplitter>;
  private readonly lineRedactors: Record<StreamName, LineRedactor>;

  constructor(
    private readonly onLines: (stream: StreamName, lines: string[], text: string) => void,
    private readonly options: LinePipelineOptions = {},
  ) {
    const redactor = options.redactor ?? defaultRedactor;
    this.lineRedactors = { stdout: new LineRedactor(redactor), stderr: new LineRedactor(redactor) };
    const max = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    this.splitters = {
      stdout: new LineSplitter((batch) => this.addLines('stdout', batch), max),
      stderr: new LineSplitter((batch) => this.addLines('stderr', batch), max),
    };
  }

  push(stream: StreamName, chunk: string): void {
    this.splitters[stream].push(chunk);
  }

  /** Ends the current partial lines of both streams and writes the transcript buffer out. */
  flush(): void {
    this.splitters.stdout.end();
    this.splitters.stderr.end();
    this.options.transcript?.flush();
  }

  beginCommand(start: CommandStart, id?: string): string | null {
    return this.options.transcript?.beginCommand(start, id) ?? null;
  }

  endCommand(id: string | null, end: CommandEnd): void {
    this.flush();
    if (id !== null) this.options.transcript?.endCommand(id, end);
  }

  private addLines(stream: StreamName, batch: LineBatch): void {
    const lines = this.lineRedactors[stream].lines(batch.lines, batch.text);
    const same = lines === batch.lines;
    // Masking adds only the mask (nothing JSON escapes), so the batch's jsonSafe still holds.
    this.options.transcript?.redactedLines(stream, lines, same ? batch.text : undefined, batch.jsonSafe);
    this.onLines(stream, lines, same ? batch.text : lines.join('\n'));
  }
}

/** The log in the wizard's own thread: pipeline, a bounded ring for display, throttled notifications. */
export class LogSink implements Log {
  private readonly ring: RingBuffer<string>;
  /** The stream of the line at ring slot i: 1 = stderr. */
  private readonly streams: Uint8Array;
  private readonly pipeline: LinePipeline;
  private readonly notifier: Notifier;
  private closed = false;

  constructor(options: LogSinkOptions = {}) {
    this.ring = new RingBuffer<string>(options.capacity ?? DEFAULT_LOG_CAPACITY);
    this.streams = new Uint8Array(this.ring.capacity);
    this.notifier = new Notifier(options.notifyMs);
    this.pipeline = new LinePipeline((stream, lines) => {
      const code = stream === 'stderr' ? 1 : 0;
      for (const text of lines) {
        this.streams[this.ring.total % this.ring.capacity] = code;
        this.ring.push(text);
      }
      this.notifier.schedule();
    }, options);
  }

  get total(): number {
    return this.ring.total;
  }
  get first(): number {
    return this.ring.first;
  }

  push(stream: StreamName, chunk: string): void {
    if (this.closed) throw new Error('log sink: push after close');
    this.pipeline.push(stream, chunk);
  }

  info(text: string, stream: StreamName = 'stdout'): void {
    this.push(stream, text.endsWith('\n') ? text : `${text}\n`);
  }

  flush(): void {
    this.pipeline.flush();
  }

  beginCommand(start: CommandStart): string | null {
    return this.pipeline.beginCommand(start);
  }

  endCommand(id: string | null, end: CommandEnd): void {
    this.pipeline.endCommand(id, end);
    this.notifier.now();
  }

  snapshot(from: number, count: number): LogLine[] {
    const start = Math.max(from, this.ring.first);
    return this.ring.slice(start, count - (start - from)).map((text, i) => ({
      stream: this.streams[(start + i) % this.ring.capacity] === 1 ? 'stderr' : 'stdout',
      text,
    }));
  }

  subscribe(listener: () => void): () => void {
    return this.notifier.subscribe(listener);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.notifier.close();
  }
}

export const DEFAULT_LOG_CAPACITY = 5000;

/**
 * Tells subscribers (the screen) at most every `notifyMs`, no matter how fast lines arrive, so
 * Ink redraws a few times a second, not per line.
 */
export class Notifier {
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;
  private lastNotify = 0;

  constructor(private readonly notifyMs = 100) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  schedule(): void {
    if (this.timer || this.listeners.size === 0) return;
    const wait = Math.max(0, this.lastNotify + this.notifyMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.notify();
    }, wait);
    this.timer.unref();
  }

  /** Notifies now, not at the next tick of the throttle: a command's last lines show the moment it ends. */
  now(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.listeners.size) this.notify();
  }

  /** A last notification now, then no more. */
  close(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.notify();
    this.listeners.clear();
  }

  private notify(): void {
    this.lastNotify = Date.now();
    for (const listener of [...this.listeners]) listener();
  }
}

export type { LogLine, StreamName } from './line-buffer.js';
