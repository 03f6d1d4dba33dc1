import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { PrerequisitesScreen } from '../../screens/setup/prerequisites.js';
import type { Finding } from '../../source/preflight/finding.js';
import { KEY, press, ready, waitFor } from './press.js';

const f = (id: string, severity: Finding['severity'], extra: Partial<Finding> = {}): Finding => ({
  id, severity, title: `Title of ${id}`, detail: `Detail of ${id}`, fix: `Fix for ${id}`, source: 'inventory/host_vars/m/vars.yml:1', ...extra,
});

let app: ReturnType<typeof render> | undefined;
afterEach(() => { app?.unmount(); app = undefined; });

function setup(findings: Finding[]) {
  const calls = { fixed: [] as string[], rechecks: 0, continued: [] as string[][], back: 0 };
  app = render(<PrerequisitesScreen findings={findings} onApplyFix={(x) => calls.fixed.push(x.id)} onRecheck={() => calls.rechecks++} onContinue={(a) => calls.continued.push(a)} onBack={() => calls.back++} />);
  return calls;
}

describe('prerequisites screen', () => {
  it('wraps a long finding title and detail at word boundaries, never cutting a word', async () => {
    const title = 'Phone numbers (non-email 3PIDs) exist and will be kept by the migration although they are not supported by MAS at all';
    const detail = '1 non-email third-party ID(s) will be kept but are not supported by MAS (syn2mas check warns and exits 11), and the users who log in with one need another way in.';
    setup([f('db.non-email-3pids', 'warn', { title, detail })]);
    await ready();
    const rows = app!.lastFrame()!.split('\n');
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(100);
    const words = rows.join(' ').replace(/[│┌┐└┘─]/g, ' ').split(/\s+/);
    for (const word of [...title.split(' '), ...detail.split(' ')]) expect(words).toContain(word);
  });

  it('groups findings with words, not colour, and asks consent for a fixable blocker first', async () => {
    const calls = setup([
      f('service.postmoogle', 'warn'),
      f('synapse.registration-enabled', 'block', { edits: [{ op: 'set', key: 'matrix_synapse_enable_registration', value: false }] }),
      f('email.not-configured', 'info'),
    ]);
    await ready();
    const frame = app!.lastFrame()!;
    expect(frame).toContain('Prerequisites — 1 blocking, 1 warning, 1 info');
    expect(frame).toContain('❯ ✗ blocks Title of synapse.registration-enabled');
    expect(frame).toContain('⚠ warning Title of service.postmoogle');
    expect(frame).toContain('ℹ info Title of email.not-configured');
    expect(frame).toContain('Fix: Fix for synapse.registration-enabled');
    expect(frame).toContain('The wizard will change: set matrix_synapse_enable_registration');
    expect(frame).toContain('Apply this fix to vars.yml?');
    expect(frame).toContain('y apply fix');
    app!.stdin.write('y');
    await waitFor(() => calls.fixed.length === 1, 'the fix');
    expect(calls.fixed).toEqual(['synapse.registration-enabled']);
    expect(calls.continued).toEqual([]);
  });

  it('declining a fix leaves the blocker and offers re-check; nothing continues', async () => {
    const calls = setup([f('synapse.cas-enabled', 'block', { edits: [{ op: 'remove', key: 'matrix_synapse_cas_config_enabled' }] }), f('service.corporal', 'block')]);
    await ready();
    await press(app!, 'n');
    expect(app!.lastFrame()).toContain('Fix the blocking items in vars.yml, then press r to re-check.');
    await press(app!, KEY.enter, { changes: false });
    expect(calls.continued).toEqual([]);
    app!.stdin.write('r');
    await waitFor(() => calls.rechecks === 1, 're-check');
  });

  it('warnings are accepted one by one, then Enter continues with their ids', async () => {
    const calls = setup([f('service.postmoogle', 'warn'), f('bridge.hookshot-encryption', 'warn')]);
    await ready();
    expect(app!.lastFrame()).toContain('❯ ⚠ warning Title of service.postmoogle');
    expect(app!.lastFrame()).toContain('Accept this warning and go on?');
    await press(app!, 'y');
    expect(app!.lastFrame()).toContain('✓ accepted Title of service.postmoogle');
    expect(app!.lastFrame()).toContain('❯ ⚠ warning Title of bridge.hookshot-encryption');
    await press(app!, KEY.enter, { changes: false });
    expect(calls.continued).toEqual([]); // Enter alone does not accept a warning
    await press(app!, 'y');
    expect(app!.lastFrame()).toContain('ready: nothing blocks, every warning accepted');
    expect(app!.lastFrame()).toContain('Enter continue');
    app!.stdin.write(KEY.enter);
    await waitFor(() => calls.continued.length === 1, 'continue');
    expect(calls.continued).toEqual([['service.postmoogle', 'bridge.hookshot-encryption']]);
  });

  it('a declined warning blocks Continue until re-checked', async () => {
    const calls = setup([f('service.reminder-bot', 'warn')]);
    await ready();
    await press(app!, 'n');
    expect(app!.lastFrame()).toContain('Not accepted: 1 warning');
    await press(app!, KEY.enter, { changes: false });
    expect(calls.continued).toEqual([]);
  });

  it('fits 80×24 with many long findings', async () => {
    const many = Array.from({ length: 15 }, (_, i) => f(`synapse.x${i}`, i % 2 ? 'warn' : 'block', { detail: Array.from({ length: 12 }, (_, j) => `line ${j} ${'x'.repeat(60)}`).join('\n') }));
    setup(many);
    await ready();
    const lines = app!.lastFrame()!.split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    expect(app!.lastFrame()).toContain('(15 in all');
  });
});
