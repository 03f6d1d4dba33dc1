// Dress rehearsal, always on (issue 11): `lab reset --playbook` on the real current snapshot, then
// the migrate flow up to its dry run. The syn2mas check and the dry run run the checkout's own
// tasks (mas_cli_syn2mas.yml) through just and ansible-playbook; install-all is stood in for, and
// says so. Measured on the 2-core machine (load 4–6): 107 s in all (reset 41 s, run 60 s).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNAPSE_MIGRATABLE } from '../../source/flow/steps/verify.js';
import { labCount, MIGRATE_ANSWERS, removeLab, runAnswers, status } from '../harness/e2e.js';
import { newRehearsal, syn2masTaskNames, transcript, type Rehearsal } from '../harness/rehearsal.js';
import { snapshotsMissing } from '../harness/snapshot.js';

let e: Rehearsal;

describe.skipIf(snapshotsMissing())(
  `rehearsal: the real current playbook, up to the dry run${snapshotsMissing() ? ` (skipped: ${snapshotsMissing()})` : ''}`,
  () => {
    beforeAll(async () => {
      e = await newRehearsal('current');
    }, 300_000);
    afterAll(async () => {
      await removeLab(e);
    });

    it('lab reset --playbook copies the checkout as it is and names what is stood in for', () => {
      expect(e.resetOut).toContain('current generation, MAS 1.23.0, rehearsal of');
      expect(e.resetOut).toContain('install-all and setup-all are stood in for');
      for (const file of ['setup.yml', 'ansible.cfg', path.join('roles', 'custom', 'matrix-authentication-service', 'tasks', 'mas_cli_syn2mas.yml')]) {
        expect(readFileSync(path.join(e.lab.playbookDir, file), 'utf8'), file).toBe(readFileSync(path.join(e.checkout, file), 'utf8'));
      }
    });

    it("run --until dry-run: every step succeeded, the dry run counts every Synapse user, through the checkout's own task names", async () => {
      const r = await runAnswers(e, MIGRATE_ANSWERS, ['--until', 'dry-run']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const view = await status(e);
      const done = view.steps.slice(0, view.steps.findIndex((s) => s.id === 'dry-run') + 1);
      expect(done.filter((s) => s.status !== 'succeeded').map((s) => s.id)).toEqual([]);
      const dry = view.steps.find((s) => s.id === 'dry-run')!;
      // What verify's summary.synapse_users will count (the same query).
      const synapseUsers = labCount(e, 'synapse', SYNAPSE_MIGRATABLE);
      expect((dry.outputs?.counts as { users: number }).users).toBe(synapseUsers);
      const text = transcript(e);
      for (const name of syn2masTaskNames(e.checkout, 'current')) expect(text, name).toContain(`: ${name}]`);
      expect(text).toContain('PLAY [Practice lab stand-in for install-all (not the real tasks)]');
    }, 600_000);
  },
);
