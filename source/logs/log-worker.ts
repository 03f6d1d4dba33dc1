// The log workers, two threads started by LogThread (log-thread.ts), which describes the messages:
// - 'lines' splits, sanitizes and redacts a command's output (the LinePipeline) and sends the
//   redacted lines to the wizard's thread for display and, with every record, to the writer;
// - 'transcript' turns them into JSONL records and writes the transcript.
// Each has a redactor that learns every secret the wizard's redactor knows, in order, before any
// output that could hold it. A flush or close passes through both, in order, and the writer
// acknowledges it on the shared counter once everything before it is written.
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { LinePipeline, type PipelineTranscript } from './log-sink.js';
import { Redactor } from './redact.js';
import { Transcript } from './transcript.js';
import type { Batch, FromWorker, ToWriter, ToWorker, WorkerInit } from './log-thread.js';

const init = workerData as WorkerInit;
const redactor = new Redactor();

/** Runs `handle` on each message; a failure goes to the wizard's thread as a message, never kills the thread. */
function serve<M>(port: MessagePort | typeof parentPort, handle: (m: M) => void, report: MessagePort): void {
  port!.on('message', (m: M) => {
    try {
      handle(m);
    } catch (error) {
      report.postMessage({ error: error instanceof Error ? error.message : String(error) } satisfies FromWorker);
    }
  });
}

if (init.role === 'transcript') {
  const ack = new Int32Array(init.ack);
  const transcript = new Transcript(init.file, redactor);
  serve<ToWriter>(
    init.link,
    (m) => {
      switch (m.t) {
        case 'lines':
          transcript.redactedBlock(m.s === 1 ? 'stderr' : 'stdout', m.text, m.n, m.jsonSafe);
          break;
        case 'secret':
          redactor.addSecret(m.value, m.label);
          break;
        case 'begin':
          transcript.beginCommand(m.start, m.id);
          break;
        case 'end':
          transcript.endCommand(m.id, m.end);
          break;
        case 'note':
          transcript.note(m.text);
          break;
        case 'flush':
        case 'close':
          try {
            if (m.t === 'flush') transcript.flush();
            else transcript.close();
          } finally {
            Atomics.store(ack, 0, m.seq);
            Atomics.notify(ack, 0);
          }
          break;
      }
    },
    init.results,
  );
} else {
  const writer = init.link;
  const toWriter = (m: ToWriter) => writer.postMessage(m);
  const handOn: PipelineTranscript = {
    redactedLines: (stream, lines, block = lines.join('\n'), jsonSafe = false) => {
      if (lines.length) toWriter({ t: 'lines', s: stream === 'stderr' ? 1 : 0, text: block, n: lines.length, jsonSafe });
    },
    beginCommand: (start, id) => {
      if (id === undefined) throw new Error('log worker: a command without an id');
      toWriter({ t: 'begin', id, start });
      return id;
    },
    endCommand: (id, end) => toWriter({ t: 'end', id, end }),
    // The writer flushes when the flush message reaches it, after everything before it.
    flush: () => {},
  };
  let batches: Batch[] = [];
  const pipeline = new LinePipeline((stream, lines, text) => batches.push({ s: stream === 'stderr' ? 1 : 0, text, n: lines.length }), {
    transcript: handOn,
    redactor,
    maxLineLength: init.maxLineLength,
  });
  const results = init.results;
  serve<ToWorker>(
    parentPort,
    (m) => {
      try {
        switch (m.t) {
          case 'p':
            pipeline.push(m.s === 1 ? 'stderr' : 'stdout', m.c);
            break;
          case 'secret':
            redactor.addSecret(m.value, m.label);
            toWriter(m);
            break;
          case 'begin':
            pipeline.beginCommand(m.start, m.id);
            break;
          case 'end':
            if (m.output) pipeline.endCommand(m.id, m.end);
            else toWriter({ t: 'end', id: m.id, end: m.end });
            break;
          case 'note':
            toWriter(m);
            break;
          case 'flush':
          case 'close':
            pipeline.flush();
            break;
        }
      } finally {
        // Display lines first: the wizard's thread takes them as soon as the writer acknowledges.
        if (batches.length) {
          results.postMessage({ batches } satisfies FromWorker);
          batches = [];
        }
        if (m.t === 'flush' || m.t === 'close') toWriter(m);
      }
    },
    results,
  );
}
