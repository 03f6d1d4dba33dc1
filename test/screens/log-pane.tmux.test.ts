// REAL terminal: the log pane demo in tmux at 80x24 while 100,000 lines stream in.
import { afterEach, describe, expect, it } from 'vitest';
import { startTmux, type Tmux } from '../harness/tmux.js';

let term: Tmux | null = null;
afterEach(() => {
  term?.kill();
  term = null;
});

describe('log pane in a real 80x24 terminal (tmux)', () => {
  it('streams 100k lines inside 24 rows, scrolls back with PgUp/Up/Home, End follows again', async () => {
    term = startTmux({
      command: ['node', '--import', 'tsx', 'test/screens/fixtures/log-pane-demo.tsx'],
      width: 80,
      height: 24,
      env: { DEMO_LINES: '100000', DEMO_BATCH: '1000' },
    });
    // While streaming: the title row stays on top and nothing ever scrolls off the terminal.
    let screen = await term.waitFor((s) => s[0] === 'log pane demo' && s.some((l) => /following · [\d,]+ lines/.test(l)), 'first frame', 20_000);
    const seen = new Set<string>();
    while (!screen.some((l) => l.includes('stream done'))) {
      expect(screen[0]).toBe('log pane demo');
      expect(term.historySize()).toBe(0);
      expect(screen.every((l) => l.length <= 80)).toBe(true);
      seen.add(screen.find((l) => l.includes('following')) ?? '');
      screen = await term.waitFor(() => true, 'next frame');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen.size).toBeGreaterThan(1); // it was live, not one frame at the end
    screen = await term.waitFor((s) => s.some((l) => l.includes('following · 100,001 lines')), 'all lines counted');
    expect(screen).toHaveLength(24);
    expect(screen[23]).toBe(''); // Ink keeps its frame one row shorter than the terminal
    expect(screen[20]).toContain('stream done');
    expect(screen.some((l) => l.startsWith('! warning at line 100000'))).toBe(true);
    expect(screen[22]).toBe('↑↓ PgUp PgDn scroll  Home oldest  End follow');

    term.send('PageUp');
    screen = await term.waitFor((s) => s.some((l) => l.includes('scrolled back')), 'PgUp');
    expect(screen.some((l) => l.includes('stream done'))).toBe(false);
    const afterPgUp = screen.find((l) => l.includes('scrolled back'))!;
    term.send('Up');
    screen = await term.waitFor((s) => s.some((l) => l.includes('scrolled back') && l !== afterPgUp), 'Up');
    term.send('Home');
    screen = await term.waitFor((s) => s.some((l) => /lines 95,00\d–/.test(l)), 'Home = oldest line held (ring of 5,000)');
    expect(screen[21]).toContain('of 100,001');
    term.send('End');
    screen = await term.waitFor((s) => s.some((l) => l.includes('following · 100,001 lines')), 'End follows');
    expect(screen[20]).toContain('stream done');
    expect(term.historySize()).toBe(0);

    term.send('q');
    await term.waitFor((s) => s.some((l) => l.includes('EXITED rc=0')), 'clean exit');
  });
});
