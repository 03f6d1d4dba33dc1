// Runs a long lab command (syn2mas, doctor, dump-all) under the lab's faults: `slowMs` delays
// the start, `truncateOutput` lets the first lines through and stops mid-line, keeping the exit status.
import { spawn } from 'node:child_process';
import { readFaults } from '../faults.js';
import { labDir } from './context.js';

const PASS_LINES = 3;

async function main(): Promise<number> {
  const [cmd, ...args] = process.argv.slice(2);
  if (!cmd) { process.stderr.write('usage: long-run COMMAND [ARGS...]\n'); return 2; }
  const faults = readFaults(labDir());
  if (faults.slowMs) await new Promise((r) => setTimeout(r, faults.slowMs));
  const child = spawn(cmd, args, { stdio: ['inherit', faults.truncateOutput ? 'pipe' : 'inherit', faults.truncateOutput ? 'pipe' : 'inherit'] });
  if (faults.truncateOutput) {
    let lines = 0;
    let cut = false;
    const relay = (sink: NodeJS.WriteStream) => (chunk: Buffer) => {
      if (cut) return;
      const text = chunk.toString('utf8');
      let out = '';
      for (const part of text.split(/(?<=\n)/)) {
        if (lines >= PASS_LINES) { out += part.slice(0, Math.floor(part.length / 2)); cut = true; break; }
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

main().then((code) => { process.exitCode = code; }, (error: Error) => { process.stderr.write(`lab: ${error.message}\n`); process.exitCode = 1; });
