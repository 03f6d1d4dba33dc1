// Plan and server disagree (issue 12 point 7): after the real migration the MAS database is
// emptied, as a restored backup or a reinstalled server leaves it. The plan still says
// "migrate succeeded"; on resume the wizard says what it found, restarts from the backup step
// (a new backup, the check, the dry run and the typed gate again) and never walks the
// unmigrated server into the cut-over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answers,
  MIGRATE_ANSWERS,
  readPlan,
  labCount,
  labSql,
  newLab,
  removeLab,
  runAnswers,
  serverRecord,
  status,
  stepStatus,
  wizard,
  type E2E,
} from '../harness/e2e.js';

describe('plan and server disagree', () => {
  let e: E2E;
  beforeAll(async () => {
    e = await newLab();
  }, 300_000);
  afterAll(() => removeLab(e));

  it('MAS emptied after the migration: without consent the run stops (exit 3) changing nothing; with --yes it restarts from the backup and ends migrated', async () => {
    let r = await runAnswers(e, MIGRATE_ANSWERS, ['--until', 'migrate']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(labCount(e, 'matrix_authentication_service', 'SELECT count(*) FROM users')).toBeGreaterThan(0);
    // What a restore of the pre-migration MAS database leaves: every MAS table empty again.
    const tables = labSql(
      e,
      'matrix_authentication_service',
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_sqlx_migrations'",
    ).map((row) => row[0]);
    labSql(e, 'matrix_authentication_service', `TRUNCATE ${tables.join(', ')} CASCADE`);
    expect(labCount(e, 'matrix_authentication_service', 'SELECT count(*) FROM users')).toBe(0);

    // Without --yes nobody agreed to the restart: blocked (exit 3) before any step, the plan untouched.
    r = await wizard(e, ['run', '--answers', answers(e, MIGRATE_ANSWERS, 'no-yes.yml')]);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toMatch(/Plan and server disagree: the plan says the migration succeeded .*but MAS's database has no users now/);
    expect(r.stdout).toContain('The safe restart point is the "backup" step');
    expect(stepStatus(await status(e)).migrate).toBe('succeeded');
    expect(stepStatus(await status(e))['cut-over']).toBe('pending');

    // With --yes: restarted from the backup, a second backup, the real migration again, then the rest.
    r = await runAnswers(e, MIGRATE_ANSWERS);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('The plan starts again from the backup step.');
    const view = await status(e);
    expect(Object.values(stepStatus(view)).every((s) => s === 'succeeded' || s === 'skipped')).toBe(true);
    expect(labCount(e, 'matrix_authentication_service', 'SELECT count(*) FROM users')).toBe(view.summary!.synapse_users);
    expect(r.stdout).toContain('▶ Back up the database');
    expect(readPlan(e).steps.find((st) => st.id === 'backup')!.attempt).toBe(2);
    const outcomes = serverRecord(e)!
      .history.filter((h) => h.step === 'migrate')
      .map((h) => h.outcome);
    expect(outcomes).toEqual(['started', 'succeeded', 'superseded', 'started', 'succeeded']);
  }, 900_000);
});
