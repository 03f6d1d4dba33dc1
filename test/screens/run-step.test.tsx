import React from 'react';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogSink } from '../../source/logs/log-sink.js';
import { MASK, redactor } from '../../source/logs/redact.js';
import { outcomeOf, RunStepScreen, type RunPhase, type RunStepProps } from '../../screens/run-step.js';
import { delay, KEY, waitFor } from './helpers.js';

const sinks: LogSink[] = [];
afterEach(() => { while (sinks.length) sinks.pop()!.close(); });

function setup(phase: RunPhase, extra: Partial<RunStepProps> = {}) {
  const log = new LogSink({ notifyMs: 10 });
  sinks.push(log);
  const cb = { onStart: vi.fn(), onBack: vi.fn(), onCancel: vi.fn(), onNext: vi.fn(), onRetry: vi.fn(), onCheck: vi.fn(), onQuit: vi.fn() };
  const props: RunStepProps = {
    title: 'Install MAS', irreversible: false, where: 'controller (local)',
    commands: ['just run-tags install-matrix-authentication-service,start'], phase, log, rows: 24, columns: 80, ...cb, ...extra,
  };
  const r = render(<RunStepScreen {...props} />);
  return { ...r, cb, log, props };
}

describe('RunStepScreen', () => {
  it('before starting: title, reversibility, where, the exact command, y to start', async () => {
    const { lastFrame, stdin, cb, unmount } = setup({ kind: 'confirm' });
    await delay(10);
    const f = lastFrame()!;
    expect(f).toContain('Install MAS');
    expect(f).toContain('↺ Can be run again safely.');
    expect(f).toContain('Runs on: controller (local)');
    expect(f).toContain('$ just run-tags install-matrix-authentication-service,start');
    expect(f).toMatch(/y start.*n\/Esc back/);
    stdin.write('y');
    await waitFor(() => cb.onStart.mock.calls.length === 1, 'start');
    unmount();
  });

  it('masks secrets in the command shown', async () => {
    redactor.addSecret('Sudo-Pa55-word', 'sudo password');
    const { lastFrame, unmount } = setup({ kind: 'confirm' }, {
      commands: ["printf '%s\\n' 'Sudo-Pa55-word' | sudo -S -p '' /matrix/bin/x", 'mas-cli manage register-user -p hunter2 --admin alice'],
    });
    await delay(10);
    expect(lastFrame()).toContain(`printf '%s\\n' '${MASK}' | sudo -S -p '' /matrix/bin/x`);
    expect(lastFrame()).toContain(`register-user -p ${MASK} --admin alice`);
    expect(lastFrame()).not.toMatch(/Sudo-Pa55|hunter2/);
    unmount();
  });

  it('says an irreversible step is irreversible before it starts, defaults to No, and can require a typed phrase', async () => {
    const { lastFrame, stdin, cb, unmount } = setup({ kind: 'confirm' }, {
      title: 'Migrate users (syn2mas)', irreversible: true, irreversibleNote: 'users and sessions move to MAS', confirmPhrase: 'matrix.example.org',
    });
    await delay(10);
    expect(lastFrame()).toContain('⚠ IRREVERSIBLE: users and sessions move to MAS');
    stdin.write('matrix.example.com\r');
    await waitFor(() => lastFrame()!.includes('did not match; nothing was run'), 'mismatch');
    expect(cb.onStart).not.toHaveBeenCalled();
    stdin.write('matrix.example.org');
    stdin.write(KEY.enter);
    await waitFor(() => cb.onStart.mock.calls.length === 1, 'start');
    unmount();
  });

  it('irreversible without a phrase: Enter alone does not start (default is No)', async () => {
    const { stdin, cb, unmount } = setup({ kind: 'confirm' }, { irreversible: true });
    await delay(10);
    stdin.write(KEY.enter);
    await waitFor(() => cb.onBack.mock.calls.length === 1, 'back');
    expect(cb.onStart).not.toHaveBeenCalled();
    unmount();
  });

  it('while running: live log inside 24 rows, x asks before cancelling', async () => {
    const { lastFrame, stdin, cb, log, unmount } = setup({ kind: 'running' });
    let text = '';
    for (let i = 1; i <= 500; i++) text += `TASK [step ${i}] ok\n`;
    log.push('stdout', text);
    log.push('stderr', 'fatal: something went wrong\n');
    await waitFor(() => lastFrame()!.includes('fatal: something'), 'log shown');
    const rows = lastFrame()!.split('\n');
    expect(rows.length).toBeLessThanOrEqual(23);
    expect(lastFrame()).toContain('! fatal: something went wrong');
    expect(lastFrame()).toMatch(/… running…/);
    expect(lastFrame()).toMatch(/x cancel/);
    stdin.write('x');
    await waitFor(() => lastFrame()!.includes('Cancel the running command?'), 'ask');
    stdin.write('n');
    await waitFor(() => !lastFrame()!.includes('Cancel the running command?'), 'kept running');
    expect(cb.onCancel).not.toHaveBeenCalled();
    stdin.write('x');
    await waitFor(() => lastFrame()!.includes('Cancel the running command?'), 'ask again');
    stdin.write('y');
    await waitFor(() => cb.onCancel.mock.calls.length === 1, 'cancel');
    unmount();
  });

  it.each([
    [{ kind: 'succeeded' } as const, '✓ succeeded', 'Enter next step', KEY.enter, 'onNext'],
    [{ kind: 'failed', code: 2 } as const, '✗ failed (exit code 2)', 'r retry', 'r', 'onRetry'],
    [{ kind: 'lost' } as const, '? connection lost — outcome unknown', 'c check the server', 'c', 'onCheck'],
    [{ kind: 'cancelled' } as const, '⊘ cancelled', 'r run again', 'r', 'onRetry'],
  ])('outcome %o: says it in words and symbol, offers the right key', async (outcome, says, hint, key, callback) => {
    const { lastFrame, stdin, cb, unmount } = setup({ kind: 'done', outcome, durationMs: 1500 });
    await delay(10);
    expect(lastFrame()).toContain(says);
    expect(lastFrame()).toContain(hint);
    expect(lastFrame()!.split('\n').length).toBeLessThanOrEqual(23);
    stdin.write(key);
    await waitFor(() => cb[callback as keyof typeof cb].mock.calls.length === 1, callback);
    for (const other of Object.keys(cb).filter((k) => k !== callback)) expect(cb[other as keyof typeof cb]).not.toHaveBeenCalled();
    unmount();
  });

  it('a lost connection never reads as success, and Enter does not move on', async () => {
    const { lastFrame, stdin, cb, unmount } = setup({ kind: 'done', outcome: { kind: 'lost' } });
    await delay(10);
    expect(lastFrame()).not.toContain('succeeded');
    stdin.write(KEY.enter);
    await delay(20);
    expect(cb.onNext).not.toHaveBeenCalled();
    unmount();
  });
});

describe('outcomeOf', () => {
  it.each([
    [{ code: 0, signal: null, lost: false, cancelled: false }, { kind: 'succeeded' }],
    [{ code: 0, signal: null, lost: true, cancelled: false }, { kind: 'lost' }],
    [{ code: null, signal: null, lost: true, cancelled: false }, { kind: 'lost' }],
    [{ code: null, signal: 'SIGTERM', lost: false, cancelled: true }, { kind: 'cancelled' }],
    [{ code: 4, signal: null, lost: false, cancelled: false }, { kind: 'failed', code: 4, signal: null }],
    [{ code: null, signal: 'SIGKILL', lost: false, cancelled: false }, { kind: 'failed', code: null, signal: 'SIGKILL' }],
  ])('%o → %o', (result, expected) => {
    expect(outcomeOf(result)).toEqual(expected);
  });
});
