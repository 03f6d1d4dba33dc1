// The log worker (source/logs/log-thread.ts + log-worker.ts) against the in-thread LogSink: the
// same input must give the same transcript, byte for byte but for timestamps, and the same lines
// on screen, with secrets learnt mid-stream masked from then on. The worker only exists compiled,
// so this drives dist/ (test/harness/global-setup.ts builds it before any test).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LogSink, type Log } from '../../source/logs/log-sink.js';
import { Redactor } from '../../source/logs/redact.js';
import { Transcript, type TranscriptWriter } from '../../source/logs/transcript.js';

const dist = path.resolve('dist/source/logs/log-thread.js');
const { openLog, BatchRing } = (await import(pathToFileURL(dist).href)) as typeof import('../../source/logs/log-thread.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-log-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET_EARLY = 'hunter2-early-Secret';
const SECRET_LATE = 'Late-s3cret-value-xyz';

/** One run's worth of engine calls, the same for both logs. */
function drive(log: Log, transcript: TranscriptWriter, redactor: Redactor): void {
  redactor.addSecret(SECRET_EARLY, 'early');
  transcript.note(`starting with ${SECRET_EARLY} known`);
  const id = log.beginCommand({ display: `just run-tags x -e password=${SECRET_EARLY}`, target: 'server', step: 'install' })!;
  const text = [
    'plain line',
    `the early secret ${SECRET_EARLY} in output`,
    '\u001b[32mgreen\u001b[39m and\ttab and \u0007bell',
    'progress 10%\rprogress 50%\rprogress 100%',
    '-----BEGIN OPENSSH PRIVATE KEY-----',
    'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ',
    '-----END OPENSSH PRIVATE KEY-----',
    'client_secret: |',
    '    multi-line-secret-body',
    'after: visible',
    'a "quoted" \\ backslash and ünïcödé and an emoji 🎉',
    'x'.repeat(70_000),
  ].join('\n');
  // Cut everywhere odd: inside escape sequences, surrogate pairs, \r\n, secrets.
  for (let i = 0; i < text.length; ) {
    const n = 1 + ((i * 7919) % 4093);
    log.push('stdout', text.slice(i, i + n));
    i += n;
  }
  log.push('stderr', 'a warning on stderr\r\nwithout end');
  log.info('the wizard says something');
  log.endCommand(id, { code: 0 });
  // A secret learnt only now (e.g. typed by the operator) is masked in everything after.
  redactor.addSecret(SECRET_LATE, 'late');
  const id2 = log.beginCommand({ display: 'mas-cli manage register-user', step: 'users' })!;
  for (let i = 0; i < 3000; i++) log.push('stdout', `line ${i} ${i === 1500 ? SECRET_LATE : 'ordinary'}\n`);
  transcript.note('between lines');
  log.push('stdout', `last partial ${SECRET_LATE}`);
  log.endCommand(id2, { code: 3 });
  transcript.endCommand(transcript.beginCommand({ display: 'a command with no output' }), { code: 0 });
  log.flush();
}

function normalized(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/"at":"[^"]+"/g, '"at":"T"')
    .replace(/"durationMs":\d+/g, '"durationMs":0');
}

describe('the log worker', () => {
  it('writes the same transcript and shows the same lines as the in-thread LogSink', async () => {
    const inThreadRedactor = new Redactor();
    const inThreadFile = path.join(dir, 'main.jsonl');
    const transcript = new Transcript(inThreadFile, inThreadRedactor);
    const sink = new LogSink({ transcript, redactor: inThreadRedactor, capacity: 1000 });
    drive(sink, transcript, inThreadRedactor);

    const workerRedactor = new Redactor();
    const workerFile = path.join(dir, 'worker.jsonl');
    const opened = await openLog({ file: workerFile, redactor: workerRedactor, capacity: 1000, thread: 'worker' });
    expect(opened.log.constructor.name).toBe('LogThread');
    drive(opened.log, opened.transcript, workerRedactor);

    expect(opened.log.total).toBe(sink.total);
    expect(opened.log.first).toBe(sink.first);
    expect(opened.transcript.lineCount).toBe(transcript.lineCount);
    for (const [from, count] of [
      [0, 50],
      [sink.first, 1000],
      [sink.total - 20, 20],
      [sink.total - 1, 5],
      [sink.first + 333, 17],
    ])
      expect(opened.log.snapshot(from, count), `snapshot(${from}, ${count})`).toEqual(sink.snapshot(from, count));

    sink.close();
    transcript.close();
    opened.log.close();
    const written = normalized(workerFile);
    expect(written).toBe(normalized(inThreadFile));
    expect(written).not.toContain(SECRET_EARLY);
    expect(written).not.toContain(SECRET_LATE);
    expect(written).not.toContain('multi-line-secret-body');
    expect(written).not.toContain('b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ');
    expect(written).toContain('line 1499 ordinary');
    expect(written).toContain('"text":"between lines"');
    expect(readFileSync(workerFile).length).toBeGreaterThan(70_000);
  });

  it('writes every line out when the process exits without closing the log', () => {
    const file = path.join(dir, 'exit.jsonl');
    const script = `
      const { openLog } = await import(${JSON.stringify(pathToFileURL(dist).href)});
      const { log } = await openLog({ file: ${JSON.stringify(file)}, thread: 'worker' });
      log.beginCommand({ display: 'cat big' });
      for (let i = 0; i < 50000; i++) log.push('stdout', 'line ' + i + '\\n');
      log.push('stdout', 'no newline at the end');
      process.exit(0);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(out.filter((l) => l.startsWith('{"out":"line ')).length).toBe(50_000);
    expect(out.at(-1)).toBe('{"out":"no newline at the end"}');
  });

  it('refuses a transcript path that is a symbolic link at once, before any output', async () => {
    const target = path.join(dir, 'elsewhere.jsonl');
    writeFileSync(target, '');
    const link = path.join(dir, 'link.jsonl');
    symlinkSync(target, link);
    await expect(openLog({ file: link, thread: 'worker' })).rejects.toThrow(/symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('');
  });

  it('runs in-thread where asked to', async () => {
    const opened = await openLog({ file: path.join(dir, 'main-only.jsonl'), thread: 'main' });
    expect(opened.log.constructor.name).toBe('LogSink');
    opened.log.close();
    opened.transcript.close();
  });
});

describe('BatchRing (the worker log’s display side)', () => {
  const batch = (from: number, n: number, s: 0 | 1 = 0) => ({ s, n, text: Array.from({ length: n }, (_, i) => `l${from + i}`).join('\n') });

  it('keeps at least the last `capacity` lines and reads across batch boundaries', () => {
    const ring = new BatchRing(10);
    let at = 0;
    for (const n of [3, 1, 7, 2, 5]) {
      ring.add(batch(at, n, n % 2 ? 1 : 0));
      at += n;
    }
    expect([ring.total, ring.first]).toEqual([18, 8]);
    expect(ring.snapshot(0, 100).map((l) => l.text)).toEqual(Array.from({ length: 10 }, (_, i) => `l${8 + i}`));
    expect(ring.snapshot(9, 4)).toEqual([
      { stream: 'stderr', text: 'l9' },
      { stream: 'stderr', text: 'l10' },
      { stream: 'stdout', text: 'l11' },
      { stream: 'stdout', text: 'l12' },
    ]);
    expect(ring.snapshot(18, 5)).toEqual([]);
  });

  it('a million one-line batches keep memory bounded', () => {
    const ring = new BatchRing(100);
    for (let i = 0; i < 1_000_000; i++) ring.add(batch(i, 1));
    expect(ring.snapshot(ring.total - 2, 2).map((l) => l.text)).toEqual(['l999998', 'l999999']);
    expect((ring as unknown as { batches: unknown[] }).batches.length).toBeLessThan(3000);
  });
});
