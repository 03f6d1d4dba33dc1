import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyHints } from '../../screens/components/key-hints.js';
import { StatusBadge, type BadgeKind } from '../../screens/components/status-badge.js';
import { colorEnabled, tint } from '../../screens/components/theme.js';

const saved = process.env.NO_COLOR;
afterEach(() => { if (saved === undefined) delete process.env.NO_COLOR; else process.env.NO_COLOR = saved; });

describe('theme', () => {
  it('NO_COLOR set to anything non-empty turns colour off; empty or unset leaves it on', () => {
    expect(colorEnabled({ NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ NO_COLOR: '' })).toBe(true);
    expect(colorEnabled({})).toBe(true);
    process.env.NO_COLOR = '1';
    expect(tint('red')).toBeUndefined();
    delete process.env.NO_COLOR;
    expect(tint('red')).toBe('red');
  });
});

describe('StatusBadge', () => {
  it.each<[BadgeKind, string]>([
    ['ok', '✓ succeeded'], ['fail', '✗ failed'], ['warn', '⚠ warning'], ['unknown', '? outcome unknown'],
    ['running', '… running'], ['cancelled', '⊘ cancelled'], ['pending', '· not started'],
  ])('%s reads "%s" without colour', (kind, text) => {
    process.env.NO_COLOR = '1';
    const { lastFrame, unmount } = render(<StatusBadge kind={kind} />);
    expect(lastFrame()).toBe(text);
    unmount();
  });

  it('every kind has a distinct symbol (meaning survives monochrome)', () => {
    const kinds: BadgeKind[] = ['ok', 'fail', 'warn', 'unknown', 'running', 'cancelled', 'info', 'pending'];
    const symbols = kinds.map((k) => { const r = render(<StatusBadge kind={k} />); const s = r.lastFrame()!.split(' ')[0]; r.unmount(); return s; });
    expect(new Set(symbols).size).toBe(kinds.length);
  });
});

describe('KeyHints', () => {
  it('renders keys and actions on one row, truncated rather than wrapped', () => {
    const { lastFrame, unmount } = render(<KeyHints hints={[['Enter', 'next'], ['q', 'quit']]} />);
    expect(lastFrame()).toBe('Enter next  q quit');
    unmount();
  });
});
