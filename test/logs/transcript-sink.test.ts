import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LogSink } from '../../source/logs/log-sink.js';
import { sanitizeLine } from '../../source/logs/line-buffer.js';
import { MASK, Redactor } from '../../source/logs/redact.js';
import { readTranscript, Transcript, transcriptPath, type TranscriptRecord } from '../../source/logs/transcript.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maswiz-logs-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const outLines = (records: TranscriptRecord[]) => records.flatMap((r) => ('out' in r ? [r.out] : 'err' in r ? [r.err] : []));

describe('Transcript', () => {
  it('creates the file 0600 in a 0700 directory, even with a permissive umask', () => {
    const old = process.umask(0o000);
    try {
      const file = transcriptPath('run-1', path.join(dir, 'state'));
      const t = new Transcript(file, new Redactor());
      t.line('stdout', 'hello');
      t.close();
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    } finally {
      process.umask(old);
    }
  });

  it('tightens an existing group-readable transcript to 0600 before writing', () => {
    const file = path.join(dir, 't.jsonl');
    fs.writeFileSync(file, '', { mode: 0o644 });
    new Transcript(file, new Redactor()).close();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses to write through a symbolic link, and changes nothing', () => {
    const target = path.join(dir, 'elsewhere');
    fs.writeFileSync(target, 'untouched');
    const link = path.join(dir, 't.jsonl');
    fs.symlinkSync(target, link);
    expect(() => new Transcript(link, new Redactor())).toThrow(/symbolic link/);
    expect(fs.readFileSync(target, 'utf8')).toBe('untouched');
  });

  it('refuses a run id that could escape the transcript folder', () => {
    expect(() => transcriptPath('../../etc/passwd', dir)).toThrow(/may only contain/);
  });

  it('records each command (masked), its lines and its end with exit status and duration', () => {
    const r = new Redactor();
    r.addSecret('S3cretSudo!');
    const file = path.join(dir, 't.jsonl');
    const t = new Transcript(file, r);
    const id = t.beginCommand({ display: "echo S3cretSudo! | sudo -S -p '' true", target: 'matrix@h:22', step: 'install' });
    t.line('stderr', 'sudo said S3cretSudo!');
    t.endCommand(id, { code: 1 });
    t.note('retry with password: S3cretSudo!');
    t.close();
    const recs = readTranscript(file);
    expect(recs[0]).toMatchObject({ type: 'command', id: 'c1', display: `echo ${MASK} | sudo -S -p '' true`, target: 'matrix@h:22', step: 'install' });
    expect(recs[1]).toEqual({ err: `sudo said ${MASK}` });
    expect(recs[2]).toMatchObject({ type: 'end', id: 'c1', code: 1, signal: null, lost: false, cancelled: false });
    expect((recs[2] as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
    expect(recs[3]).toMatchObject({ type: 'note', text: `retry with password: ${MASK}` });
    expect(fs.readFileSync(file, 'utf8')).not.toContain('S3cretSudo');
  });

  it('buffers writes: lines reach the file in big writes, not one per line', () => {
    const file = path.join(dir, 't.jsonl');
    const t = new Transcript(file, new Redactor());
    for (let i = 0; i < 100; i++) t.line('stdout', `line ${i}`);
    expect(fs.statSync(file).size).toBe(0); // still buffered
    t.flush();
    expect(outLines(readTranscript(file))).toHaveLength(100);
    t.close();
  });

  it('loses no buffered line when the program calls process.exit() without closing it', () => {
    const file = path.join(dir, 'exit.jsonl');
    const code = `import { Transcript } from './source/logs/transcript.ts';
      const t = new Transcript(${JSON.stringify(file)});
      for (let i = 0; i < 500; i++) t.line('stdout', 'line ' + i);
      process.exit(0);`;
    execFileSync('node', ['--import', 'tsx', '--input-type=module', '-e', code]);
    expect(outLines(readTranscript(file))).toEqual(Array.from({ length: 500 }, (_, i) => `line ${i}`));
  });

  it('names an unknown command id and a closed transcript in its errors', () => {
    const t = new Transcript(path.join(dir, 't.jsonl'), new Redactor());
    expect(() => t.endCommand('c9', { code: 0 })).toThrow(/unknown command id "c9"/);
    t.close();
    expect(() => t.line('stdout', 'x')).toThrow(/is closed/);
  });
});

describe('LogSink', () => {
  it('200,000 lines in odd-sized chunks: every line in the transcript, in order; the ring keeps the last 5,000', () => {
    const file = path.join(dir, 't.jsonl');
    const redactor = new Redactor();
    const transcript = new Transcript(file, redactor);
    const sink = new LogSink({ transcript, redactor });
    const id = sink.beginCommand({ display: 'generator' });
    const N = 200_000;
    let text = '';
    for (let i = 0; i < N; i++) text += `line ${i}\n`;
    const t0 = performance.now();
    for (let off = 0, size = 1; off < text.length; off += size, size = ((size * 7 + 3) % 8191) + 1) sink.push('stdout', text.slice(off, off + size));
    sink.endCommand(id, { code: 0 });
    const ms = performance.now() - t0;
    transcript.close();
    const lines = outLines(readTranscript(file));
    expect(lines).toHaveLength(N);
    for (let i = 0; i < N; i += 1) if (lines[i] !== `line ${i}`) throw new Error(`line ${i} is ${lines[i]}`);
    expect(sink.total).toBe(N);
    expect(sink.first).toBe(N - 5000);
    expect(sink.snapshot(N - 2, 5).map((l) => l.text)).toEqual([`line ${N - 2}`, `line ${N - 1}`]);
    console.log(`LogSink+transcript: ${N} lines in ${ms.toFixed(0)} ms = ${Math.round((N / ms) * 1000)} lines/s`);
  });

  it('redacts once, in front of both the ring and the transcript, per stream', () => {
    const file = path.join(dir, 't.jsonl');
    const redactor = new Redactor();
    redactor.addSecret('pa55word-db');
    const transcript = new Transcript(file, redactor);
    const sink = new LogSink({ transcript, redactor });
    sink.push('stdout', 'db: postgres://u:pa55');
    sink.push('stderr', 'warn: token syt_YWxpY2U_accesstoken0000000001_abcdef\n');
    sink.push('stdout', 'word-db@h/x\n');
    sink.close();
    transcript.close();
    const ring = sink.snapshot(0, 10);
    expect(ring).toEqual([
      { stream: 'stderr', text: `warn: token ${MASK}` },
      { stream: 'stdout', text: `db: postgres://u:${MASK}@h/x` },
    ]);
    expect(fs.readFileSync(file, 'utf8')).not.toMatch(/pa55|syt_/);
  });

  it('masks a private key printed across chunks (state kept per stream)', () => {
    const sink = new LogSink({ redactor: new Redactor() });
    sink.push('stdout', '-----BEGIN OPENSSH PRIV');
    sink.push('stderr', 'unrelated warning\n');
    sink.push('stdout', 'ATE KEY-----\nb3BlbnNzaC1rZXkt\nAAAA');
    sink.push('stdout', 'Mw==\n-----END OPENSSH PRIVATE KEY-----\n');
    expect(sink.snapshot(0, 10).map((l) => l.text)).toEqual([
      'unrelated warning',
      '-----BEGIN OPENSSH PRIVATE KEY-----',
      MASK,
      MASK,
      '-----END OPENSSH PRIVATE KEY-----',
    ]);
    sink.close();
  });

  it('notifies subscribers at most every 100 ms however fast lines arrive', () => {
    // Fake clock: a line every 1 ms for 550 ms, whatever the machine's load (a starved process
    // once saw fewer lines, hence fewer notifications, in 550 real ms).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const sink = new LogSink({ redactor: new Redactor(), notifyMs: 100 });
      const times: number[] = [];
      sink.subscribe(() => times.push(Date.now()));
      const start = Date.now();
      while (Date.now() - start < 550) {
        sink.push('stdout', 'x\n');
        vi.advanceTimersByTime(1);
      }
      vi.advanceTimersByTime(150);
      expect(times.length).toBeGreaterThanOrEqual(3);
      expect(times.length).toBeLessThanOrEqual(7);
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(95);
      expect(times.at(-1)).toBeGreaterThanOrEqual(start + 549); // the last line was told too
      sink.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('flushes a last partial line at the end of a command', () => {
    const sink = new LogSink({ redactor: new Redactor() });
    sink.push('stdout', 'no newline at end');
    expect(sink.total).toBe(0);
    sink.endCommand(null, { code: 0 });
    expect(sink.snapshot(0, 1)[0].text).toBe('no newline at end');
  });

  it('1,000,000 lines: flat memory and no line lost (separate process, measured)', () => {
    const file = path.join(dir, 'million.jsonl');
    const out = execFileSync('node', ['--expose-gc', '--import', 'tsx', 'test/logs/fixtures/sink-million.ts', file, '1000000'], { encoding: 'utf8' });
    const m = JSON.parse(out.trim().split('\n').pop()!);
    expect(m.total).toBe(1_000_000);
    // Heap after 1M lines is no bigger than after 200k (+8 MB slack): the ring, not the run, sets memory.
    expect(m.heapAt['1000000'] - m.heapAt['200000']).toBeLessThan(8 * 1024 * 1024);
    const text = fs.readFileSync(file, 'utf8');
    expect(text.split('\n').filter((l) => l.startsWith('{"out"') || l.startsWith('{"err"')).length).toBe(1_000_000);
    expect(text).not.toContain('hunter2');
    console.log(
      `1M lines: ${m.linesPerSec} lines/s, heap ${(m.heapAt['1000000'] / 1048576).toFixed(1)} MB, RSS ${(m.rssAt['1000000'] / 1048576).toFixed(0)} MB (after 200k: ${(m.rssAt['200000'] / 1048576).toFixed(0)} MB)`,
    );
  });
});

describe('Transcript: batches of lines', () => {
  it('writes one record per line, byte for byte what JSON.stringify gives, whatever the text (property)', () => {
    const file = path.join(dir, 'batch.jsonl');
    const t = new Transcript(file, new Redactor());
    const expected: string[] = [];
    fc.assert(
      fc.property(
        fc.constantFrom('stdout', 'stderr') as fc.Arbitrary<'stdout' | 'stderr'>,
        fc.array(
          fc.string({ unit: 'binary' }).map((s) => s.replaceAll('\n', ' ')),
          { minLength: 1, maxLength: 8 },
        ),
        (stream, lines) => {
          t.redactedLines(stream, lines);
          for (const l of lines) expected.push(`${JSON.stringify(stream === 'stdout' ? { out: l } : { err: l })}\n`);
        },
      ),
      { numRuns: 300 },
    );
    expect(t.lineCount).toBe(expected.length);
    t.close();
    expect(fs.readFileSync(file, 'utf8')).toBe(expected.join(''));
  });
});

describe('Transcript: a write that takes less than asked (a full disk, a signal)', () => {
  it('writes the rest from the byte where the kernel stopped, even inside a multi-byte character', () => {
    const file = path.join(dir, 'short.jsonl');
    const t = new Transcript(file, new Redactor());
    const real = fs.writeSync;
    let first = true;
    // The first write of the batch stops 1 byte into the 2-byte "é" of the first line.
    const spy = vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: string | NodeJS.ArrayBufferView, ...rest: unknown[]) => {
      if (!first) return (real as (...a: unknown[]) => number)(fd, data, ...rest);
      first = false;
      const bytes = Buffer.from(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      const cut = bytes.indexOf(Buffer.from('é')) + 1;
      return real(fd, bytes.subarray(0, cut));
    }) as typeof fs.writeSync);
    try {
      t.redactedLines('stdout', ['café ☕ one', 'two "quoted"', 'three']);
      t.close();
    } finally {
      spy.mockRestore();
    }
    expect(fs.readFileSync(file, 'utf8')).toBe('{"out":"café ☕ one"}\n{"out":"two \\"quoted\\""}\n{"out":"three"}\n');
  });
});

describe('LogSink → transcript: whatever the bytes', () => {
  it('writes exactly the records of the sanitized lines, quotes, backslashes, controls and emoji included (property)', () => {
    const pieces = ['plain ', '"q"', '\\', '\\n', '😀', '\ud800', 'é', '\t', '\u001b[31m', '\r', '\u0085', 'x\n', '\n'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), fc.integer({ min: 1, max: 9 }), (parts, size) => {
        const file = path.join(dir, `p-${Math.random().toString(36).slice(2)}.jsonl`);
        const transcript = new Transcript(file, new Redactor());
        const sink = new LogSink({ transcript, redactor: new Redactor() });
        const text = `${parts.join('')}\n`;
        for (let off = 0; off < text.length; off += size) sink.push('stdout', text.slice(off, off + size));
        sink.close();
        transcript.close();
        // Reference: every line through sanitizeLine on its own, one JSON.stringify record each.
        const expected = text
          .split('\n')
          .slice(0, -1)
          .map(sanitizeLine)
          .map((l) => `${JSON.stringify({ out: l })}\n`)
          .join('');
        expect(fs.readFileSync(file, 'utf8')).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
