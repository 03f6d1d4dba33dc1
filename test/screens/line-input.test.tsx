import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import { LineInput } from '../../screens/components/line-input.js';
import { delay, KEY, waitFor } from './helpers.js';

async function mount(mask = false) {
  const onSubmit = vi.fn();
  const r = render(<LineInput onSubmit={onSubmit} mask={mask} />);
  await delay(10);
  return { ...r, onSubmit };
}

describe('LineInput (no keystroke lost)', () => {
  it('a 64-char secret pasted in one write arrives whole, shown as 64 stars', async () => {
    const secret = 'Zq8#kLm2$vN9!pQr4&tUw7*yXa1^bCd3(eFg5)hIj6_kLm8+nOp0=qRs2-tUv4xy';
    const { stdin, lastFrame, onSubmit, unmount } = await mount(true);
    stdin.write(secret);
    await waitFor(() => lastFrame()!.includes('*'.repeat(64)), '64 stars');
    expect(lastFrame()).not.toMatch(/[A-Za-z0-9]/);
    stdin.write(KEY.enter);
    await waitFor(() => onSubmit.mock.calls.length === 1, 'submit');
    expect(onSubmit).toHaveBeenCalledWith(secret);
    unmount();
  });

  it('Enter written right after the text (same tick) submits the full text', async () => {
    const { stdin, onSubmit, unmount } = await mount();
    stdin.write('yes');
    stdin.write(KEY.enter);
    await waitFor(() => onSubmit.mock.calls.length === 1, 'submit');
    expect(onSubmit).toHaveBeenCalledWith('yes');
    unmount();
  });

  it('a paste with its own trailing newline submits', async () => {
    const { stdin, onSubmit, unmount } = await mount();
    stdin.write('matrix.example.org\n');
    await waitFor(() => onSubmit.mock.calls.length === 1, 'submit');
    expect(onSubmit).toHaveBeenCalledWith('matrix.example.org');
    unmount();
  });

  it('one key per write, with backspace, gives the edited text', async () => {
    const { stdin, onSubmit, lastFrame, unmount } = await mount();
    for (const k of ['y', 'e', 'p', KEY.backspace, 's']) stdin.write(k);
    await waitFor(() => lastFrame()!.includes('yes'), 'edited');
    stdin.write(KEY.enter);
    await waitFor(() => onSubmit.mock.calls.length === 1, 'submit');
    expect(onSubmit).toHaveBeenCalledWith('yes');
    unmount();
  });

  it('drops escape sequences and control bytes from pasted text', async () => {
    const { stdin, onSubmit, unmount } = await mount();
    stdin.write('ab\u0007c');
    await delay(10);
    stdin.write(KEY.enter);
    await waitFor(() => onSubmit.mock.calls.length === 1, 'submit');
    expect(onSubmit).toHaveBeenCalledWith('abc');
    unmount();
  });
});
