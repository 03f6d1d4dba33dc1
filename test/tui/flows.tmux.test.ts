// The two flows wizard.tmux.test.ts does not drive, run by keys in a real terminal (private
// tmux, 80×24, CI unset, one key per send-keys, polling capture-pane), each on its own lab:
// (1) the NEW-homeserver flow to its summary, the first admin typed at the prompts and then
//     found in the MAS database; (2) the migrate flow on a LEGACY-generation lab (the real
//     @vector-im/syn2mas 0.15.0) through the typed gate to a summary with 6 MAS users.
// Every captured frame must fit the 24 rows.
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, labSql, newLab, readVars, removeLab, type E2E } from '../harness/e2e.js';
import { startTmux, type Tmux } from '../harness/tmux.js';

const ROWS = 24;
let terms: Tmux[] = [];
let labs: E2E[] = [];

afterEach(async () => {
  for (const t of terms) t.kill();
  terms = [];
  for (const e of labs) await removeLab(e).catch(() => undefined);
  labs = [];
});

async function lab(generation: 'current' | 'legacy'): Promise<E2E> {
  const e = await newLab(generation);
  labs.push(e);
  return e;
}

/** The wizard on the lab in `e`, every capture checked: no taller than the terminal, and
 *  when the plan strip shows, the header above it shows too (a frame taller than the terminal
 *  makes Ink clear and lose its top rows). */
function wizard(e: E2E): Tmux & { frames: number; misfits: string[][] } {
  const t = startTmux({ command: ['node', CLI, '--lab'], width: 80, height: ROWS, env: { MAS_WIZARD_STATE_DIR: e.stateDir, HOME: e.stateDir } });
  terms.push(t);
  const checked = Object.assign(t, { frames: 0, misfits: [] as string[][] });
  const capture = t.capture.bind(t);
  checked.capture = () => {
    const screen = capture();
    checked.frames++;
    expect(screen.length).toBeLessThanOrEqual(ROWS);
    if (screen.some((l) => /step \d+ of \d+|all \d+ steps done/.test(l)) && !screen.some((l) => l.startsWith('mas-wizard ·'))) checked.misfits.push(screen);
    return screen;
  };
  return checked;
}

const has = (text: string) => (screen: string[]) => screen.some((l) => l.includes(text));
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const count = (screen: string[], text: string) => screen.join('\n').split(text).length - 1;

async function key(t: Tmux, k: string, then: string, timeoutMs = 15_000): Promise<string[]> {
  t.send(k);
  return t.waitFor(has(then), `"${then}" after ${k}`, timeoutMs);
}

/** Types `text` one character per send-keys (no tmux-special characters such as ';' in it). */
function type(t: Tmux, text: string): void {
  for (const ch of text) t.send(ch);
}

/** Secret, URL and providers (converted from Synapse's OIDC, accepted, Done, diff written). */
async function secretUrlProviders(t: Tmux, afterDiff: string): Promise<void> {
  await t.waitFor(has('MAS encryption secret'), 'the secret question', 30_000);
  await key(t, 'Enter', 'Write this change to vars.yml?');
  await key(t, 'y', 'Where MAS is served');
  // No pause between the two Enters: the URL screen must not lose a key sent right after a
  // redraw (3ea707c; wizard.tmux.test.ts still waits there).
  await key(t, 'Enter', '❯ Path prefix');
  await key(t, 'Enter', 'Upstream login providers (optional)');
  await key(t, 'Enter', 'a accept');
  await key(t, 'a', 'Done: write 1 provider');
  for (let i = 0; i < 6 && !has('❯ Done')(t.capture()); i++) {
    t.send('Down');
    await pause(100);
  }
  await key(t, 'Enter', 'Upstream login providers — change to vars.yml');
  await key(t, 'y', afterDiff, 60_000);
}

describe('mas-wizard --lab: the other flows in a real 80×24 terminal', () => {
  it('new homeserver: by keys to the summary, the first admin typed in and registered in MAS', async () => {
    const e = await lab('current');
    // A new homeserver has no accounts yet (the lab seeds some: the flow refuses those).
    labSql(e, 'synapse', 'DELETE FROM user_external_ids; DELETE FROM user_threepids; DELETE FROM users');
    const t = wizard(e);
    const choice = await t.waitFor(has('What do you want to do on example.org?'), 'the flow choice', 30_000);
    expect(choice.join('\n')).toContain('❯ Migrate an existing Synapse to MAS'); // the default
    await key(t, 'Down', '❯ Set up MAS on a new homeserver');
    await key(t, 'Enter', 'MAS encryption secret', 30_000);
    await secretUrlProviders(t, 'Enable MAS — change to vars.yml');
    await key(t, 'y', 'Username (localpart) of the first administrator', 60_000);
    type(t, 'admin');
    await t.waitFor(has('› admin'), 'the typed username');
    await key(t, 'Enter', 'Password for admin');
    // A weak password is refused on the spot with MAS's rule, and nothing is registered.
    type(t, 'password1');
    await t.waitFor(has('*********'), 'the masked weak password');
    const refused = await key(t, 'Enter', 'Not accepted:');
    expect(refused.join('\n')).toMatch(/Not accepted: MAS refuses weak passwords \(zxcvbn score below 3\)/);
    expect(refused.join('\n')).toContain('step 7 of 7: First admin — running');
    expect(count(refused, 'Ctrl+C quit')).toBe(1); // one hint row, not the prompt's and the App's
    expect(labSql(e, 'matrix_authentication_service', 'SELECT count(*) FROM users')).toEqual([['0']]);
    const password = 'correct-Horse-battery-staple-42';
    type(t, password);
    await t.waitFor(has('*'.repeat(password.length)), 'the masked password');
    expect(t.capture().join('\n')).not.toContain(password);
    await key(t, 'Enter', 'Every step is done.', 60_000);
    const summary = t.capture().join('\n');
    expect(summary).toContain('new homeserver');
    expect(summary).toContain('all 7 steps done');
    expect(summary).toMatch(/MAS users: 1\b/);
    expect(summary).toContain('Admins: admin');
    expect(summary).not.toContain(password);
    await key(t, 'Enter', 'EXITED rc=0');
    expect(labSql(e, 'matrix_authentication_service', 'SELECT username, can_request_admin FROM users')).toEqual([['admin', 't']]);
    expect(readVars(e).matrix_authentication_service_enabled).toBe(true);
    expect(t.misfits).toEqual([]);
    expect(t.frames).toBeGreaterThan(15);
  }, 120_000);

  it('legacy migrate: by keys through the typed gate to a summary with 6 MAS users (real syn2mas 0.15.0)', async () => {
    const e = await lab('legacy');
    // The legacy tool's real run dies on phone numbers: the operator removes them first (as the
    // prerequisites tell them to; migrate-legacy.test.ts proves that refusal).
    labSql(e, 'synapse', "DELETE FROM user_threepids WHERE medium <> 'email'");
    const t = wizard(e);
    await t.waitFor(has('What do you want to do on example.org?'), 'the flow choice', 30_000);
    await key(t, 'Enter', 'MAS encryption secret', 30_000);
    await secretUrlProviders(t, 'Enable MAS in migration mode');
    // mark-migration, install (MAS starts and writes its providers to its database, as the real
    // MAS does), backup, the legacy check and the dry run run; then the cut-over diff before the gate.
    await key(t, 'y', 'Cut over: MAS handles logins', 90_000);
    const gate = (await key(t, 'y', 'CANNOT BE UNDONE', 30_000)).join('\n');
    expect(gate).toContain('step 10 of 14: Migrate — not started');
    expect(gate).toContain('$ just run-tags matrix-authentication-service-syn2mas');
    expect(gate).toContain('Type the server name (example.org)');
    expect(count(gate.split('\n'), 'Ctrl+C quit')).toBe(1);
    expect(labSql(e, 'matrix_authentication_service', 'SELECT count(*) FROM users')).toEqual([['0']]);
    type(t, 'example.org');
    await t.waitFor(has('› example.org'), 'the typed name');
    await key(t, 'Enter', 'Every step is done.', 90_000);
    const summary = t.capture().join('\n');
    expect(summary).toContain('all 14 steps done');
    expect(summary).toContain('legacy playbook');
    expect(summary).toMatch(/Synapse users: 6\s+MAS users: 6\b/);
    expect(summary).toContain('Admins: alice, ops');
    await key(t, 'Enter', 'EXITED rc=0');
    const mas = labSql(e, 'matrix_authentication_service', 'SELECT username, can_request_admin FROM users ORDER BY 1').map(([n, a]) => `${n} ${a}`);
    expect(mas).toEqual(['alice t', 'bob f', 'carol f', 'dave f', 'erin f', 'ops t']);
    expect(t.misfits).toEqual([]);
    expect(t.frames).toBeGreaterThan(20);
  }, 150_000);
});
