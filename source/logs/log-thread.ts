// A command's output handled on a worker thread (log-worker.ts), behind the same Log and
// TranscriptWriter the engine uses in-thread. Splitting, sanitizing, redacting and writing the
// transcript cost several times what receiving the bytes over SSH does; on a thread of their own
// they overlap with it, and the wizard's thread stays free to draw and to take keys.
// - Everything that reaches the transcript (output, commands, notes, secrets to mask) goes
//   through one ordered channel, so records keep the order in which the engine made them.
// - flush(), endCommand() and close() wait for the worker (Atomics.wait on a shared counter)
//   and then take its results synchronously (receiveMessageOnPort): afterwards the transcript
//   holds every line and the pane the newest, exactly as with the in-thread LogSink.
// - The display keeps the redacted batches the worker sends back and splits a batch into lines
//   only when the pane asks for it (usually the last one or two).
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { BugError } from '../errors.js';
import type { LogLine, StreamName } from './line-buffer.js';
import { DEFAULT_LOG_CAPACITY, type Log, LogSink, Notifier } from './log-sink.js';
import { redactor as defaultRedactor, type Redactor } from './redact.js';
import { type CommandEnd, type CommandStart, Transcript, type TranscriptWriter } from './transcript.js';

/** Redacted lines of one stream, joined with \n. */
export interface Batch {
  s: 0 | 1;
  text: string;
  n: number;
}

export type ToWorker =
  | { t: 'p'; s: 0 | 1; c: string }
  | { t: 'secret'; value: string; label: string }
  | { t: 'begin'; id: string; start: CommandStart }
  /** `output`: end the command's partial lines first (Log.endCommand) or not (TranscriptWriter.endCommand). */
  | { t: 'end'; id: string; end: CommandEnd; output: boolean }
  | { t: 'note'; text: string }
  | { t: 'flush'; seq: number }
  | { t: 'close'; seq: number };

/** Display lines, newest last; `skipped` lines came before them and are only in the transcript (more than the ring holds arrived at once). */
export type FromWorker = { skipped: number; batches: Batch[] } | { error: string };

export interface WorkerInit {
  file: string;
  maxLineLength?: number;
  /** Lines the display keeps: the worker sends no more than these at a time. */
  capacity: number;
  /** Int32Array[2] over it: [0] the last flush/close sequence number the worker finished, [1] output chunks it has taken. */
  ack: SharedArrayBuffer;
  /** To the wizard's thread: display batches and failures. */
  results: MessagePort;
}

export interface OpenLogOptions {
  /** The transcript file (created 0600, or appended to). */
  file: string;
  redactor?: Redactor;
  capacity?: number;
  notifyMs?: number;
  maxLineLength?: number;
  /** 'worker' (default where the compiled worker exists) or 'main' (in-thread; MAS_WIZARD_LOG_THREAD=main). */
  thread?: 'worker' | 'main';
}

const WORKER = new URL('./log-worker.js', import.meta.url);
/**
 * The worker's young generation: small, because all it keeps is a few batches (V8's default let
 * a 200k-line stream add ~10 MB of resident memory more than this; the time did not change).
 */
const YOUNG_MB = 4;
/** Output chunks the worker may be behind before push() waits (an SSH chunk is up to 32 KiB: about 2 MiB). */
const MAX_BACKLOG = 64;
/** A flush waits this long for the worker before calling it a bug (a million queued lines take a few seconds). */
const FLUSH_TIMEOUT_MS = 120_000;

/** The log and transcript of one run: on the log worker when it can run here, else in-thread. */
export async function openLog(options: OpenLogOptions): Promise<{ log: Log; transcript: TranscriptWriter }> {
  const redactor = options.redactor ?? defaultRedactor;
  const inThread = (why?: string) => {
    const transcript = new Transcript(options.file, redactor);
    if (why) transcript.note(why);
    return { log: new LogSink({ ...options, transcript, redactor }), transcript };
  };
  const thread = options.thread ?? (process.env.MAS_WIZARD_LOG_THREAD === 'main' ? 'main' : 'worker');
  // Running from the TypeScript sources (tests) there is no compiled worker: in-thread.
  if (thread === 'main' || !existsSync(fileURLToPath(WORKER))) return inThread();
  const log = await LogThread.start(options.file, redactor, options);
  if (!log) return inThread(`the log worker did not start within ${START_TIMEOUT_MS / 1000} s: output is handled in the wizard's own thread`);
  return { log, transcript: log.transcript };
}

/** How long a new log worker may take to start (tens of ms normally; seconds on a loaded machine). */
const START_TIMEOUT_MS = 10_000;

export class LogThread implements Log {
  readonly transcript: TranscriptWriter;
  private readonly worker: Worker;
  private readonly results: MessagePort;
  private readonly ack: Int32Array;
  private readonly ring: BatchRing;
  private readonly notifier: Notifier;
  private unfollow: () => void = () => {};
  private seq = 0;
  /** Output chunks posted (the worker counts those it has taken in ack[1]). */
  private pushed = 0;
  private nextId = 1;
  private lines = 0;
  private failure: Error | null = null;
  private closed = false;
  private readonly onExit = () => this.close();

  /**
   * A log on a new worker, once the worker is running (waited for here, so output never queues
   * for a thread that cannot start), or null when it did not start in time (then the caller
   * logs in-thread).
   */
  static async start(file: string, redactor: Redactor, options: Omit<OpenLogOptions, 'file'> = {}): Promise<LogThread | null> {
    const log = new LogThread(file, redactor, options);
    let timer: NodeJS.Timeout | undefined;
    const started = await Promise.race([
      once(log.worker, 'online').then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), START_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    if (!started) {
      log.abandon();
      return null;
    }
    log.unfollow = redactor.follow((value, label) => log.post({ t: 'secret', value, label }));
    return log;
  }

  private constructor(file: string, redactor: Redactor, options: Omit<OpenLogOptions, 'file'>) {
    // Opened and checked here first (0600, no symlink), so a bad path fails now, where the caller is.
    new Transcript(file, redactor).close();
    const ack = new SharedArrayBuffer(8);
    this.ack = new Int32Array(ack);
    const capacity = options.capacity ?? DEFAULT_LOG_CAPACITY;
    const results = new MessageChannel();
    this.results = results.port2;
    const init: WorkerInit = { file, maxLineLength: options.maxLineLength, capacity, ack, results: results.port1 };
    this.worker = new Worker(WORKER, {
      workerData: init,
      transferList: [results.port1],
      execArgv: workerExecArgv(),
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB },
    });
    this.worker.on('error', (error) => {
      this.failure ??= new BugError(`the log worker failed: ${error.message}`);
    });
    this.worker.unref();
    this.results.on('message', (m: FromWorker) => this.take(m));
    this.results.unref();
    this.ring = new BatchRing(capacity);
    this.notifier = new Notifier(options.notifyMs);
    // A normal exit (process.exit included) still writes every line out.
    process.on('exit', this.onExit);
    const self = this;
    this.transcript = {
      file,
      get lineCount() {
        return self.lines;
      },
      beginCommand: (start, id) => this.begin(start, id),
      endCommand: (id, end) => this.post({ t: 'end', id, end, output: false }),
      note: (text) => this.post({ t: 'note', text }),
      flush: () => this.flush(),
      close: () => this.close(),
    };
  }

  get total(): number {
    return this.ring.total;
  }
  get first(): number {
    return this.ring.first;
  }

  push(stream: StreamName, chunk: string): void {
    if (this.closed) throw new Error('log sink: push after close');
    if (!chunk.length) return;
    this.post({ t: 'p', s: stream === 'stderr' ? 1 : 0, c: chunk });
    // Backpressure: while the worker is more than MAX_BACKLOG chunks behind, wait (the SSH
    // stream waits with us), so queued output cannot pile up in memory.
    this.pushed++;
    const deadline = Date.now() + FLUSH_TIMEOUT_MS;
    for (let taken = Atomics.load(this.ack, 1); this.pushed - taken > MAX_BACKLOG; taken = Atomics.load(this.ack, 1)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new BugError(`the log worker took no output for ${FLUSH_TIMEOUT_MS / 1000} s`);
      Atomics.wait(this.ack, 1, taken, left);
    }
  }

  info(text: string, stream: StreamName = 'stdout'): void {
    this.push(stream, text.endsWith('\n') ? text : `${text}\n`);
  }

  beginCommand(start: CommandStart): string {
    return this.begin(start);
  }

  endCommand(id: string | null, end: CommandEnd): void {
    if (id === null) this.flush();
    else this.call({ t: 'end', id, end, output: true });
    this.notifier.now();
  }

  flush(): void {
    this.call({ t: 'flush', seq: this.seq + 1 });
  }

  snapshot(from: number, count: number): LogLine[] {
    return this.ring.snapshot(from, count);
  }

  subscribe(listener: () => void): () => void {
    return this.notifier.subscribe(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    process.off('exit', this.onExit);
    this.unfollow();
    try {
      this.call({ t: 'close', seq: this.seq + 1 });
    } finally {
      void this.worker.terminate();
      this.notifier.close();
    }
  }

  /** Stops a worker that never started; nothing was sent to it. */
  private abandon(): void {
    this.closed = true;
    process.off('exit', this.onExit);
    void this.worker.terminate();
  }

  private begin(start: CommandStart, id = `c${this.nextId++}`): string {
    this.post({ t: 'begin', id, start });
    return id;
  }

  private post(m: ToWorker): void {
    this.throwFailure();
    this.worker.postMessage(m);
  }

  /** Sends `m`, then waits until the worker has done it and everything before it, and takes its results. */
  private call(m: ToWorker): void {
    this.post(m);
    const seq = ++this.seq;
    if (m.t !== 'flush' && m.t !== 'close') this.worker.postMessage({ t: 'flush', seq } satisfies ToWorker);
    const deadline = Date.now() + FLUSH_TIMEOUT_MS;
    for (let done = Atomics.load(this.ack, 0); done < seq; done = Atomics.load(this.ack, 0)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new BugError(`the log worker did not answer within ${FLUSH_TIMEOUT_MS / 1000} s`);
      Atomics.wait(this.ack, 0, done, left);
    }
    for (let r = receiveMessageOnPort(this.results); r; r = receiveMessageOnPort(this.results)) this.take(r.message as FromWorker);
    this.throwFailure();
  }

  private take(m: FromWorker): void {
    if ('error' in m) {
      this.failure ??= new Error(m.error);
      return;
    }
    this.ring.skip(m.skipped);
    this.lines += m.skipped;
    for (const b of m.batches) {
      this.ring.add(b);
      this.lines += b.n;
    }
    this.notifier.schedule();
  }

  private throwFailure(): void {
    if (this.failure) throw this.failure;
  }
}

/**
 * Node's options for the worker: the wizard's own (--cpu-prof, --enable-source-maps …) minus a
 * script given on the command line (-e/-p), which a worker would otherwise run instead of its file.
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    if (/^(?:-e|--eval|-p|--print)$/.test(args[i]!)) i++;
    else if (!/^(?:--eval=|--print=|--input-type)/.test(args[i]!)) out.push(args[i]!);
  }
  return out;
}

/** The last `capacity` (or a little more) lines, kept as the batches they came in; split on demand. */
export class BatchRing {
  private readonly batches: (Batch & { start: number; lines?: string[] })[] = [];
  private head = 0;
  total = 0;

  constructor(private readonly capacity: number) {}

  get first(): number {
    return Math.max(0, this.total - this.capacity);
  }

  /** `n` lines that went by unseen (older than anything the ring will hold). */
  skip(n: number): void {
    if (n <= 0) return;
    this.total += n;
    this.trim();
  }

  add(batch: Batch): void {
    this.batches.push({ ...batch, start: this.total });
    this.total += batch.n;
    this.trim();
  }

  private trim(): void {
    const first = this.first;
    while (this.head < this.batches.length && this.batches[this.head]!.start + this.batches[this.head]!.n <= first) this.head++;
    if (this.head > 1024 && this.head * 2 > this.batches.length) {
      this.batches.splice(0, this.head);
      this.head = 0;
    }
  }

  snapshot(from: number, count: number): LogLine[] {
    const start = Math.max(from, this.first);
    const end = Math.min(from + count, this.total);
    const out: LogLine[] = [];
    if (start >= end) return out;
    // The batch holding `start`: batches are in order, search back from the newest (the pane reads the end).
    let i = this.batches.length - 1;
    while (i > this.head && this.batches[i]!.start > start) i--;
    for (; i < this.batches.length && out.length < end - start; i++) {
      const b = this.batches[i]!;
      if (!b.lines) {
        b.lines = b.text.split('\n');
        if (b.lines.length !== b.n) throw new BugError(`log worker: a batch of ${b.n} lines holds ${b.lines.length}`);
      }
      const stream = b.s === 1 ? 'stderr' : 'stdout';
      for (let k = Math.max(0, start + out.length - b.start); k < b.n && out.length < end - start; k++) out.push({ stream, text: b.lines[k]! });
    }
    return out;
  }
}
