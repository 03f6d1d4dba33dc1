// The App's pieces under ink-testing-library, fed by a real PromptIO (the engine's store);
// the engine's actions (retry/quit/finish/DNS) are recorded instead of run — the real engine
// is driven end to end in wizard.tmux.test.ts.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../screens/app/app.js';
import { PromptIO } from '../../source/flow/prompt-io.js';
import { createPlan } from '../../state/reducer.js';
import type { Plan } from '../../state/plan.js';
import type { StepId } from '../../state/steps.js';
import { KEY, press, ready, waitFor } from '../screens-setup/press.js';

let app: ReturnType<typeof render> | undefined;
afterEach(() => { app?.unmount(); app = undefined; });

const at = '2026-01-01T00:00:00.000Z';
/** A plan as the screens see it: statuses set directly (the reducer's records are not the point here). */
function plan(done: StepId[], running?: StepId): Plan {
  const p = createPlan({ id: 'p1', flow: 'migrate', serverName: 'example.org', host: 'matrix.example.org', generation: 'current', at });
  return { ...p, steps: p.steps.map((s) => ({ ...s, status: done.includes(s.id) ? 'succeeded' : s.id === running ? 'running' : 'pending' })) };
}

function setup(io = new PromptIO()) {
  const calls = { quit: 0, finish: 0, retry: 0 };
  const engine = {
    io,
    quit: () => { calls.quit++; },
    finish: () => { calls.finish++; },
    retry: () => { calls.retry++; },
    checkDns: async () => ({ status: 'default' as const }),
  };
  app = render(<App engine={engine as never} />);
  return { io, calls };
}

const frame = () => app!.lastFrame() ?? '';

describe('wizard App', () => {
  it('shows the whole plan as symbols and the current step in words; s opens the full list', async () => {
    const { io } = setup();
    io.setPlan(plan(['prerequisites', 'secret'], 'url'));
    io.setPhase('running');
    await waitFor(() => frame().includes('step 3 of 14'), 'the strip');
    expect(frame()).toContain('✔✔▶···········  step 3 of 14: Public URL — running');
    expect(frame()).toContain('mas-wizard · migrate to MAS · example.org · current playbook');
    expect(frame()).toMatch(/s all steps.*q quit/);
    await press(app!, 's');
    expect(frame()).toContain('✔ done');
    expect(frame()).toMatch(/❯ {2}3 ▶ running +Public URL/);
    expect(frame()).toContain('Migrate [cannot be undone]');
    expect(frame()).toContain('· not started');
    await press(app!, KEY.escape);
    expect(frame()).not.toContain('not started ');
  });

  it('q asks before quitting; n stays, y quits; a long step is said to keep running on the server', async () => {
    const { io, calls } = setup();
    io.setPlan(plan(['prerequisites', 'secret', 'url', 'providers', 'mark-migration'], 'install'));
    io.setPhase('running');
    await ready();
    await press(app!, 'q');
    expect(frame()).toContain('Quit the wizard?');
    expect(frame()).toContain('"Install MAS" keeps running on the server');
    expect(frame()).toContain('Run mas-wizard again to re-attach');
    await press(app!, 'n');
    expect(frame()).not.toContain('Quit the wizard?');
    expect(calls.quit).toBe(0);
    await press(app!, 'q');
    app!.stdin.write('y');
    await waitFor(() => calls.quit === 1, 'quit');
  });

  it('a yes/no question answers the step with y, n or the default on Enter', async () => {
    const { io } = setup();
    io.setPlan(plan(['prerequisites']));
    const asked = io.confirm({ key: 'accept: syn2mas.warnings', question: 'Accept this syn2mas warning?', defaultYes: false });
    await waitFor(() => frame().includes('Accept this syn2mas warning?'), 'the question');
    expect(frame()).toContain('[y/N]');
    await ready();
    app!.stdin.write(KEY.enter);
    expect(await asked).toBe(false);
  });

  it('the flow choice explains each flow in a sentence; ↓ Enter picks the other', async () => {
    const { io } = setup();
    const { FLOW_CHOICES } = await import('../../source/commands/wizard.js');
    const asked = io.select({ key: 'mode', question: 'What do you want to do on example.org?', choices: FLOW_CHOICES, initial: 'migrate' });
    await waitFor(() => frame().includes('What do you want to do'), 'the choice');
    expect(frame()).toContain('Migrate an existing Synapse to MAS: Moves every user');
    expect(frame()).toContain('Set up MAS on a new homeserver: Installs MAS');
    await ready();
    await press(app!, KEY.down);
    app!.stdin.write(KEY.enter);
    expect(await asked).toBe('new');
  });

  it('on a Synapse with 6 users, "new homeserver" says on the first screen why it is not for this server', async () => {
    const { io } = setup();
    const { flowChoices, notForNew } = await import('../../source/commands/wizard.js');
    expect(notForNew(0)).toBeNull();
    expect(notForNew(null)).toBeNull();
    const asked = io.select({ key: 'mode', question: 'What do you want to do on example.org?', choices: flowChoices(6), initial: 'migrate' });
    await waitFor(() => frame().includes('What do you want to do'), 'the choice');
    const text = frame().replace(/\s+/g, ' ');
    expect(text).toContain('Set up MAS on a new homeserver (not for this server: 6 users)');
    expect(text).toContain('Not for this server: Synapse already has 6 users, and nothing would move them to MAS');
    await ready();
    app!.stdin.write(KEY.enter);
    expect(await asked).toBe('migrate');
  });

  it('a long syn2mas warning is asked whole and wrapped at word boundaries ("not supported by MA" was cut before)', async () => {
    const { io } = setup();
    const { warningQuestion } = await import('../../source/flow/steps/syn2mas.js');
    // The real text (reference/real-outputs.md: non-email 3PIDs), 129 characters.
    const text = 'Synapse database contains 1 non-email 3PIDs (probably phone numbers), which will be migrated but are not supported by MAS.';
    void io.confirm({ key: 'accept: syn2mas.warnings', question: warningQuestion({ text }) });
    await waitFor(() => frame().includes('Accept this syn2mas warning'), 'the question');
    const rows = frame().split('\n');
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(100);
    // Every word of the warning is on the screen whole: no row ends or starts inside a word.
    const words = rows.join(' ').split(/\s+/);
    for (const word of `"${text}"`.split(' ')) expect(words).toContain(word);
  });

  it('a vars.yml diff is shown with its signs, scrolls, and only y writes it', async () => {
    const { io } = setup();
    io.setPlan(plan([]));
    const diff = ['--- a/vars.yml', '+++ b/vars.yml', '@@ -1,2 +1,40 @@', ...Array.from({ length: 40 }, (_, i) => `+key_${i}: ${i}`)].join('\n');
    const asked = io.reviewDiff({ key: 'providers', title: 'Upstream login providers', diff });
    await waitFor(() => frame().includes('Write this change to vars.yml?'), 'the diff');
    expect(frame()).toContain('+key_0: 0');
    expect(frame()).not.toContain('+key_39: 39');
    expect(frame()).toContain('of 43 (↑↓ PgUp PgDn scroll)');
    for (const line of frame().split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    await press(app!, '\u001b[6~'); // PgDn
    await press(app!, '\u001b[6~');
    expect(frame()).toContain('+key_39: 39');
    await press(app!, 'x', { changes: false });
    app!.stdin.write('n');
    expect(await asked).toBe(false);
  });

  it('the migration gate shows the dry run it rests on: counts per entity, the measured time, the downtime estimate and the warnings accepted', async () => {
    const io = new PromptIO({ gateCommands: () => ['just run-tags matrix-authentication-service-mas-cli-syn2mas --limit=matrix.example.org'] });
    setup(io);
    io.setPlan(plan(['prerequisites', 'secret', 'url', 'providers', 'mark-migration', 'install', 'backup', 'syn2mas-check', 'dry-run']));
    void io.typeToConfirm({ key: 'confirm_server_name', question: 'Type the server name (example.org) to start the real migration', expected: 'example.org', warning: 'This stops Synapse and writes every user into MAS.',
      facts: { counts: { users: 6, threepids: 5, devices: 9 }, measuredSeconds: 1.2, estimateSeconds: 62, accepted: ['db.non-email-3pids'] } });
    await waitFor(() => frame().includes('CANNOT BE UNDONE'), 'the gate');
    expect(frame()).toContain('Dry run: 6 users, 5 threepids, 9 devices.');
    expect(frame()).toMatch(/It took 1\.2 s; expect about 62 s of downtime/);
    expect(frame()).toContain('Accepted warnings: db.non-email-3pids.');
  });

  it('the migration gate shows the warning and the exact command, and starts only on the exact server name', async () => {
    const io = new PromptIO({ gateCommands: () => ['just run-tags matrix-authentication-service-mas-cli-syn2mas --limit=matrix.example.org'] });
    setup(io);
    io.setPlan(plan(['prerequisites', 'secret', 'url', 'providers', 'mark-migration', 'install', 'backup', 'syn2mas-check', 'dry-run']));
    let answered: boolean | undefined;
    void io.typeToConfirm({ key: 'confirm_server_name', question: 'Type the server name (example.org) to start the real migration', expected: 'example.org', warning: 'This stops Synapse and writes every user into MAS.' }).then((v) => { answered = v; });
    await waitFor(() => frame().includes('CANNOT BE UNDONE'), 'the gate');
    expect(frame()).toContain('This stops Synapse and writes every user into MAS.');
    expect(frame()).toContain('$ just run-tags matrix-authentication-service-mas-cli-syn2mas');
    expect(frame()).toContain('╔');
    await ready();
    await press(app!, 'example.com\r');
    expect(frame()).toContain('"example.com" is not example.org: nothing was started');
    expect(answered).toBeUndefined();
    await press(app!, 'q'); // typed into the field, not a quit
    expect(frame()).toContain('› q');
    expect(frame()).not.toContain('Quit the wizard?');
    await press(app!, KEY.backspace);
    app!.stdin.write('example.org\r');
    await waitFor(() => answered === true, 'the gate to open');
  });

  it('a stop says what happened and r tries again; the summary shows the counts and Enter exits', async () => {
    const { io, calls } = setup();
    io.setPlan(plan(['prerequisites']));
    io.setResult({ code: 3, message: '"secret" is blocked:\n  - matrix_authentication_service_config_secrets_encryption is missing' });
    await waitFor(() => frame().includes('Stopped before anything unsafe'), 'the stop');
    expect(frame()).toContain('is missing');
    expect(frame()).toContain('r try again');
    await press(app!, 'r', { changes: false });
    expect(calls.retry).toBe(1);
    io.setPlan(plan(['prerequisites', 'secret', 'url', 'providers', 'mark-migration', 'install', 'backup', 'syn2mas-check', 'dry-run', 'migrate', 'cut-over', 'reinstall', 'verify', 'users']));
    io.setResult({ code: 0, message: 'every step is done' }, { synapse_users: 6, mas_users: 6, admins: ['alice', 'ops'], oidc_links: 2, doctor: { ok: 4, warn: 0, fail: 0 }, vars_changed: ['matrix_authentication_service_enabled'], synapse_downtime_s: 3.4 });
    await waitFor(() => frame().includes('Every step is done.'), 'the summary');
    expect(frame()).toContain('all 14 steps done');
    expect(frame()).toContain('MAS users: 6');
    expect(frame()).toContain('Admins: alice, ops');
    expect(frame()).toContain('4 ✅ ok, 0 ⚠️ warnings, 0 ❌ failures');
    expect(frame()).toContain('Synapse downtime: 3.4 s');
    await ready();
    app!.stdin.write(KEY.enter);
    await waitFor(() => calls.finish === 1, 'finish');
  });

  it('narration is printed once, above the live area', async () => {
    const { io } = setup();
    io.setPlan(plan([], 'prerequisites'));
    io.setPhase('running');
    io.say('Services: matrix-synapse.service active', 'info');
    io.say('Prerequisites done.', 'ok');
    await waitFor(() => frame().includes('✔ Prerequisites done.'), 'narration');
    io.say('next line');
    await waitFor(() => frame().includes('next line'), 'more narration');
    const f = frame();
    // Each line once, in order, all above the header of the live frame.
    expect(f.split('Prerequisites done.').length - 1).toBe(1);
    expect(f.split('Services: matrix-synapse').length - 1).toBe(1);
    expect(f.indexOf('Services:')).toBeLessThan(f.indexOf('✔ Prerequisites done.'));
    expect(f.indexOf('next line')).toBeLessThan(f.indexOf('mas-wizard ·'));
  });
});

describe('an answers-file answer the wizard refused', () => {
  it('is shown on the screen it belongs to, with the reason, above an empty field', async () => {
    const io = new PromptIO({ answers: { mode: 'migrate', first_admin: { username: 'Not Valid!' } } as never });
    setup(io);
    io.setPhase('running');
    void io.text({ key: 'first_admin.username', question: 'First admin username?', validate: (v) => (/^[a-z0-9._=-]+$/.test(v) ? null : 'not a valid localpart') });
    await waitFor(() => frame().includes('First admin username?'), 'the question');
    expect(frame()).toContain("The answers file's answer was not used: first_admin.username: not a valid localpart");
    expect(frame()).not.toContain('Not Valid!');
  });
});
