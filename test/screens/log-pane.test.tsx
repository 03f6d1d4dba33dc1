import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { LogSink } from '../../source/logs/log-sink.js';
import { Redactor } from '../../source/logs/redact.js';
import { LogPane, wrapLine } from '../../screens/components/log-pane.js';
import { delay, KEY, waitFor } from './helpers.js';

const sinks: LogSink[] = [];
function makeSink(lines: number, capacity = 5000): LogSink {
  const sink = new LogSink({ redactor: new Redactor(), capacity, notifyMs: 20 });
  sinks.push(sink);
  let text = '';
  for (let i = 1; i <= lines; i++) text += `line ${i}\n`;
  sink.push('stdout', text);
  return sink;
}
afterEach(() => { while (sinks.length) sinks.pop()!.close(); });

const rowsOf = (frame: string | undefined) => (frame ?? '').split('\n');

describe('LogPane', () => {
  it('follows the newest lines and never draws more rows than its height', async () => {
    const sink = makeSink(100);
    const { lastFrame, unmount } = render(<LogPane source={sink} height={10} width={50} throttleMs={10} />);
    await waitFor(() => lastFrame()!.includes('line 100'), 'line 100');
    const rows = rowsOf(lastFrame());
    expect(rows).toHaveLength(10);
    expect(rows[7]).toContain('line 100');
    expect(rows[0]).toContain('line 93');
    expect(rows[8]).toContain('following · 100 lines');
    expect(rows[9]).toBe('↑↓ PgUp PgDn scroll  Home oldest  End follow');
    sink.push('stdout', 'line 101\n');
    await waitFor(() => lastFrame()!.includes('line 101'), 'line 101 while following');
    unmount();
  });

  it('scrolls with Up/Down/PgUp/PgDn/Home and End resumes follow', async () => {
    const sink = makeSink(100);
    const { lastFrame, stdin, unmount } = render(<LogPane source={sink} height={10} width={50} throttleMs={10} />);
    await waitFor(() => lastFrame()!.includes('line 100'), 'first frame');
    stdin.write(KEY.pageUp);
    await waitFor(() => lastFrame()!.includes('lines 85–92 of 100'), 'PgUp');
    expect(lastFrame()).not.toContain('line 100');
    stdin.write(KEY.up);
    await waitFor(() => lastFrame()!.includes('lines 84–91 of 100'), 'Up');
    stdin.write(KEY.down);
    await waitFor(() => lastFrame()!.includes('lines 85–92 of 100'), 'Down');
    // New lines arrive while scrolled back: the view stays put.
    sink.push('stdout', 'line 101\n');
    await delay(60);
    expect(lastFrame()).toContain('lines 85–92 of 101');
    stdin.write(KEY.home);
    await waitFor(() => lastFrame()!.includes('lines 1–8 of 101'), 'Home');
    expect(rowsOf(lastFrame())[0]).toContain('line 1');
    stdin.write(KEY.pageDown);
    await waitFor(() => lastFrame()!.includes('lines 9–16 of 101'), 'PgDn');
    stdin.write(KEY.end);
    await waitFor(() => lastFrame()!.includes('following · 101 lines'), 'End');
    expect(lastFrame()).toContain('line 101');
    unmount();
  });

  it('ignores keys when not active (the parent routes them elsewhere)', async () => {
    const sink = makeSink(50);
    const { lastFrame, stdin, unmount } = render(<LogPane source={sink} height={6} width={40} isActive={false} throttleMs={10} />);
    await waitFor(() => lastFrame()!.includes('line 50'), 'first frame');
    stdin.write(KEY.pageUp);
    await delay(50);
    expect(lastFrame()).toContain('following');
    unmount();
  });

  it('marks stderr with a "!" gutter, so it is distinct without colour', async () => {
    const sink = makeSink(0);
    sink.push('stdout', 'normal output\n');
    sink.push('stderr', 'fatal: broken\n');
    const { lastFrame, unmount } = render(<LogPane source={sink} height={5} width={40} throttleMs={10} />);
    await waitFor(() => lastFrame()!.includes('fatal'), 'stderr line');
    expect(lastFrame()).toContain('! fatal: broken');
    expect(lastFrame()).toContain('  normal output');
    unmount();
  });

  it('wraps long lines to the width and keeps the height', async () => {
    const sink = makeSink(0);
    sink.push('stderr', `${'x'.repeat(95)}END\n`);
    const { lastFrame, unmount } = render(<LogPane source={sink} height={8} width={42} throttleMs={10} />);
    await waitFor(() => lastFrame()!.includes('END'), 'wrapped line');
    const rows = rowsOf(lastFrame());
    expect(rows).toHaveLength(8);
    expect(rows.filter((r) => r.startsWith('! x')).length).toBe(3);
    expect(rows.every((r) => r.length <= 42)).toBe(true);
    unmount();
  });

  it('says when older lines left memory (they are in the transcript)', async () => {
    const sink = makeSink(300, 100);
    const { lastFrame, stdin, unmount } = render(<LogPane source={sink} height={6} width={80} throttleMs={10} />);
    await waitFor(() => lastFrame()!.includes('older lines are in the transcript'), 'dropped notice');
    stdin.write(KEY.home);
    await waitFor(() => lastFrame()!.includes('lines 201–'), 'Home goes to the oldest line held');
    unmount();
  });

  it('redraws at most every ~100 ms while 20,000 lines/s stream in', async () => {
    const sink = new LogSink({ redactor: new Redactor(), notifyMs: 1 });
    sinks.push(sink);
    const { frames, unmount } = render(<LogPane source={sink} height={10} width={60} throttleMs={100} />);
    await delay(20);
    const before = frames.length;
    const start = Date.now();
    let n = 0;
    // A fixed amount of input (≥ 1 s of it at 100 lines per 5 ms), not a fixed time: a loaded
    // machine takes longer, and the frame bound follows the time really taken.
    while (n < 20_000 || Date.now() - start < 1000) {
      for (let i = 0; i < 100; i++) sink.push('stdout', `burst ${n++}\n`);
      await delay(5);
    }
    await delay(150);
    const elapsed = Date.now() - start;
    const drawn = frames.length - before;
    expect(drawn).toBeGreaterThanOrEqual(3); // live, even on a loaded machine
    // At most one frame per ~100 ms of the time taken (14 for the usual 1.15 s).
    expect(drawn).toBeLessThanOrEqual(Math.floor(elapsed / 100) + 3);
    unmount();
  });
});

describe('LogPane with no lines yet', () => {
  it('shows an empty pane and ignores scroll keys', async () => {
    const sink = makeSink(0);
    const { lastFrame, stdin, unmount } = render(<LogPane source={sink} height={5} width={50} throttleMs={10} />);
    await delay(10);
    stdin.write(KEY.up);
    stdin.write(KEY.pageUp);
    await delay(30);
    expect(lastFrame()).toContain('following · 0 lines');
    expect(lastFrame()!.split('\n')).toHaveLength(5);
    unmount();
  });
});

describe('wrapLine', () => {
  it('splits by code points, not UTF-16 units', () => {
    expect(wrapLine('😀😀😀', 2)).toEqual(['😀😀', '😀']);
    expect(wrapLine('', 5)).toEqual(['']);
  });
});
