// PromptIO without React: questions become prompts, answers resolve the step's promise,
// narration is bounded and redacted, answers files prefill, the gate is never prefilled.
import { describe, expect, it } from 'vitest';
import { PromptIO, type Prompt } from '../../source/flow/prompt-io.js';
import { Declined } from '../../source/flow/io.js';
import { parseAnswers } from '../../state/answers.js';
import type { Finding } from '../../source/preflight/finding.js';

const settle = () => new Promise((r) => setTimeout(r, 0));
const finding = (id: string, severity: Finding['severity']): Finding => ({ id, severity, title: id, detail: 'd', fix: 'f', source: 's' });

/** The prompt on screen (prefill loads answers-io first, so it may take a few ticks). */
async function shown(io: PromptIO): Promise<Prompt> {
  for (let i = 0; i < 200; i++) {
    const p = io.current().prompt;
    if (p) return p;
    await settle();
  }
  throw new Error('no prompt pending');
}

describe('PromptIO', () => {
  it('turns a question into a pending prompt and resolves it with the answer', async () => {
    const io = new PromptIO();
    let notified = 0;
    io.subscribe(() => notified++);
    const asked = io.confirm({ key: 'k', question: 'Go on?', defaultYes: true });
    const p = await shown(io);
    expect(p).toMatchObject({ kind: 'confirm', question: 'Go on?', defaultYes: true });
    expect(notified).toBeGreaterThan(0);
    io.answer(p.id, true);
    await expect(asked).resolves.toBe(true);
    expect(io.current().prompt).toBeNull();
  });

  it('queues questions asked together and ignores a stale answer', async () => {
    const io = new PromptIO();
    const a = io.text({ key: 'a', question: 'A?' });
    const b = io.select({
      key: 'b',
      question: 'B?',
      choices: [
        { value: 'x', label: 'X' },
        { value: 'y', label: 'Y' },
      ],
    });
    const first = await shown(io);
    expect(first.kind).toBe('text');
    io.answer(first.id, 'one');
    io.answer(first.id, 'again'); // stale: must not answer B
    const second = await shown(io);
    expect(second.kind).toBe('select');
    io.answer(second.id, 'y');
    expect(await a).toBe('one');
    expect(await b).toBe('y');
  });

  it('cancel stops the step with Declined (nothing more changes)', async () => {
    const io = new PromptIO();
    const asked = io.url({ domain: 'example.org', hostname: 'matrix.example.org', prefix: '/auth' });
    const p = await shown(io);
    io.cancel(p.id, 'no MAS URL chosen');
    await expect(asked).rejects.toBeInstanceOf(Declined);
    expect(io.current().prompt).toBeNull();
  });

  it('keeps only the last N narration lines, each redacted before it is stored', () => {
    const io = new PromptIO({ keep: 5 });
    for (let i = 0; i < 12; i++) io.say(`line ${i}`);
    io.say('token syt_YWxpY2U_abcdefghijklmnopqrst_0a1b2c and syr_Ym9i_ZZZZZZZZZZZZZZZZZZZZ_1a2b3c', 'warn');
    io.command('curl -H "Authorization: Bearer mat_abcdefghijklmnopqrstuvwxyz012345"', 'server');
    const lines = io.current().narration;
    expect(lines).toHaveLength(5);
    expect(lines[0].text).toBe('line 9');
    const all = lines.map((l) => l.text).join('\n') + io.current().running!.display;
    expect(all).not.toMatch(/syt_YWxpY2U|syr_Ym9i|mat_abcdef/);
    expect(all).toContain('‹redacted›');
    expect(lines.at(-1)).toMatchObject({ kind: 'command' });
    expect(new Set(lines.map((l) => l.id)).size).toBe(5);
  });

  it('progress replaces itself and ends with the command', () => {
    const io = new PromptIO();
    io.command('just install-all', 'controller');
    io.progress('task 1 of ~40');
    io.progress('task 2 of ~40');
    expect(io.current().progress).toBe('task 2 of ~40');
    expect(io.current().running).toEqual({ display: 'just install-all', where: 'controller' });
    io.commandEnd('install finished', true);
    expect(io.current()).toMatchObject({ progress: null, running: null });
    expect(io.current().narration.at(-1)).toMatchObject({ kind: 'end', tone: 'ok', text: 'install finished' });
  });

  it('prefills from an answers file (Subiquity style) but still waits for the operator', async () => {
    const { answers } = parseAnswers(
      [
        'mode: new',
        'hostname: auth.example.org',
        'path_prefix: /',
        'accept: [email.not-configured]',
        'fix: [synapse.registration-enabled]',
        'secret: generate',
        'confirm_server_name: example.org',
      ].join('\n'),
      'answers.yml',
    );
    const io = new PromptIO({ answers, gateCommands: () => ['just run-tags syn2mas'] });
    const mode = io.select({
      key: 'mode',
      question: 'What?',
      choices: [
        { value: 'migrate', label: 'M' },
        { value: 'new', label: 'N' },
      ],
      initial: 'migrate',
    });
    let p = await shown(io);
    expect(p).toMatchObject({ kind: 'select', prefill: 'new', initial: 'migrate' });
    io.answer(p.id, 'new');
    expect(await mode).toBe('new');

    const url = io.url({ domain: 'example.org', hostname: 'matrix.example.org', prefix: '/auth' });
    p = await shown(io);
    expect(p).toMatchObject({ kind: 'url', prefill: { hostname: 'auth.example.org', prefix: '/' } });
    io.answer(p.id, { hostname: 'auth.example.org', prefix: '/' });
    await url;

    const fx = io.findings({
      fixable: [finding('synapse.registration-enabled', 'block')],
      warnings: [finding('email.not-configured', 'warn'), finding('service.corporal', 'warn')],
    });
    p = await shown(io);
    expect(p).toMatchObject({ kind: 'findings', prefill: { fix: ['synapse.registration-enabled'], accept: ['email.not-configured'] } });
    io.answer(p.id, { fix: [], accept: [] });
    await fx;

    const sec = io.secret({ existing: 'missing' });
    p = await shown(io);
    expect(p).toMatchObject({ kind: 'secret', prefill: { kind: 'generate' } });
    io.answer(p.id, { kind: 'generate' });
    await sec;

    // The typed gate is never prefilled, even though the file has confirm_server_name.
    const gate = io.typeToConfirm({ key: 'confirm_server_name', question: 'Type it', expected: 'example.org', warning: 'cannot be undone' });
    p = await shown(io);
    expect(p.kind).toBe('type-to-confirm');
    expect(p.prefill).toBeUndefined();
    expect(p).toMatchObject({ commands: ['just run-tags syn2mas'], expected: 'example.org' });
    io.answer(p.id, false);
    expect(await gate).toBe(false);
  });

  it('never prefills a secret text question, and masks secrets in a vars.yml diff', async () => {
    const { answers } = parseAnswers('first_admin:\n  username: alice\n  password: hunter2-long-passphrase\n', 'a.yml');
    const io = new PromptIO({ answers });
    const pw = io.text({ key: 'first_admin.password', question: 'Password', secret: true });
    let p = await shown(io);
    expect(p.prefill).toBeUndefined();
    io.answer(p.id, 'typed');
    await pw;
    const d = io.reviewDiff({
      key: 'secret',
      title: 'Secret',
      diff: '+matrix_authentication_service_config_secrets_encryption: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n',
    });
    p = await shown(io);
    expect(p.kind === 'diff' && p.diff).toContain('‹redacted›');
    expect(p.kind === 'diff' && p.diff).not.toContain('0123456789abcdef0123');
    io.answer(p.id, true);
    expect(await d).toBe(true);
  });

  it('bridges connection questions (host key, passphrase, sudo password) to prompts', async () => {
    const io = new PromptIO();
    const trust = io.confirmUnknownHost({ host: 'h', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc' });
    let p = await shown(io);
    expect(p).toMatchObject({ kind: 'host-key', fingerprint: 'SHA256:abc' });
    io.answer(p.id, false);
    expect(await trust).toBe(false);
    const pass = io.askPassphrase('/k', 2);
    p = await shown(io);
    expect(p).toMatchObject({ kind: 'passphrase', keyFile: '/k', attempt: 2 });
    io.answer(p.id, null);
    expect(await pass).toBeNull();
  });

  it('a result sets the phase: 0 is done, anything else a stop with a redacted message', () => {
    const io = new PromptIO();
    io.setResult({ code: 4, message: 'failed with syt_YWxpY2U_abcdefghijklmnopqrst_0a1b2c' });
    expect(io.current().phase).toBe('stopped');
    expect(io.current().result!.message).not.toContain('syt_YWxpY2U');
    io.setResult({ code: 0, message: 'every step is done' });
    expect(io.current().phase).toBe('done');
  });
});

describe('PromptIO.revise', () => {
  it('changes a question still waiting (by kind and key) on screen, keeps its id, and ignores one already answered', async () => {
    const io = new PromptIO();
    const asked = io.select({
      key: 'mode',
      question: 'Q?',
      choices: [
        { value: 'a', label: 'A' },
        { value: 'b', label: 'B' },
      ],
    });
    const p = await shown(io);
    expect(
      io.revise('select', 'mode', {
        choices: [
          { value: 'a', label: 'A' },
          { value: 'b', label: 'B (not here: 6 users)' },
        ],
      }),
    ).toBe(true);
    const revised = io.current().prompt!;
    expect(revised.id).toBe(p.id);
    expect(revised).toMatchObject({ kind: 'select', choices: [{ label: 'A' }, { label: 'B (not here: 6 users)' }] });
    io.answer(p.id, 'b');
    await expect(asked).resolves.toBe('b');
    expect(io.revise('select', 'mode', { question: 'late' })).toBe(false);
  });
});
