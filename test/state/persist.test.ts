import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAN_VERSION, planSchema } from '../../state/plan.js';
import { PlanFileError, listPlanFiles, loadPlan, planFilePath, planKey, redactPlan, savePlan } from '../../state/persist.js';
import { reduce } from '../../state/reducer.js';
import { MASK } from '../../source/logs/redact.js';
import { compiledChild } from './children/build.js';
import { at, freshPlan, planBefore } from './fixtures.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-persist-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});

let n = 0;
const fresh = () => path.join(root, `case-${++n}`, 'plans', 'p.json');
const HEX = 'deadbeef'.repeat(8);
const PASSWORD = 'correct-horse-battery';

describe('plan file location', () => {
  it('one file per (checkout, server) under stateDir()/plans, the same for a symlinked checkout', () => {
    const env = { MAS_WIZARD_STATE_DIR: path.join(root, 'state') };
    const checkout = fs.mkdtempSync(path.join(root, 'checkout-'));
    const link = path.join(root, 'link-to-checkout');
    fs.symlinkSync(checkout, link);
    const file = planFilePath(checkout, 'example.com', env);
    expect(path.dirname(file)).toBe(path.join(root, 'state', 'plans'));
    expect(path.basename(file)).toMatch(/^example\.com-[0-9a-f]{16}\.json$/);
    expect(planFilePath(link, 'example.com', env)).toBe(file);
    expect(planFilePath(checkout, 'other.org', env)).not.toBe(file);
    expect(planKey(path.join(root, 'elsewhere'), 'example.com')).not.toBe(planKey(checkout, 'example.com'));
    expect(listPlanFiles(env)).toEqual([]);
    savePlan(file, freshPlan());
    expect(listPlanFiles(env)).toEqual([file]);
  });
});

describe('savePlan / loadPlan', () => {
  it('round-trips a plan, mode 0600 and directory 0700 even under umask 000', () => {
    const file = fresh();
    const plan = planBefore('dry-run');
    const old = process.umask(0);
    try {
      savePlan(file, plan);
    } finally {
      process.umask(old);
    }
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(loadPlan(file)).toEqual(plan);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['p.json']);
  });

  it('returns null when there is no plan yet', () => {
    expect(loadPlan(fresh())).toBeNull();
  });

  it('holds no secret value: known secrets masked everywhere, secret-named inputs masked, references kept', () => {
    const file = fresh();
    let plan = reduce(freshPlan(), {
      type: 'step-started',
      at: at(),
      step: 'prerequisites',
      inputs: { encryption: HEX, admin: { password: PASSWORD }, vault: { secret: '{{ vault_mas_secret }}' }, clientSecret: 'another-one-123' },
      commands: [`mas-cli manage register-user -p ${PASSWORD} alice`],
    });
    plan = reduce(plan, { type: 'step-failed', at: at(), step: 'prerequisites', error: `config has secret ${HEX}`, outputs: { echoed: `key=${HEX}` } });
    savePlan(file, plan, { secrets: [HEX, PASSWORD] });
    const text = fs.readFileSync(file, 'utf8');
    for (const secret of [HEX, PASSWORD, 'another-one-123']) expect(text).not.toContain(secret);
    expect(text).toContain('{{ vault_mas_secret }}');
    const loaded = loadPlan(file)!;
    expect(loaded.steps[0].commands).toEqual([`mas-cli manage register-user -p ${MASK} alice`]);
    expect(loaded.steps[0].error).toBe(`config has secret ${MASK}`);
    expect(loaded.steps[0].inputs).toEqual({ encryption: MASK, admin: { password: MASK }, vault: { secret: '{{ vault_mas_secret }}' }, clientSecret: MASK });
    expect(redactPlan(plan, ['abc']).steps[0].error).toContain(HEX.slice(0, 8)); // too short to be a secret: not masked
    // Token shapes are masked even when nobody registered them (the shared redactor's rules).
    const leaked = reduce(reduce(freshPlan(), { type: 'step-started', at: at(), step: 'prerequisites' }), {
      type: 'step-failed',
      at: at(),
      step: 'prerequisites',
      error: 'syn2mas said refresh_token=syr_abcdefghijklmnop_1234',
    });
    expect(redactPlan(leaked).steps[0].error).not.toContain('syr_abcdefghijklmnop');
  });

  it('moves a corrupt file aside (never deletes it) and says where', () => {
    const file = fresh();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"version": 1, "id": "trunc', { mode: 0o600 });
    let error: unknown;
    try {
      loadPlan(file, { now: () => new Date('2025-06-01T12:34:56.789Z') });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlanFileError);
    const kept = `${file}.corrupt-2025-06-01T12-34-56-789Z`;
    expect((error as PlanFileError).keptAs).toBe(kept);
    expect((error as Error).message).toMatch(new RegExp(`plan file ${file} is not valid JSON .*kept it as ${kept}`));
    expect(fs.readFileSync(kept, 'utf8')).toBe('{"version": 1, "id": "trunc');
    expect(fs.existsSync(file)).toBe(false);
    expect(loadPlan(file)).toBeNull();
  });

  it('moves aside a file that is JSON but not a plan, naming what is wrong', () => {
    const file = fresh();
    const plan = freshPlan() as unknown as { steps: { status: string }[] };
    plan.steps[0].status = 'half-done';
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(plan));
    expect(() => loadPlan(file)).toThrow(/is damaged \(steps\.0\.status: .*\); kept it as .*\.corrupt-/);
    expect(fs.readdirSync(path.dirname(file)).filter((f) => f.includes('.corrupt-'))).toHaveLength(1);
  });

  it('refuses a file from a newer mas-wizard and leaves it in place', () => {
    const file = fresh();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const body = JSON.stringify({ ...freshPlan(), version: PLAN_VERSION + 1, somethingNew: true });
    fs.writeFileSync(file, body);
    expect(() => loadPlan(file)).toThrow(`plan file ${file} was written by a newer mas-wizard (version ${PLAN_VERSION + 1})`);
    expect(fs.readFileSync(file, 'utf8')).toBe(body);
  });

  it('tightens a plan file someone made readable by others', () => {
    const file = fresh();
    savePlan(file, freshPlan());
    fs.chmodSync(file, 0o644);
    loadPlan(file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('cleans temp files left by a killed writer, not those of a live one', () => {
    const file = fresh();
    savePlan(file, freshPlan());
    const dead = path.join(path.dirname(file), `.p.json.999999999.abcd.tmp`);
    const live = path.join(path.dirname(file), `.p.json.${process.pid}.abcd.tmp`);
    fs.writeFileSync(dead, '{');
    fs.writeFileSync(live, '{');
    loadPlan(file);
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
  });
});

describe('atomicity under SIGKILL (real child processes)', () => {
  let writer = '';
  beforeAll(() => {
    writer = compiledChild('plan-writer');
  });

  function startWriter(file: string, start: number): Promise<ChildProcess> {
    const child = spawn(process.execPath, [writer, file, String(start)], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    return new Promise((resolve, reject) => {
      child.stdout!.once('data', () => resolve(child));
      child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
    });
  }

  it('25 writers killed at random moments always leave the old or a newer whole plan', async () => {
    const rounds = 25;
    const parallel = 5;
    const file = fresh();
    let lastSeq = 0;
    for (let batch = 0; batch < rounds / parallel; batch++) {
      const files = Array.from({ length: parallel }, (_, i) => `${file}.${batch}-${i}`);
      const writers = await Promise.all(files.map((f, i) => startWriter(f, (batch * parallel + i + 1) * 1_000_000)));
      await Promise.all(
        writers.map(async (child) => {
          await new Promise((r) => setTimeout(r, Math.random() * 60));
          const gone = new Promise((r) => child.once('exit', r));
          child.kill('SIGKILL');
          await gone;
        }),
      );
      for (const [i, f] of files.entries()) {
        const text = fs.readFileSync(f, 'utf8');
        expect(planSchema.safeParse(JSON.parse(text)).success).toBe(true);
        const plan = loadPlan(f)!;
        const seq = Date.parse(plan.updatedAt);
        expect(seq).toBeGreaterThanOrEqual((batch * parallel + i + 1) * 1_000_000);
        expect(plan.steps[0].commands).toEqual([`seq ${seq}`]);
        lastSeq = Math.max(lastSeq, seq);
        // loadPlan removed the dead writer's temp file, if the kill left one.
        expect(fs.readdirSync(path.dirname(f)).filter((name) => name.startsWith(`.${path.basename(f)}.`))).toEqual([]);
      }
    }
    expect(lastSeq).toBeGreaterThan(0);
  });
});
