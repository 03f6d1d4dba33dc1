// Dress rehearsal on the real current snapshot (issue 11), slow: the whole migrate flow through the
// checkout's own tasks, with a crash in the middle of the real migration. The wizard is SIGKILLed
// while `just run-tags matrix-authentication-service-mas-cli-syn2mas` runs ("Perform syn2mas
// migration" as a detached job); the resumed wizard follows that job instead of starting a second
// migration, and the flow ends with every step succeeded.
// Measured on the 2-core machine (load 2–4): 136 s in all (reset ≈ 45 s, flow and resume 81 s).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answers, jobDirs, MIGRATE_ANSWERS, readPlan, removeLab, runAnswers, serverRecord, startWizard, status, waitFor } from '../harness/e2e.js';
import { newRehearsal, syn2masTaskNames, transcript, type Rehearsal } from '../harness/rehearsal.js';
import { snapshotsMissing } from '../harness/snapshot.js';

const slow = process.env.MAS_WIZARD_SLOW_TESTS === '1';
let e: Rehearsal;

describe.skipIf(!slow || snapshotsMissing() !== null)(
  'rehearsal: the real current playbook, full migrate flow with a crash (MAS_WIZARD_SLOW_TESTS=1; ≈ 2.5 min)',
  () => {
    beforeAll(async () => {
      e = await newRehearsal('current');
    }, 300_000);
    afterAll(async () => {
      await removeLab(e);
    });

    it("a wizard SIGKILLed during the real migration resumes by following its job; every step succeeds, through the checkout's own task names", async () => {
      const first = startWizard(e, ['run', '--answers', answers(e, MIGRATE_ANSWERS), '--yes']);
      await waitFor(
        'the migrate step to start',
        () => {
          try {
            return readPlan(e).steps.find((s) => s.id === 'migrate')?.status === 'running';
          } catch {
            return false;
          }
        },
        600_000,
      );
      // The real playbook job is under way once it has recorded its pid (a fixed pause could end
      // before it started on a loaded machine); ansible's own start-up then outlasts the kill.
      await waitFor('the migrate job to start', () => jobDirs(e, 'migrate').some((d) => existsSync(path.join(e.stateDir, 'jobs', d, 'pid'))), 120_000);
      first.child.kill('SIGKILL');
      expect((await first.done).signal).toBe('SIGKILL');

      const resumed = await runAnswers(e, MIGRATE_ANSWERS);
      expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
      expect(resumed.stdout).toContain('"migrate" was running when the wizard stopped');
      expect(jobDirs(e, 'migrate')).toHaveLength(1); // followed, not started again
      expect(serverRecord(e)!.history.filter((h) => h.step === 'migrate' && h.outcome === 'started')).toHaveLength(1);

      const view = await status(e);
      expect(view.steps.filter((s) => s.status !== 'succeeded').map((s) => s.id)).toEqual([]);
      const summary = view.summary!;
      expect(summary.synapse_users).toBe(6);
      expect(summary.mas_users).toBe(6);
      const step = (id: string) => view.steps.find((s) => s.id === id)!;
      expect((step('dry-run').outputs?.counts as { users: number }).users).toBe(summary.synapse_users);
      // synapse_running is the migrate step's observation of Synapse after the run (another helper's
      // change); asserted where this branch has it.
      if (step('migrate').outputs && 'synapse_running' in step('migrate').outputs!) expect(step('migrate').outputs!.synapse_running).toBe(false);
      const text = transcript(e);
      for (const name of syn2masTaskNames(e.checkout, 'current')) expect(text, name).toContain(`: ${name}]`);
      expect(text).toContain('PLAY [Practice lab stand-in for install-all (not the real tasks)]');
    }, 1_200_000);
  },
);
