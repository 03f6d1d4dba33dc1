// `lab reset` as a place to practise: a finished flow's plan, jobs and lock go with the lab (a
// fresh lab must not report "migrate succeeded"), and a reset is refused (exit 3) while a run
// holds the lab, which then finishes as if nothing happened.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labCount, MIGRATE_ANSWERS, newLab, removeLab, answers, runAnswers, startWizard, status, type E2E } from '../harness/e2e.js';
import { CLI } from '../harness/e2e.js';
import { spawn } from 'node:child_process';

let e: E2E;
beforeAll(async () => {
  e = await newLab('current');
});
afterAll(async () => {
  await removeLab(e);
});

function labReset(extra: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'lab', 'reset', '--yes', '--lab-dir', e.lab.dir, ...extra], { env: e.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const jobs = () => (existsSync(path.join(e.stateDir, 'jobs')) ? readdirSync(path.join(e.stateDir, 'jobs')) : []);

describe('lab reset discards what the wizard kept about the lab', () => {
  it('after a finished migration, a reset leaves no plan, no jobs and no lock: status shows nothing done', async () => {
    const done = await runAnswers(e, MIGRATE_ANSWERS);
    expect(done.code, done.stderr).toBe(0);
    expect(jobs().length).toBeGreaterThan(0);
    const r = await labReset();
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(path.join(e.stateDir, 'plans')).filter((f) => f.endsWith('.json'))).toEqual([]);
    expect(jobs()).toEqual([]);
    expect(existsSync(path.join(e.stateDir, 'locks')) ? readdirSync(path.join(e.stateDir, 'locks')) : []).toEqual([]);
    const view = await status(e);
    expect(view.flow).toBeNull();
    expect(view.steps).toEqual([]);
    expect(labCount(e, 'matrix_authentication_service', 'SELECT count(*) FROM users')).toBe(0);
  }, 300_000);

  it('a reset while a run holds the lab exits 3, names the lock, and that run still finishes', async () => {
    const run = startWizard(e, ['run', '--answers', answers(e, MIGRATE_ANSWERS, 'busy.yml'), '--yes']);
    const lockDir = path.join(e.stateDir, 'locks');
    const start = Date.now();
    while (!(existsSync(lockDir) && readdirSync(lockDir).some((f) => f.endsWith('.lock')))) {
      if (Date.now() - start > 30_000) throw new Error('the run never took its lock');
      await new Promise((r) => setTimeout(r, 50));
    }
    const refused = await labReset();
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/a mas-wizard is using the practice lab \(lock .*\.lock: pid \d+/);
    expect(refused.stderr).toContain('Nothing was changed');
    const finished = await run.done;
    expect(finished.code, finished.stderr).toBe(0);
    expect(labCount(e, 'matrix_authentication_service', 'SELECT count(*) FROM users')).toBeGreaterThan(0);
  }, 300_000);
});
