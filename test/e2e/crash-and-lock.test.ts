// A wizard SIGKILLed in the middle of the install (a detached playbook job under way), and a
// second wizard started against the same lab meanwhile: the second is refused with the owner's
// details (exit 3); the restarted one takes over the dead owner's lock (--yes), reconciles the
// install from its job instead of starting it again, and finishes with one migration.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { writeFaults } from '../../source/lab/faults.js';
import {
  answers,
  jobDirs,
  MIGRATE_ANSWERS,
  newLab,
  readPlan,
  removeLab,
  runAnswers,
  serverRecord,
  startWizard,
  status,
  waitFor,
  type E2E,
} from '../harness/e2e.js';

let e: E2E | undefined;
afterAll(async () => {
  await removeLab(e);
});

describe('crash and lock', () => {
  it('a second wizard is refused with the owner; a SIGKILLed wizard resumes: the install is reconciled and the migration runs exactly once', async () => {
    const lab = await newLab();
    e = lab;
    // Slow long server scripts (dump, syn2mas, doctor): the run is still going when the second wizard comes.
    writeFaults(lab.lab.dir, { slowMs: 500 });
    const first = startWizard(lab, ['run', '--answers', answers(lab, MIGRATE_ANSWERS), '--yes']);
    await waitFor('the install step to start', () => {
      try {
        return readPlan(lab).steps.find((s) => s.id === 'install')?.status === 'running';
      } catch {
        return false;
      }
    });
    // The playbook job is under way once it has recorded its pid. Then the first wizard is frozen
    // (SIGSTOP: alive, lock held, but it cannot move the plan on), so however long the second
    // wizard takes on a loaded machine, the install is still "running" in the plan at the kill;
    // the job itself goes on and ends while the wizard is away.
    await waitFor('the install job to start', () => jobDirs(lab, 'install').some((d) => existsSync(path.join(lab.stateDir, 'jobs', d, 'pid'))));
    first.child.kill('SIGSTOP');

    const second = await runAnswers(lab, MIGRATE_ANSWERS);
    expect(second.code, second.stdout + second.stderr).toBe(3);
    expect(second.stderr).toContain(`(pid ${first.child.pid}`);
    expect(second.stderr).toContain('running "mas-wizard run --answers');

    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(readPlan(lab).steps.find((s) => s.id === 'install')?.status).toBe('running');

    const resumed = await runAnswers(lab, MIGRATE_ANSWERS);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('took over the local lock');
    expect(resumed.stdout).toContain('"install" was running when the wizard stopped');
    expect(resumed.stdout).toMatch(/"install": succeeded — the playbook run finished while the wizard was away/);
    expect(jobDirs(lab, 'install')).toHaveLength(1); // followed, not started again
    expect(jobDirs(lab, 'migrate')).toHaveLength(1);
    expect(serverRecord(lab)!.history.filter((h) => h.step === 'migrate' && h.outcome === 'started')).toHaveLength(1);
    expect((await status(lab)).summary!.mas_users).toBe(6);
  }, 150_000);
});
