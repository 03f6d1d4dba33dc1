// The real wizard in a real terminal (private tmux, 80×24, CI unset), on its own practice
// lab (own MAS_WIZARD_STATE_DIR), driven one key at a time:
// (a) the whole migrate flow through the typed gate to the summary, the live frame never
//     taller than the terminal; (b) quit at the providers question (exit 130), start again,
//     land on the same step.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Tmux, wizardTerminals } from '../harness/tmux.js';

const _CLI = path.resolve('dist/source/cli.js');
const ROWS = 24;
const terminals = wizardTerminals('tui', 80, ROWS);

function wizard(stateDir: string): Tmux & { frames: number; misfits: string[][] } {
  const t = terminals.open(stateDir);
  // Every screen polled is checked: when the plan strip is on screen, the header row above it
  // must be too — a frame taller than the terminal makes Ink clear and lose its top rows.
  const checked = Object.assign(t, { frames: 0, misfits: [] as string[][] });
  const capture = t.capture.bind(t);
  checked.capture = () => {
    const screen = capture();
    checked.frames++;
    expect(screen.length).toBeLessThanOrEqual(ROWS);
    if (screen.some((l) => /step \d+ of 14|all 14 steps done/.test(l)) && !screen.some((l) => l.startsWith('mas-wizard ·'))) checked.misfits.push(screen);
    return screen;
  };
  return checked;
}

const has = (text: string) => (screen: string[]) => screen.some((l) => l.includes(text));

const newStateDir = () => terminals.stateDir();

async function key(t: Tmux, k: string, then: string, timeoutMs = 15_000): Promise<string[]> {
  t.send(k);
  return t.waitFor(has(then), `"${then}" after ${k}`, timeoutMs);
}

/** From the flow choice to the providers question: prerequisites, secret, url. */
async function upToProviders(t: Tmux): Promise<void> {
  await t.waitFor(has('What do you want to do on example.org?'), 'the flow choice', 30_000);
  await key(t, 'Enter', 'Accept this warning and go on?', 20_000);
  await key(t, 'y', 'ready: nothing blocks');
  await key(t, 'Enter', 'MAS encryption secret');
  await key(t, 'Enter', 'Write this change to vars.yml?');
  await key(t, 'y', 'Where MAS is served');
  await key(t, 'Enter', '❯ Path prefix');
  await key(t, 'Enter', 'Upstream login providers (optional)');
}

describe('mas-wizard --lab in a real 80×24 terminal', () => {
  it('runs the whole migrate flow by keys, through the typed gate, to a summary with 6 MAS users', async () => {
    const t = wizard(newStateDir());
    const started = Date.now();
    await t.waitFor((s) => s.some((l) => l.trim() !== ''), 'the first frame', 10_000);
    const firstFrameMs = Date.now() - started;
    await upToProviders(t);
    expect(t.capture().some((l) => /✔✔✔▶·{10} {2}step 4 of 14: Login providers — running/.test(l))).toBe(true);
    await key(t, 'Enter', 'a accept'); // convert from Synapse OIDC and review
    await key(t, 'a', 'Done: write 1 provider');
    // One Down at a time, each awaited on screen: the list wraps, so Downs sent ahead of a slow
    // frame would pass "Done" by.
    for (let i = 0; i < 6 && !has('❯ Done')(t.capture()); i++) {
      const at = t.capture().find((l) => l.includes('❯'));
      t.send('Down');
      await t.waitFor((s) => s.find((l) => l.includes('❯')) !== at, 'the cursor to move down');
    }
    await key(t, 'Enter', 'Upstream login providers — change to vars.yml');
    await key(t, 'y', 'Enable MAS in migration mode');
    // install, backup, the syn2mas check (its phone-number warning was accepted in the prerequisites:
    // not asked again) and the dry run run; then the cut-over diff, approved before the gate.
    await key(t, 'y', 'Cut over: MAS handles logins', 60_000);
    await key(t, 'y', 'CANNOT BE UNDONE', 60_000);
    const gate = t.capture();
    expect(gate.join('\n')).toContain('$ just run-tags matrix-authentication-service-mas-cli-syn2mas');
    expect(gate.join('\n')).toContain('Type the server name (example.org)');
    expect(gate.join('\n')).toMatch(/Dry run: 6 users/);
    for (const ch of 'example.org') t.send(ch);
    await t.waitFor(has('› example.org'), 'the typed name');
    // After the server name, no prompt until the summary: Synapse is down in between.
    await key(t, 'Enter', 'Every step is done.', 60_000);
    const summary = t.capture().join('\n');
    expect(summary).toContain('all 14 steps done');
    expect(summary).toMatch(/MAS users: 6\b/);
    expect(summary).toContain('Admins: alice, ops');
    // Narration went above the live frame (<Static>), into the terminal's scrollback.
    expect(t.historySize()).toBeGreaterThan(0);
    await key(t, 'Enter', 'EXITED rc=0');
    expect(t.misfits).toEqual([]);
    expect(t.frames).toBeGreaterThan(20);
    console.log(`first frame after ${firstFrameMs} ms (tmux start included)`);
  }, 180_000);

  it('quit at the providers question exits 130; starting again lands on the same step', async () => {
    const dir = newStateDir();
    const t = wizard(dir);
    await upToProviders(t);
    await key(t, 'C-c', 'Quit the wizard?');
    expect(t.capture().join('\n')).toContain('Run mas-wizard again to continue from this step.');
    await key(t, 'y', 'EXITED rc=130');
    expect(t.capture().join('\n')).toContain('run `mas-wizard --lab` again to continue');

    const again = wizard(dir);
    const screen = await again.waitFor(has('Upstream login providers (optional)'), 'the providers question again', 30_000);
    expect(screen.some((l) => l.includes('step 4 of 14: Login providers'))).toBe(true);
    expect(screen.some((l) => l.startsWith('✔✔✔▶'))).toBe(true);
    expect(has('What do you want to do')(screen)).toBe(false);
    await key(again, 'C-c', 'Quit the wizard?');
    await key(again, 'y', 'EXITED rc=130');
    expect([...t.misfits, ...again.misfits]).toEqual([]);
  }, 120_000);
});
