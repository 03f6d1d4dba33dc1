// The log worker: runs a command's output through the LinePipeline (split, sanitize, redact,
// transcript) on its own thread, so the wizard's thread only receives SSH data and draws.
// Started by LogThread (log-thread.ts), which describes the messages. Its redactor learns every
// secret the wizard's redactor knows, in order, before any output that could hold it.
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { LinePipeline } from './log-sink.js';
import { Redactor } from './redact.js';
import { Transcript } from './transcript.js';
import type { Batch, FromWorker, ToWorker, WorkerInit } from './log-thread.js';

const init = workerData as WorkerInit;
const ack = new Int32Array(init.ack);
const results: MessagePort = init.results;
const redactor = new Redactor();
const transcript = new Transcript(init.file, redactor);
let batches: Batch[] = [];
const pipeline = new LinePipeline((stream, lines, text) => batches.push({ s: stream === 'stderr' ? 1 : 0, text, n: lines.length }), {
  transcript,
  redactor,
  maxLineLength: init.maxLineLength,
});

function handle(m: ToWorker): void {
  switch (m.t) {
    case 'p':
      pipeline.push(m.s === 1 ? 'stderr' : 'stdout', m.c);
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
  let failure: FromWorker | null = null;
  try {
    handle(m);
  } catch (error) {
    failure = { error: error instanceof Error ? error.message : String(error) };
  }
  if (batches.length) {
    results.postMessage({ batches } satisfies FromWorker);
    batches = [];
  }
  if (failure) results.postMessage(failure);
  // Posted before the acknowledgement: the waiting thread drains them right after it wakes.
  if (m.t === 'flush' || m.t === 'close') {
    Atomics.store(ack, 0, m.seq);
    Atomics.notify(ack, 0);
  }
});
