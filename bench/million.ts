// Child process of the benchmark: LINES generated lines through the engine's LogSink (line
// splitting, redaction, ring buffer) into a transcript file, fed in 64 KiB chunks as a
// stream arrives, then prints {"maxRssKb": N, "linesShown": N} for the parent, which counts
// the transcript's lines itself (reading a 50 MB file here would inflate this process's RSS).
// Usage: node dist/bench/million.js LINES TRANSCRIPT_FILE
import { LogSink } from '../source/logs/log-sink.js';
import { Transcript } from '../source/logs/transcript.js';

const lines = Number(process.argv[2]);
const file = process.argv[3];
if (!Number.isInteger(lines) || lines < 1 || !file) {
  process.stderr.write('usage: million.js LINES TRANSCRIPT_FILE\n');
  process.exit(2);
}

const transcript = new Transcript(file);
const sink = new LogSink({ transcript });
sink.subscribe(() => {}); // a subscriber, as the log pane would be, so notifications are scheduled too
const id = sink.beginCommand({ display: 'generated lines', step: 'bench' });
let chunk = '';
for (let i = 1; i <= lines; i++) {
  chunk += `line ${String(i).padStart(7, '0')} ${'abcdefghij'.repeat(4)}\n`;
  if (chunk.length >= 64 * 1024) {
    sink.push('stdout', chunk);
    chunk = '';
  }
}
if (chunk) sink.push('stdout', chunk);
sink.endCommand(id, { code: 0 });
sink.close();
transcript.close();
process.stdout.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, linesShown: sink.total })}\n`);
