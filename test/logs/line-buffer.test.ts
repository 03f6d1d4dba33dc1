import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter, sanitizeLine, type LineBatch } from '../../source/logs/line-buffer.js';

function split(chunks: string[], max?: number): string[] {
  const out: string[] = [];
  const s = new LineSplitter((b) => out.push(...b.lines), max);
  for (const c of chunks) s.push(c);
  s.end();
  return out;
}

describe('LineSplitter', () => {
  it('splits on \\n and \\r\\n, including a \\r\\n split across two chunks', () => {
    expect(split(['a\r', '\nb\nc\r\nd'])).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps empty lines and a last line without newline', () => {
    expect(split(['x\n\ny'])).toEqual(['x', '', 'y']);
  });

  it('collapses \\r progress updates: the last state wins', () => {
    expect(split(['  10%\r  20%\r', ' 100%\ndone\n'])).toEqual([' 100%', 'done']);
  });

  it('keeps memory bounded for a progress bar that never ends its line', () => {
    const out: string[] = [];
    const s = new LineSplitter((b) => out.push(...b.lines));
    for (let i = 0; i < 100_000; i++) s.push(`\rprogress ${i}`);
    expect((s as unknown as { pending: string }).pending.length).toBeLessThan(40);
    s.end();
    expect(out).toEqual(['progress 99999']);
  });

  it('cuts an endless line at the limit, preferring a separator, and loses no character', () => {
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    const out = split([words], 1024);
    expect(out.length).toBeGreaterThan(1);
    expect(out.every((l) => l.length <= 1024)).toBe(true);
    expect(out.join('')).toBe(words);
    expect(out.slice(0, -1).every((l) => l.endsWith(' '))).toBe(true);
  });

  it('gives the same lines however the input is chunked (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', ' ', '\n', '\r', '\r\n', 'é', '\t')), fc.array(fc.nat(), { maxLength: 8 }), (parts, cuts) => {
        const text = parts.join('');
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const chunks: string[] = [];
        let last = 0;
        for (const p of points) {
          chunks.push(text.slice(last, p));
          last = p;
        }
        chunks.push(text.slice(last));
        expect(split(chunks)).toEqual(split([text]));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('sanitizeLine', () => {
  it.each([
    ['SGR colour', '\u001b[31merror\u001b[0m: bad', 'error: bad'],
    ['cursor movement', 'a\u001b[2Ab\u001b[10;5Hc', 'abc'],
    ['clear screen', '\u001b[2J\u001b[Hhello', 'hello'],
    ['OSC window title', '\u001b]0;pwned\u0007text', 'text'],
    ['OSC 8 hyperlink', '\u001b]8;;https://x\u001b\\link\u001b]8;;\u001b\\', 'link'],
    ['C1 CSI', 'a\u009b2Jb', 'ab'],
    ['bell and backspace', 'a\u0007b\u0008c', 'abc'],
    ['tabs to spaces', 'a\tb', 'a       b'],
    ['unicode passes', 'ünïcødé ✓ 😀', 'ünïcødé ✓ 😀'],
  ])('strips %s', (_n, input, expected) => {
    expect(sanitizeLine(input)).toBe(expected);
  });

  it('never lets an escape or control byte through (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0x200 })).map((cs) => String.fromCharCode(...cs)),
        (s) => {
          expect(sanitizeLine(s)).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('LineSplitter: whole chunks at once', () => {
  it('gives what sanitizeLine gives line by line, controls and escapes or not (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'é', ' ', '\n', '\r', '\t', '\u001b[31m', '\u0007', '\u009b2K', '\u007f', 'x')), (parts) => {
        const text = `${parts.join('')}\n`;
        const expected = text.split('\n').slice(0, -1).map(sanitizeLine);
        expect(split([text])).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('delivers a chunk of many lines as one batch', () => {
    const batches: LineBatch[] = [];
    const s = new LineSplitter((b) => batches.push(b));
    s.push('one\ntwo\nthr');
    s.push('ee "quoted"\n');
    s.push('\u001b[1mbold\u001b[0m\n');
    expect(batches).toEqual([
      { lines: ['one', 'two'], text: 'one\ntwo', jsonSafe: true },
      { lines: ['three "quoted"'], text: 'three "quoted"', jsonSafe: false },
      { lines: ['bold'], text: 'bold', jsonSafe: true },
    ]);
  });
});
