// The one input layer (screens/components/keys.ts): what a terminal sends in one read — a
// burst of keys, a paste with its Enter, a bracketed paste — reaches the screens key by key.
import { useState } from 'react';
import { render } from 'ink-testing-library';
import { Text } from 'ink';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createKeyReader, PASTE_END, PASTE_START, useKeys } from '../../screens/components/keys.js';
import { LineInput } from '../../screens/components/line-input.js';
import { SelectList } from '../../screens/components/select-list.js';
import { delay, KEY, waitFor } from './helpers.js';

let app: ReturnType<typeof render> | undefined;
afterEach(() => { app?.unmount(); app = undefined; });
const HEX = 'c0ffee0123456789abcdef0123456789abcdef0123456789abcdef0123456789';
const ITEMS = ['alpha', 'bravo', 'charlie', 'delta', 'echo'].map((v) => ({ label: v, value: v }));

describe('key reader: one key per event, pastes joined', () => {
  it('splits a text run with Enter and control keys, keeping the printable text together', () => {
    const r = createKeyReader();
    const keys = r.push(`${HEX}\r\u0015x\u007f\t`);
    expect(keys.map((k) => [k.input, k.key.return, k.key.ctrl, k.key.backspace, k.key.tab])).toEqual([
      [HEX, false, false, false, false], ['', true, false, false, false], ['u', false, true, false, false],
      ['x', false, false, false, false], ['', false, false, true, false], ['', false, false, false, true],
    ]);
  });

  it('names the escape sequences a terminal sends for the keys the screens use', () => {
    const r = createKeyReader();
    const one = (seq: string) => r.push(seq)[0].key;
    expect(one('\u001b[A').upArrow).toBe(true);
    expect(one('\u001bOB').downArrow).toBe(true);
    expect(one('\u001b[5~').pageUp).toBe(true);
    expect(one('\u001b[Z')).toMatchObject({ tab: true, shift: true });
    expect(one('\u001b[1;5C')).toMatchObject({ rightArrow: true, ctrl: true });
    expect(one('\u001b')).toMatchObject({ escape: true });
  });

  it('joins a bracketed paste spread over several reads into one paste key, newlines and all', () => {
    const r = createKeyReader();
    expect(r.push(PASTE_START)).toEqual([]);
    expect(r.push('abc\r')).toEqual([]);
    expect(r.push('def')).toEqual([]);
    const [k] = r.push(PASTE_END);
    expect(k.input).toBe('abc\rdef');
    expect(k.key.paste).toBe(true);
    expect(k.key.return).toBe(false);
  });
});

describe('a burst in one write reaches the screen key by key', () => {
  it('↓↓↓ and Enter in one write select the fourth item (ink-select-input selected the first)', async () => {
    const onSelect = vi.fn();
    app = render(<SelectList items={ITEMS} onSelect={onSelect} />);
    await delay(20);
    app.stdin.write(KEY.down + KEY.down + KEY.down + KEY.enter);
    await waitFor(() => onSelect.mock.calls.length > 0, 'a selection');
    expect(onSelect.mock.calls).toEqual([['delta']]);
    expect(app.lastFrame()).toContain('❯ delta');
  });

  it('a pasted 64-hex secret with its Enter in one write submits the secret, without the \\r', async () => {
    const onSubmit = vi.fn();
    app = render(<LineInput mask onSubmit={onSubmit} />);
    await delay(20);
    app.stdin.write(HEX + KEY.enter);
    await waitFor(() => onSubmit.mock.calls.length > 0, 'submit');
    expect(onSubmit.mock.calls).toEqual([[HEX]]);
  });

  it('an Enter that opens a text field does not reach it; the text after it does', async () => {
    const got: string[] = [];
    function Flow() {
      const [open, setOpen] = useState(false);
      useKeys((_i, key) => { if (key.return && !open) setOpen(true); });
      return open ? <LineInput onSubmit={(v) => got.push(v)} /> : <Text>press Enter</Text>;
    }
    app = render(<Flow />);
    await delay(20);
    app.stdin.write(`${KEY.enter}yes${KEY.enter}`);
    await waitFor(() => got.length > 0, 'the field to submit');
    await delay(30);
    expect(got).toEqual(['yes']);
  });

  it('two letters in one write are text, not two one-letter commands', async () => {
    const seen: string[] = [];
    function Keys() { useKeys((input) => seen.push(input)); return <Text>keys</Text>; }
    app = render(<Keys />);
    await delay(20);
    app.stdin.write('yn');
    app.stdin.write('q');
    await waitFor(() => seen.length === 2, 'two keys');
    expect(seen).toEqual(['yn', 'q']);
  });
});
