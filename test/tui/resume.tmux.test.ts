// A killed terminal, in a real terminal (private tmux, 100×30, CI unset), on the wizard's own
// practice lab: (a) the pane is closed while a step runs — the wizard got SIGHUP, released its
// locks, and a new start resumes with no question about locks; (b) the wizard is killed
// outright (SIGKILL: no chance to release) — a new start asks once whether to take over the
// dead owner's lock, and on y resumes where it stood.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Tmux, wizardTerminals } from '../harness/tmux.js';

const _CLI = path.resolve('dist/source/cli.js');
const terminals = wizardTerminals('resume');

/** The text anywhere on screen, also when wrapped over rows. */
const has = (text: string) => (screen: string[]) =>
  screen
    .map((l) => l.trim())
    .join(' ')
    .includes(text);
const joined = (screen: string[]) => screen.map((l) => l.trim()).join(' ');

function wizard(stateDir: string): Tmux {
  const t = terminals.open(stateDir);
  return t;
}

function localLocks(stateDir: string): string[] {
  const dir = path.join(stateDir, 'locks');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.lock'))
        .map((f) => path.join(dir, f))
    : [];
}

/** Waits until the state dir holds `wanted` local locks (0: all released), at most `ms`. */
async function locksBecome(stateDir: string, wanted: 0 | 1, ms: number, what: string): Promise<void> {
  const start = Date.now();
  while ((localLocks(stateDir).length > 0 ? 1 : 0) !== wanted) {
    if (Date.now() - start > ms) throw new Error(`${what}${wanted === 0 ? `: ${readFileSync(localLocks(stateDir)[0], 'utf8')}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts the wizard on a fresh lab and stops at the prerequisites question (that step running). */
async function atPrerequisites(): Promise<{ stateDir: string; t: Tmux }> {
  const stateDir = terminals.stateDir();
  const t = wizard(stateDir);
  await t.waitFor(has('What do you want to do on example.org?'), 'the flow choice', 60_000);
  t.send('Enter');
  await t.waitFor(has('Accept this warning and go on?'), 'the prerequisites question', 30_000);
  expect(localLocks(stateDir)).toHaveLength(1);
  return { stateDir, t };
}

describe('resume after a killed terminal', () => {
  it('a closed pane (SIGHUP) releases the locks: started again, it resumes at the same question, nothing asked about locks', async () => {
    const { stateDir, t } = await atPrerequisites();
    t.kill(); // the tmux server goes: the pane's processes get SIGHUP
    await locksBecome(stateDir, 0, 10_000, 'the lock was not released after SIGHUP');
    const again = wizard(stateDir);
    const screen = await again.waitFor(
      (s) => has('Accept this warning and go on?')(s) || has('holds the')(s) || has('Take over its lock')(s),
      'the resumed wizard',
      60_000,
    );
    expect(joined(screen)).not.toMatch(/holds the (local|server) lock|Take over its lock/);
    expect(screen.join('\n')).toMatch(/step 1 of 14: Prerequisites/);
  }, 180_000);

  it('a closed pane (SIGHUP) while the flow question waits releases the locks the opening run already holds', async () => {
    const stateDir = terminals.stateDir();
    const t = wizard(stateDir);
    await t.waitFor(has('What do you want to do on example.org?'), 'the flow choice', 90_000);
    // The run takes its locks while the question is on screen (the answer is judged against the server).
    await locksBecome(stateDir, 1, 30_000, 'the opening run never took its lock');
    t.kill();
    await locksBecome(stateDir, 0, 30_000, 'the lock was not released after SIGHUP');
    const again = wizard(stateDir);
    const screen = await again.waitFor(
      (s) => has('What do you want to do on example.org?')(s) || has('Take over its lock')(s),
      'the wizard started again',
      90_000,
    );
    expect(joined(screen)).not.toMatch(/Take over its lock/);
  }, 240_000);

  it('a killed wizard (SIGKILL) leaves its lock: started again, it asks once to take over, and on y resumes', async () => {
    const { stateDir, t } = await atPrerequisites();
    const [lock] = localLocks(stateDir);
    const owner = JSON.parse(readFileSync(lock, 'utf8')) as { pid: number };
    process.kill(owner.pid, 'SIGKILL');
    t.kill();
    expect(existsSync(lock)).toBe(true);
    const again = wizard(stateDir);
    const asked = await again.waitFor(has('Take over its lock and resume where it stopped?'), 'the take-over question', 60_000);
    expect(joined(asked)).toContain(`is gone (pid ${owner.pid} on ${os.hostname()}`);
    expect(asked.join('\n')).not.toContain('r try again');
    again.send('y');
    const resumed = await again.waitFor(has('Accept this warning and go on?'), 'the resumed step', 60_000);
    expect(resumed.join('\n')).toMatch(/step 1 of 14: Prerequisites/);
    expect(resumed.join('\n')).not.toContain('Take over its lock');
    const now = JSON.parse(readFileSync(lock, 'utf8')) as { pid: number };
    expect(now.pid).not.toBe(owner.pid);
  }, 180_000);
});
