// Pasting the MAS encryption secret in a real terminal (private tmux, 100×30, CI unset) on the
// wizard's own lab: as a plain burst with its Enter in the same write (what a terminal without
// bracketed paste, or a fast typist's tool, sends), and as a bracketed paste ending in a newline
// (tmux paste-buffer -p marks it only when the wizard asked the terminal for bracketed paste).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Tmux, wizardTerminals } from '../harness/tmux.js';

const _CLI = path.resolve('dist/source/cli.js');
const HEX = '0123456789abcdef'.repeat(4);
const terminals = wizardTerminals('paste');

const has = (text: string) => (screen: string[]) =>
  screen
    .map((l) => l.trim())
    .join(' ')
    .includes(text);

/** The wizard on a fresh lab, at the secret screen with "Paste a secret" chosen. */
async function atPasteField(): Promise<{ t: Tmux }> {
  const t = terminals.open(terminals.stateDir());
  const key = async (k: string, then: string, ms = 30_000) => {
    t.send(k);
    await t.waitFor(has(then), `"${then}" after ${k}`, ms);
  };
  await t.waitFor(has('What do you want to do on example.org?'), 'the flow choice', 60_000);
  await key('Enter', 'Accept this warning and go on?');
  await key('y', 'ready: nothing blocks');
  await key('Enter', 'MAS encryption secret');
  await key('Down', '❯ Paste a secret');
  await key('Enter', 'Secret (hidden)');
  return { t };
}

describe('the secret pasted in a real terminal', () => {
  it('64 hex characters and Enter in ONE write reach the vars.yml diff, with no second Enter', async () => {
    const { t } = await atPasteField();
    t.raw(['send-keys', '-t', 'app', '-l', `${HEX}\r`]);
    const screen = await t.waitFor(has('Write this change to vars.yml?'), 'the diff after the paste', 30_000);
    expect(screen.join('\n')).not.toContain(HEX.slice(0, 16));
  }, 180_000);

  it('a bracketed paste ending in a newline fills the field without submitting; Enter then submits', async () => {
    const { t } = await atPasteField();
    t.raw(['set-buffer', `${HEX}\n`]);
    t.raw(['paste-buffer', '-p', '-t', 'app']);
    await t.waitFor(has('64/64 characters'), 'the pasted secret counted', 10_000);
    // Deliberate: a chance for the paste's newline to submit wrongly (nothing to wait for).
    await new Promise((r) => setTimeout(r, 300));
    expect(t.capture().join('\n')).toContain('Secret (hidden)');
    t.send('Enter');
    await t.waitFor(has('Write this change to vars.yml?'), 'the diff after Enter', 30_000);
  }, 180_000);
});
