import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretScreen } from '../../screens/setup/secret.js';
import type { SecretChoice } from '../../source/mas/secret.js';
import { KEY, press, ready, waitFor } from './press.js';

const HEX = '0123456789abcdef'.repeat(4);
let app: ReturnType<typeof render> | undefined;
afterEach(() => { app?.unmount(); app = undefined; });

function setup(existing: Parameters<typeof SecretScreen>[0]['existing'] = 'missing') {
  const choices: SecretChoice[] = [];
  let back = 0;
  app = render(<SecretScreen existing={existing} onSubmit={(c) => choices.push(c)} onBack={() => back++} />);
  return { app, choices, back: () => back };
}

describe('secret screen', () => {
  it('offers generate first with its keys shown, and Enter chooses it', async () => {
    const { app, choices } = setup();
    await ready();
    expect(app.lastFrame()).toContain('Generate a new random secret (recommended)');
    expect(app.lastFrame()).toContain('Enter select');
    expect(app.lastFrame()).not.toContain('Keep the existing value');
    app.stdin.write(KEY.enter);
    await waitFor(() => choices.length === 1, 'a choice');
    expect(choices).toEqual([{ kind: 'generate' }]);
  });

  it('a 64-character paste in ONE write arrives whole, masked, and is never shown', async () => {
    const { app, choices } = setup();
    await ready();
    await press(app, KEY.down);
    await press(app, KEY.enter);
    expect(app.lastFrame()).toContain('Secret (hidden)');
    await press(app, HEX);
    const frame = app.lastFrame()!;
    expect(frame).toContain('64/64 characters');
    expect(frame).toContain('✓ valid');
    expect(frame).not.toContain(HEX.slice(0, 8));
    expect(frame).toContain('*'.repeat(64));
    app.stdin.write(KEY.enter);
    await waitFor(() => choices.length === 1, 'the pasted secret');
    expect(choices).toEqual([{ kind: 'paste', value: HEX }]);
  });

  it('a paste that carries its own Enter in the same write still arrives whole', async () => {
    const { app, choices } = setup();
    await ready();
    await press(app, KEY.down);
    await press(app, KEY.enter);
    app.stdin.write(HEX + '\r');
    await waitFor(() => choices.length === 1, 'the paste and its Enter to submit');
    expect(choices).toEqual([{ kind: 'paste', value: HEX }]);
  });

  it('a whole burst in one write (↓ Enter, the secret, Enter) picks "paste" and submits the secret once', async () => {
    const { app, choices } = setup();
    await ready();
    app.stdin.write(KEY.down + KEY.enter + HEX + KEY.enter);
    await waitFor(() => choices.length === 1, 'the secret');
    await new Promise((r) => setTimeout(r, 30)); // deliberate: a chance for a wrong second submit
    expect(choices).toEqual([{ kind: 'paste', value: HEX }]);
  });

  it('a bracketed paste with a trailing newline fills the field but only a typed Enter submits', async () => {
    const { app, choices } = setup();
    await ready();
    await press(app, KEY.down);
    await press(app, KEY.enter);
    await press(app, `\u001b[200~${HEX}\n\u001b[201~`);
    expect(app.lastFrame()).toContain('64/64 characters');
    expect(choices).toEqual([]);
    app.stdin.write(KEY.enter);
    await waitFor(() => choices.length === 1, 'submit');
    expect(choices).toEqual([{ kind: 'paste', value: HEX }]);
  });

  it('says what is wrong with a bad paste (length, position) without echoing it, and submits nothing', async () => {
    const { app, choices } = setup();
    await ready();
    await press(app, KEY.down);
    await press(app, KEY.enter);
    await press(app, HEX.slice(0, 60));
    expect(app.lastFrame()).toContain('length 60, expected exactly 64');
    await press(app, 'zz');
    expect(app.lastFrame()).toContain('non-hex character at position 61');
    await press(app, KEY.enter);
    expect(app.lastFrame()).toContain('✗ Not accepted: a non-hex character at position 61');
    expect(app.lastFrame()).not.toContain(HEX.slice(0, 8));
    expect(choices).toEqual([]);
  });

  it('takes a vault variable reference, and offers to keep an existing !vault value', async () => {
    const { app, choices } = setup('vault');
    await ready();
    expect(app.lastFrame()).toContain('!vault value');
    expect(app.lastFrame()).toContain('Keep the existing value');
    await press(app, KEY.down);
    await press(app, KEY.down);
    await press(app, KEY.down);
    await press(app, KEY.enter);
    await press(app, '{{ vault_matrix_mas }}');
    app.stdin.write(KEY.enter);
    await waitFor(() => choices.length === 1, 'the reference');
    expect(choices).toEqual([{ kind: 'reference', value: '{{ vault_matrix_mas }}' }]);
  });

  it('Esc goes back from a sub-mode, then leaves the screen', async () => {
    const s = setup();
    await ready();
    await press(s.app, KEY.down);
    await press(s.app, KEY.enter);
    await press(s.app, KEY.escape);
    expect(s.app.lastFrame()).toContain('Generate a new random secret');
    s.app.stdin.write(KEY.escape);
    await waitFor(() => s.back() === 1, 'back');
  });
});
