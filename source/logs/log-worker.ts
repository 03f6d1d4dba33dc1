// The log worker: runs a command's output through the LinePipeline (split, sanitize, redact,
// transcript) on its own thread, so the wizard's thread only receives SSH data, draws and takes
// keys. Started by LogThread (log-thread.ts), which describes the messages. Its redactor learns
// every secret the wizard's redactor knows, in order, before any output that could hold it.
// The display needs only the newest lines: between two posts (at most every POST_MS, and at
// every flush) only the last `capacity` lines travel back; the rest are counted, and are in the
// transcript like every line.
import { parentPort, workerData } from 'node:worker_threads';
import { LinePipeline } from './log-sink.js';
import { Redactor } from './redact.js';
import { Transcript } from './transcript.js';
import type { Batch, FromWorker, ToWorker, WorkerInit } from './log-thread.js';

const POST_MS = 16;

const init = workerData as WorkerInit;
const ack = new Int32Array(init.ack);
const redactor = new Redactor();
const transcript = new Transcript(init.file, redactor);

/** Display batches not yet posted, newest last, trimmed to the last `capacity` lines; `skipped` counts what was trimmed. */
let pending: Batch[] = [];
let pendingLines = 0;
let skipped = 0;
let timer: NodeJS.Timeout | null = null;

function keep(batch: Batch): void {
  pending.push(batch);
  pendingLines += batch.n;
  while (pending.length > 1 && pendingLines - pending[0]!.n >= init.capacity) {
    const old = pending.shift()!;
    pendingLines -= old.n;
    skipped += old.n;
  }
  timer ??= setTimeout(post, POST_MS);
}

function post(): void {
  if (timer) {
    clearTimeout(timer);
    timer = null;
  }
  if (!pending.length) return;
  init.results.postMessage({ skipped, batches: pending } satisfies FromWorker);
  pending = [];
  pendingLines = 0;
  skipped = 0;
}

const pipeline = new LinePipeline((stream, lines, text) => keep({ s: stream === 'stderr' ? 1 : 0, text, n: lines.length }), {
  transcript,
  redactor,
  maxLineLength: init.maxLineLength,
});

function handle(m: ToWorker): void {
  switch (m.t) {
    case 'p':
      try {
        pipeline.push(m.s === 1 ? 'stderr' : 'stdout', m.c);
      } finally {
        // Taken, even when it failed: the wizard's thread may be waiting on this count.
        Atomics.add(ack, 1, 1);
        Atomics.notify(ack, 1);
      }
      return;
    case 'secret':
      redactor.addSecret(m.value, m.label);
      return;
    case 'begin':
      pipeline.beginCommand(m.start, m.id);
      return;
    case 'end':
      if (m.output) pipeline.endCommand(m.id, m.end);
      else transcript.endCommand(m.id, m.end);
      return;
    case 'note':
      transcript.note(m.text);
      return;
    case 'flush':
      pipeline.flush();
      return;
    case 'close':
      pipeline.flush();
      transcript.close();
      return;
  }
}

parentPort!.on('message', (m: ToWorker) => {
  try {
    handle(m);
  } catch (error) {
    init.results.postMessage({ error: error instanceof Error ? error.message : String(error) } satisfies FromWorker);
  }
  if (m.t === 'flush' || m.t === 'close') {
    // Posted before the acknowledgement: the waiting thread takes them as soon as it wakes.
    post();
    Atomics.store(ack, 0, m.seq);
    Atomics.notify(ack, 0);
  }
});
