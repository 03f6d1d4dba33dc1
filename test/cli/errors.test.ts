// One error model: AbortError (the operator's problem: message, next step, exit code) versus
// BugError (ours), one handler in cli.ts, and an answers-file answer that is refused shows on
// the screen it belongs to instead of silently leaving it empty.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AbortError, BugError, reportError } from '../../source/errors.js';
import { PromptIO } from '../../source/flow/prompt-io.js';
import { parseAnswers } from '../../state/answers.js';
import { LockHeldError } from '../../state/lock.js';
import { PlanTransitionError } from '../../state/plan.js';

const cli = 'dist/source/cli.js';

function capture(error: unknown, command?: string): { code: number; text: string } {
  let text = '';
  const code = reportError(error, command, (t) => {
    text += t;
  });
  return { code, text };
}

describe('the one handler', () => {
  it('an AbortError ends with its exit code, its message and the next step', () => {
    const r = capture(new AbortError('the vars.yml is broken', { exitCode: 3, next: 'fix it, then run again' }), 'run');
    expect(r).toEqual({ code: 3, text: 'mas-wizard run: the vars.yml is broken\n  next: fix it, then run again\n' });
  });

  it('a held lock is exit 3 and says how to take it over; the plan reducer refusing is a bug (exit 1, report it)', () => {
    const held = capture(new LockHeldError('local', '/tmp/x.lock', null, true), 'run');
    expect(held.code).toBe(3);
    expect(held.text).toContain('--take-over');
    const bug = capture(new PlanTransitionError('not-next' as never, null, 'impossible'), 'run');
    expect(bug.code).toBe(1);
    expect(bug.text).toContain('internal error (a bug in mas-wizard, not in your setup): PlanTransitionError: impossible');
    expect(bug.text).toContain('mas-wizard transcript');
    expect(capture(new BugError('x')).code).toBe(1);
    expect(capture(new TypeError('y')).text).toContain('a bug in mas-wizard');
  });

  it('from the command line: bad input is exit 2 with what and where, and nothing is written', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-errors-'));
    const env = { ...process.env, MAS_WIZARD_STATE_DIR: path.join(dir, 'state') };
    const noFile = spawnSync('node', [cli, 'run', '--answers', path.join(dir, 'missing.yml')], { encoding: 'utf8', env });
    expect(noFile.status).toBe(2);
    expect(noFile.stderr).toMatch(/^mas-wizard run: .*missing\.yml: a problem; nothing was changed\n.*cannot read the answers file: ENOENT/s);
    const noAnswers = spawnSync('node', [cli, 'run'], { encoding: 'utf8', env });
    expect(noAnswers.status).toBe(2);
    expect(noAnswers.stderr).toBe("mas-wizard run: --answers FILE is required (see the README for the file's keys)\n");
    const noCheckout = spawnSync('node', [cli, 'plan', '--playbook', path.join(dir, 'nope'), '--offline'], { encoding: 'utf8', env });
    expect(noCheckout.status).toBe(2);
    expect(noCheckout.stderr).toMatch(/^mas-wizard plan: /);
    expect(noCheckout.stderr).not.toContain('internal error');
    expect(spawnSync('ls', [dir]).stdout.toString().trim()).toBe('');
  });
});

describe('a refused answers-file answer', () => {
  it('shows on its own screen with the reason, and the screen starts empty', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-prefill-'));
    const answers = parseAnswers('mode: migrate\n', path.join(dir, 'answers.yml')).answers;
    const io = new PromptIO({ answers: { ...answers, first_admin: { username: 'Not Valid!' } } as never });
    void io.text({ key: 'first_admin.username', question: 'First admin?', validate: (v) => (/^[a-z0-9._=-]+$/.test(v) ? null : 'not a valid localpart') });
    let prompt = io.current().prompt;
    for (let i = 0; i < 200 && !prompt; i++) {
      await new Promise((r) => setTimeout(r, 0));
      prompt = io.current().prompt;
    }
    expect(prompt).toMatchObject({ kind: 'text', prefillError: 'first_admin.username: not a valid localpart' });
    expect(prompt?.prefill).toBeUndefined();
  });
});
