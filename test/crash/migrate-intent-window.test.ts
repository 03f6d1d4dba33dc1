// The one kill window the seeded crash test almost never hits, because it lasts milliseconds:
// the wizard noted "migrate started" in the server's record and was killed before syn2mas was
// launched. The test builds exactly the state such a kill leaves (the plan's migrate step running
// with its job recorded, the server record's 'started' entry for that attempt, no job directory),
// through the same reducer and record format the wizard uses, on a lab brought to a passed dry run
// by the real wizard. A restart must not call that a failed migration when nothing ran, and must
// never re-run one when the MAS database shows something did.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFaults } from '../../source/lab/faults.js';
import { loadPlan, savePlan } from '../../state/persist.js';
import { reduce } from '../../state/reducer.js';
import { currentActor, serverPaths } from '../../state/remote.js';
import { SERVER_RECORD_VERSION } from '../../state/server-record.js';
import { jobDirs, labCount, MIGRATE_ANSWERS, newLab, planFile, removeLab, runAnswers, serverRecord, type E2E } from '../harness/e2e.js';

let e: E2E;
let crashedPlan: string;
let crashedRecord: string;

beforeAll(async () => {
  e = await newLab();
  const r = await runAnswers(e, MIGRATE_ANSWERS, ['--until', 'dry-run']);
  if (r.code !== 0) throw new Error(`setup run failed: ${r.stdout}\n${r.stderr}`);
  // What the driver saves before the migrate runner starts (step-started with its job), then what
  // the runner writes to the server before launching syn2mas; the kill comes right after.
  const plan = loadPlan(planFile(e))!;
  const at = new Date().toISOString();
  const job = { jobId: `${plan.id}-migrate-1`, where: 'controller', dir: path.join(e.stateDir, 'jobs'), become: false };
  const running = reduce(plan, { type: 'step-started', at, step: 'migrate', inputs: { job }, commands: plan.steps.find((s) => s.id === 'migrate')!.commands });
  savePlan(planFile(e), running);
  const actor = currentActor();
  const entry = { step: 'migrate', outcome: 'started', at, user: actor.user, host: actor.host, planId: plan.id, attempt: 1 };
  writeFileSync(
    serverPaths(e.lab.serverRoot).record,
    `${JSON.stringify({ version: SERVER_RECORD_VERSION, steps: { migrate: entry }, history: [entry] }, null, 2)}\n`,
    { mode: 0o600 },
  );
  crashedPlan = readFileSync(planFile(e), 'utf8');
  crashedRecord = readFileSync(serverPaths(e.lab.serverRoot).record, 'utf8');
}, 180_000);
afterAll(async () => {
  await removeLab(e);
});

describe('killed between the migration intent and the syn2mas launch', () => {
  it('with something already in the MAS database, the restart calls it failed and launches nothing', async () => {
    writeFaults(e.lab.dir, { masDbNotEmpty: true });
    const r = await runAnswers(e, MIGRATE_ANSWERS);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toContain('"migrate": failed — the server record says the migration started');
    expect(jobDirs(e, 'migrate')).toEqual([]);
    expect(labCount(e, 'matrix_authentication_service', 'SELECT count(*) FROM users')).toBe(1);
  }, 60_000);

  it('with the MAS database empty, the restart finds syn2mas never ran and migrates once', async () => {
    writeFaults(e.lab.dir, {});
    // The same crash again, this time with the MAS database as syn2mas left it: empty.
    writeFileSync(planFile(e), crashedPlan, { mode: 0o600 });
    writeFileSync(serverPaths(e.lab.serverRoot).record, crashedRecord, { mode: 0o600 });
    expect(labCount(e, 'matrix_authentication_service', 'SELECT count(*) FROM users')).toBe(0);

    const r = await runAnswers(e, MIGRATE_ANSWERS);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('"migrate": pending — the intent was noted on the server but syn2mas never started');
    const dirs = jobDirs(e, 'migrate');
    expect(dirs).toHaveLength(1);
    expect(dirs[0]).toMatch(/-migrate-2$/);
    const started = serverRecord(e)!.history.filter((h) => h.step === 'migrate' && h.outcome === 'started');
    expect(started.map((h) => (h as { attempt?: number }).attempt)).toEqual([1, 2]);
    expect(serverRecord(e)!.history.filter((h) => h.step === 'migrate' && h.outcome === 'succeeded')).toHaveLength(1);
    expect(labCount(e, 'matrix_authentication_service', 'SELECT count(*) FROM users')).toBe(6);
  }, 150_000);
});
