// Runs a long lab command (syn2mas, doctor, dump-all) under the lab's faults: `slowMs` delays
// the start, `flood` prints numbered lines at a set rate first, `truncateOutput` lets the first
// lines through and stops mid-line, keeping the exit status.
import { spawn } from 'node:child_process';
import { readFaults } from '../faults.js';
import { labDir } from './context.js';

const PASS_LINES = 3;

/** Prints `lines` numbered lines at `linesPerSecond`, in a write every 10 ms or so. */
async function flood({ lines, linesPerSecond }: { lines: number; linesPerSecond: number }): Promise<void> {
  const began = performance.now();
  for (let sent = 0; sent < lines; ) {
    const due = Math.min(lines, Math.floor(((performance.now() - began) * linesPerSecond) / 1000));
    let chunk = '';
    for (; sent < due; sent++) chunk += `lab flood: line ${sent + 1} of ${lines}\n`;
    if (chunk && !process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function main(): Promise<number> {
  const [cmd, ...args] = process.argv.slice(2);
  if (!cmd) {
    process.stderr.write('usage: long-run COMMAND [ARGS...]\n');
    return 2;
  }
  const faults = readFaults(labDir());
  if (faults.slowMs) await new Promise((r) => setTimeout(r, faults.slowMs));
  if (faults.flood) await flood(faults.flood);
  const child = spawn(cmd, args, { stdio: ['inherit', faults.truncateOutput ? 'pipe' : 'inherit', faults.truncateOutput ? 'pipe' : 'inherit'] });
  if (faults.truncateOutput) {
    let lines = 0;
    let cut = false;
    const relay = (sink: NodeJS.WriteStream) => (chunk: Buffer) => {
      if (cut) return;
      const text = chunk.toString('utf8');
      let out = '';
      for (const part of text.split(/(?<=\n)/)) {
        if (lines >= PASS_LINES) {
          out += part.slice(0, Math.floor(part.length / 2));
          cut = true;
          break;
        }
        out += part;
        if (part.endsWith('\n')) lines += 1;
      }
      sink.write(out);
    };
    child.stdout!.on('data', relay(process.stdout));
    child.stderr!.on('data', relay(process.stderr));
  }
  return new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`lab: ${error.message}\n`);
    process.exitCode = 1;
  },
);
