// Real LocalTarget (execa), real files: output of a real process lands in the sink and the transcript.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogSink } from '../../source/logs/log-sink.js';
import { MASK, Redactor } from '../../source/logs/redact.js';
import { runLogged } from '../../source/logs/run-logged.js';
import { readTranscript, Transcript } from '../../source/logs/transcript.js';
import { LocalTarget } from '../../source/targets/local.js';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maswiz-runlog-')); });
afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

describe('runLogged through a real LocalTarget', () => {
  it('records command (masked), every stdout/stderr line in order per stream, and the exit status', async () => {
    const redactor = new Redactor();
    redactor.addSecret('db-Pa55-secret');
    const file = path.join(dir, 't.jsonl');
    const transcript = new Transcript(file, redactor);
    const sink = new LogSink({ transcript, redactor });
    const script = 'i=1; while [ $i -le 2000 ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done; echo "pw=db-Pa55-secret"; exit 3';
    const result = await runLogged(new LocalTarget(), { argv: ['sh', '-c', script] }, sink, { step: 'backup' }, { collect: false });
    transcript.close();
    expect(result.code).toBe(3);
    const recs = readTranscript(file);
    expect(recs[0]).toMatchObject({ type: 'command', target: 'this machine', step: 'backup' });
    expect((recs[0] as { display: string }).display).toContain("sh -c 'i=1; while");
    const end = recs[recs.length - 1];
    expect(end).toMatchObject({ type: 'end', code: 3, lost: false, cancelled: false });
    const outs = recs.flatMap((r) => ('out' in r ? [r.out] : []));
    const errs = recs.flatMap((r) => ('err' in r ? [r.err] : []));
    expect(outs.slice(0, 2000)).toEqual(Array.from({ length: 2000 }, (_, i) => `out ${i + 1}`));
    expect(errs).toEqual(Array.from({ length: 2000 }, (_, i) => `err ${i + 1}`));
    expect(outs[2000]).toBe(`pw=${MASK}`);
    expect(fs.readFileSync(file, 'utf8')).not.toContain('db-Pa55-secret');
    expect(sink.total).toBe(4001);
  });

  it('a command that cannot start is logged on stderr and in the end record, then rethrown', async () => {
    const file = path.join(dir, 't.jsonl');
    const transcript = new Transcript(file, new Redactor());
    const sink = new LogSink({ transcript, redactor: new Redactor() });
    await expect(runLogged(new LocalTarget(), { argv: [] }, sink)).rejects.toThrow(/empty command/);
    transcript.close();
    const recs = readTranscript(file);
    expect(recs.some((r) => 'err' in r && r.err.includes('could not run the command: empty command'))).toBe(true);
    expect(recs[recs.length - 1]).toMatchObject({ type: 'end', code: null });
  });
});
