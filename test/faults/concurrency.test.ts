// Two wizards on one lab: the second `run` is refused (exit 3) naming the first's owner; a lock
// left by a SIGKILLed wizard is refused until takeover is confirmed (--take-over or --yes), and a live
// owner's lock is never taken over. Real processes, the real lab, real PostgreSQL.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFaults } from '../../source/lab/faults.js';
import { labLongRunning, newLab, outcome, runCli, startCli, stepOf, waitFor, writeAnswers, type StartedCli, type TestLab } from '../harness/faults.js';

let t: TestLab;
let answers: string;
const fileStarted = Date.now();
const started: StartedCli[] = [];

beforeAll(async () => {
  t = await newLab('lock');
  answers = writeAnswers(
    t.parent,
    'answers.yml',
    `mode: migrate
secret: generate
providers: convert-synapse-oidc
accept: [db.non-email-3pids, syn2mas.warnings]
backup: {enabled: true}
confirm_server_name: example.org
`,
  );
});

afterAll(async () => {
  for (const c of started) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  writeFaults(t.lab.dir, {});
  await t?.destroy();
  outcome('concurrency.test.ts', `file took ${((Date.now() - fileStarted) / 1000).toFixed(1)} s`);
});

const args = (...extra: string[]) => [...t.flags, 'run', '--answers', answers, '--until', 'backup', ...extra];
/** The saved plan's bytes: a refused run must not change them. */
function planBytes(): string {
  const dir = path.join(t.stateDir, 'plans');
  return readFileSync(path.join(dir, readdirSync(dir).find((f) => f.endsWith('.json'))!), 'utf8');
}

describe('two wizards, one server', () => {
  it("a second run is refused (exit 3) with the first one's user, host, pid and start time; a stale lock needs a confirmed takeover", async () => {
    writeFaults(t.lab.dir, { slowMs: 15_000 });
    const first = startCli(args('--yes'), { env: t.env });
    started.push(first);
    const firstStart = new Date();
    await waitFor(
      'the first run to reach its backup',
      () => {
        if (first.child.exitCode !== null) throw new Error(`the first run ended early:\n${first.stdout()}\n${first.stderr()}`);
        return stepOf(t.stateDir, 'backup')?.status === 'running';
      },
      90_000,
    );
    // Once the dump runs on the server, the first wizard is frozen (SIGSTOP: alive, its locks held,
    // but it cannot move the plan on): however long the refused runs below take on a loaded
    // machine, the plan cannot change under them because the dump ended meanwhile.
    await waitFor('the dump to run on the server', () => labLongRunning(t.lab.dir, 'pg_dumpall'), 60_000);
    first.child.kill('SIGSTOP');
    const before = planBytes();

    // 1. Concurrent run: refused, owner named, nothing changed.
    const second = await runCli(args('--yes'), { env: t.env });
    expect(second.code, second.stderr).toBe(3);
    const who = os.userInfo().username;
    expect(second.stderr).toContain(`${who}@${os.hostname()}`);
    expect(second.stderr).toContain(`pid ${first.child.pid}`);
    const since = /since (\S+?),? /.exec(second.stderr)?.[1];
    expect(since, second.stderr).toBeDefined();
    expect(Math.abs(Date.parse(since!) - firstStart.getTime())).toBeLessThan(30_000);
    expect(planBytes()).toBe(before);
    outcome('concurrent run', `exit ${second.code} in ${second.ms} ms: "${second.stderr.trim().split('\n')[0]}"`);

    // 2. --take-over never takes a LIVE owner's lock.
    const pushy = await runCli(args('--yes', '--take-over'), { env: t.env });
    expect(pushy.code, pushy.stderr).toBe(3);
    expect(pushy.stderr).toContain(`pid ${first.child.pid}`);
    expect(planBytes()).toBe(before);
    outcome('take-over of a live owner', `refused, exit ${pushy.code}`);

    // 3. The first wizard dies hard mid-step: its locks stay; a new run is refused until takeover is
    //    confirmed (--take-over, or --yes, which answers the "take over a dead wizard's lock?" question).
    first.child.kill('SIGKILL');
    await first.done;
    const stale = await runCli(args(), { env: t.env });
    expect(stale.code, stale.stderr).toBe(3);
    expect(stale.stderr).toContain(`pid ${first.child.pid}`);
    expect(stale.stderr).toMatch(/owner is gone/);
    expect(planBytes()).toBe(before);
    outcome('stale lock without confirmation', `exit ${stale.code}: "${stale.stderr.trim().split('\n')[0]}"`);

    // 4. Confirmed takeover: the run reconciles the step the dead wizard left running and finishes it.
    writeFaults(t.lab.dir, {});
    const taken = await runCli(args('--yes'), { env: t.env });
    const out = taken.stdout + taken.stderr;
    expect(taken.code, out).toBe(0);
    expect(taken.stderr).toMatch(new RegExp(`took over the local lock .* of a wizard that is gone \\(${who}@${os.hostname()}, pid ${first.child.pid}`));
    expect(out).toMatch(/"backup" was running when the wizard stopped/);
    expect(stepOf(t.stateDir, 'backup')?.status).toBe('succeeded');
    // Its locks are released at the end: a plain run gets through the lock again (and has nothing left before backup).
    const after = await runCli(args('--yes'), { env: t.env });
    expect(after.code, after.stderr).toBe(0);
    outcome('confirmed takeover', `exit ${taken.code}, backup reconciled to succeeded (${(taken.ms / 1000).toFixed(1)} s); locks released afterwards`);
  }, 180_000);
});
