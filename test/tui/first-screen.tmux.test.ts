// The first screen in a real terminal (private tmux, 100×30) on the wizard's own lab, whose
// Synapse has users: "Set up MAS on a new homeserver" says at once that it is not for this
// server and why (the count of users); chosen anyway, the wizard says so and asks again,
// before any step runs (it used to fail later, in the prerequisites).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { wizardTerminals } from '../harness/tmux.js';

const _CLI = path.resolve('dist/source/cli.js');
const terminals = wizardTerminals('first');

const joined = (screen: string[]) => screen.map((l) => l.trim()).join(' ');
const has = (text: string) => (screen: string[]) => joined(screen).includes(text);

describe('the flow choice on a Synapse that has users', () => {
  it('"new homeserver" names the user count, and choosing it asks again instead of starting', async () => {
    const stateDir = terminals.stateDir();
    const t = terminals.open(stateDir);
    // The question comes first (before connecting); the count revises it on the same screen.
    await t.waitFor(has('What do you want to do on example.org?'), 'the flow choice', 60_000);
    const first = await t.waitFor(has('Set up MAS on a new homeserver (not for this server: 6 users)'), 'the user count on the first screen', 30_000);
    expect(joined(first)).toContain('Not for this server: Synapse already has 6 users');
    t.send('Down');
    await t.waitFor(has('❯ Set up MAS on a new homeserver'), 'the highlight on "new"');
    t.send('Enter');
    // The narrated reason goes above the frame (into the scrollback when the frame is tall).
    const withHistory = () => t.raw(['capture-pane', '-p', '-S', '-100', '-t', 'app']).split('\n');
    const reason = '"Set up MAS on a new homeserver": Not for this server: Synapse already has 6 users';
    const start = Date.now();
    while (!has(reason)(withHistory())) {
      if (Date.now() - start > 10_000) throw new Error(`no narrated reason; terminal:\n${withHistory().join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const again = await t.waitFor(has('❯ Migrate an existing Synapse to MAS'), 'the question again, on Migrate');
    expect(joined(again)).toContain('What do you want to do on example.org?');
    // Nothing started: the plan was not created yet.
    const plans = path.join(stateDir, 'plans');
    expect(existsSync(plans) ? readdirSync(plans).filter((f) => f.endsWith('.json')) : []).toEqual([]);
  }, 180_000);
});
