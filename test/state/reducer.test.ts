import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUDIT_LIMIT, PlanTransitionError, planSchema, type Plan, type PlanEvent } from '../../state/plan.js';
import { goBackRefusal, nextStep, reduce, reduceAll } from '../../state/reducer.js';
import { flowSteps, stepDefinition, STEP_IDS } from '../../state/steps.js';
import { BACKUP, HASH_A, HASH_B, at, dryRunRecord, freshPlan, planBefore, status, succeed } from './fixtures.js';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function expectRefused(plan: Plan, event: PlanEvent, code: string, text?: RegExp): void {
  let error: unknown;
  try {
    reduce(plan, event);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(PlanTransitionError);
  expect((error as PlanTransitionError).code).toBe(code);
  if (text) expect((error as Error).message).toMatch(text);
}

describe('step catalogue', () => {
  it('has the contract step ids in each flow, in order', () => {
    expect(flowSteps('migrate')).toEqual([
      'prerequisites',
      'secret',
      'url',
      'providers',
      'mark-migration',
      'install',
      'backup',
      'syn2mas-check',
      'dry-run',
      'migrate',
      'cut-over',
      'reinstall',
      'verify',
      'users',
    ]);
    expect(flowSteps('new')).toEqual(['prerequisites', 'secret', 'url', 'providers', 'install', 'verify', 'first-admin']);
  });

  it('describes every step; only migrate is irreversible and it says so before it starts', () => {
    for (const id of STEP_IDS) {
      const def = stepDefinition(id);
      expect(def.id).toBe(id);
      expect(def.title.length).toBeGreaterThan(0);
      expect(def.description).not.toContain('\n');
      expect(['input', 'vars-edit', 'server', 'playbook']).toContain(def.kind);
    }
    expect(STEP_IDS.filter((id) => stepDefinition(id).irreversible)).toEqual(['migrate']);
    expect(stepDefinition('migrate').irreversibleWarning).toMatch(/stops Synapse and writes every user into MAS; it cannot be undone by re-running/);
    expect(stepDefinition('migrate').long).toBe(true);
    expect(stepDefinition('secret').long).toBe(false);
  });
});

describe('reduce: starting, finishing, failing', () => {
  it('creates a plan whose steps are all pending and that fits the schema', () => {
    const plan = freshPlan();
    expect(plan.steps.every((s) => s.status === 'pending' && s.attempt === 0)).toBe(true);
    expect(planSchema.safeParse(plan).success).toBe(true);
    expect(nextStep(plan)?.id).toBe('prerequisites');
  });

  it('starts the first step: running, attempt 1, timestamps and commands from the event', () => {
    const plan = reduce(freshPlan(), {
      type: 'step-started',
      at: '2025-06-01T11:00:00.000Z',
      step: 'prerequisites',
      commands: ['ssh … true'],
      inputs: { offline: false },
    });
    const step = plan.steps[0];
    expect(step).toMatchObject({ status: 'running', attempt: 1, startedAt: '2025-06-01T11:00:00.000Z', commands: ['ssh … true'], inputs: { offline: false } });
    expect(plan.updatedAt).toBe('2025-06-01T11:00:00.000Z');
    expect(plan.events?.at(-1)).toMatchObject({ type: 'step-started', step: 'prerequisites' });
  });

  it('is pure: the old plan is never changed', () => {
    const before = deepFreeze(planBefore('dry-run'));
    const copy = structuredClone(before);
    const after = succeed(before, 'dry-run');
    reduce(after, { type: 'vars-changed', at: at(), hash: HASH_B });
    reduce(before, { type: 'go-back', at: at(), to: 'backup' });
    expect(before).toEqual(copy);
  });

  it('refuses to start a step before its predecessors are done', () => {
    expectRefused(
      freshPlan(),
      { type: 'step-started', at: at(), step: 'url' },
      'predecessors-unfinished',
      /before prerequisites \(pending\), secret \(pending\) are done/,
    );
  });

  it('refuses to start a step of the other flow', () => {
    expectRefused(freshPlan('migrate'), { type: 'step-started', at: at(), step: 'first-admin' }, 'unknown-step', /not part of the migrate flow/);
    expectRefused(freshPlan('new'), { type: 'step-started', at: at(), step: 'migrate' }, 'unknown-step');
  });

  it('refuses to start a step while another runs, or one that already succeeded', () => {
    const running = reduce(freshPlan(), { type: 'step-started', at: at(), step: 'prerequisites' });
    expectRefused(running, { type: 'step-started', at: at(), step: 'prerequisites' }, 'not-pending', /it is running/);
    const done = succeed(freshPlan(), 'prerequisites');
    expectRefused(done, { type: 'step-started', at: at(), step: 'prerequisites' }, 'not-pending', /it is succeeded/);
    const two = reduce(done, { type: 'step-started', at: at(), step: 'secret' });
    expect(() => reduce(reduce(two, { type: 'go-back', at: at(), to: 'secret' }), { type: 'step-started', at: at(), step: 'secret' })).toThrow(/running/);
  });

  it('succeeds only a running step, keeping its outputs', () => {
    expectRefused(freshPlan(), { type: 'step-succeeded', at: at(), step: 'prerequisites' }, 'not-running', /it is pending/);
    const plan = succeed(freshPlan(), 'prerequisites');
    expect(plan.steps[0]).toMatchObject({ status: 'succeeded', outputs: { ok: true } });
    expect(plan.steps[0].endedAt).toBeDefined();
    expectRefused(plan, { type: 'step-succeeded', at: at(), step: 'prerequisites' }, 'not-running');
  });

  it('fails only a running step; a failed step can start again with the next attempt', () => {
    expectRefused(freshPlan(), { type: 'step-failed', at: at(), step: 'prerequisites', error: 'x' }, 'not-running');
    let plan = reduce(freshPlan(), { type: 'step-started', at: at(), step: 'prerequisites' });
    plan = reduce(plan, { type: 'step-failed', at: at(), step: 'prerequisites', error: 'ssh: connection refused', outputs: { exit: 255 } });
    expect(plan.steps[0]).toMatchObject({ status: 'failed', error: 'ssh: connection refused', outputs: { exit: 255 } });
    plan = reduce(plan, { type: 'step-started', at: at(), step: 'prerequisites' });
    expect(plan.steps[0]).toMatchObject({ status: 'running', attempt: 2 });
    expect(plan.steps[0].error).toBeUndefined();
    expectRefused(plan, { type: 'step-started', at: at(), step: 'secret' }, 'another-running', /while "prerequisites" is running/);
  });

  it('needs the verified backup record to succeed the backup step, and the dry-run record for the dry run', () => {
    const backup = reduce(planBefore('backup'), { type: 'step-started', at: at(), step: 'backup' });
    expectRefused(backup, { type: 'step-succeeded', at: at(), step: 'backup' }, 'missing-record', /size, sha256/);
    expect(reduce(backup, { type: 'step-succeeded', at: at(), step: 'backup', backup: BACKUP }).backup).toEqual(BACKUP);
    const dry = reduce(planBefore('dry-run'), { type: 'step-started', at: at(), step: 'dry-run' });
    expectRefused(dry, { type: 'step-succeeded', at: at(), step: 'dry-run' }, 'missing-record');
    expect(reduce(dry, { type: 'step-succeeded', at: at(), step: 'dry-run', dryRun: dryRunRecord() }).dryRun?.configHash).toBe(HASH_A);
  });
});

describe('reduce: skipping', () => {
  it('skips a skippable step in order, with its reason', () => {
    const plan = reduce(planBefore('providers'), { type: 'step-skipped', at: at(), step: 'providers', reason: 'no upstream providers' });
    expect(plan.steps.find((s) => s.id === 'providers')).toMatchObject({ status: 'skipped', note: 'no upstream providers' });
    expect(nextStep(plan)?.id).toBe('mark-migration');
  });

  it('refuses to skip a step later steps depend on, or one out of order', () => {
    expectRefused(planBefore('backup'), { type: 'step-skipped', at: at(), step: 'backup', reason: 'x' }, 'not-skippable', /cannot be skipped/);
    expectRefused(planBefore('dry-run'), { type: 'step-skipped', at: at(), step: 'dry-run', reason: 'x' }, 'not-skippable');
    expectRefused(freshPlan(), { type: 'step-skipped', at: at(), step: 'providers', reason: 'x' }, 'predecessors-unfinished');
    const skipped = reduce(planBefore('providers'), { type: 'step-skipped', at: at(), step: 'providers', reason: 'x' });
    expectRefused(skipped, { type: 'step-skipped', at: at(), step: 'providers', reason: 'x' }, 'not-pending');
  });
});

describe('reduce: needs-check, resume and reconciliation', () => {
  it('a running step becomes needs-check (lost link); it cannot be started, succeeded or skipped', () => {
    let plan = reduce(planBefore('migrate'), { type: 'step-started', at: at(), step: 'migrate' });
    plan = reduce(plan, { type: 'step-needs-check', at: at(), step: 'migrate', reason: 'connection lost' });
    expect(status(plan, 'migrate')).toBe('needs-check');
    expectRefused(plan, { type: 'step-started', at: at(), step: 'migrate' }, 'needs-check', /check it against the server first/);
    expectRefused(plan, { type: 'step-succeeded', at: at(), step: 'migrate' }, 'needs-check');
    expectRefused(freshPlan(), { type: 'step-needs-check', at: at(), step: 'prerequisites', reason: 'x' }, 'not-running');
  });

  it('resumed turns every running step into needs-check and leaves a quiet plan alone', () => {
    const running = reduce(planBefore('install'), { type: 'step-started', at: at(), step: 'install' });
    const resumed = reduce(running, { type: 'resumed', at: at() });
    expect(status(resumed, 'install')).toBe('needs-check');
    expect(resumed.events?.at(-1)).toMatchObject({ type: 'step-needs-check', step: 'install' });
    const quiet = planBefore('install');
    expect(reduce(quiet, { type: 'resumed', at: at() })).toBe(quiet);
  });

  it('reconciles needs-check to succeeded, failed or pending with the evidence kept', () => {
    const check = reduce(reduce(planBefore('install'), { type: 'step-started', at: at(), step: 'install' }), { type: 'resumed', at: at() });
    const ok = reduce(check, { type: 'step-reconciled', at: at(), step: 'install', to: 'succeeded', evidence: 'MAS container is running' });
    expect(ok.steps.find((s) => s.id === 'install')).toMatchObject({ status: 'succeeded', note: 'MAS container is running' });
    const failed = reduce(check, { type: 'step-reconciled', at: at(), step: 'install', to: 'failed', evidence: 'playbook log ends with failed=1' });
    expect(failed.steps.find((s) => s.id === 'install')).toMatchObject({ status: 'failed', error: 'playbook log ends with failed=1' });
    const pending = reduce(check, { type: 'step-reconciled', at: at(), step: 'install', to: 'pending', evidence: 'no log file: never started' });
    expect(status(pending, 'install')).toBe('pending');
    expect(pending.events?.at(-1)?.detail).toBe('pending: no log file: never started');
    expectRefused(ok, { type: 'step-reconciled', at: at(), step: 'install', to: 'succeeded', evidence: 'x' }, 'not-running', /not needs-check/);
  });

  it('reconciling a backup or dry run to succeeded still needs its record', () => {
    const check = reduce(reduce(planBefore('backup'), { type: 'step-started', at: at(), step: 'backup' }), { type: 'resumed', at: at() });
    expectRefused(check, { type: 'step-reconciled', at: at(), step: 'backup', to: 'succeeded', evidence: 'dump exists' }, 'missing-record');
    expect(reduce(check, { type: 'step-reconciled', at: at(), step: 'backup', to: 'succeeded', evidence: 'dump verified', backup: BACKUP }).backup).toEqual(
      BACKUP,
    );
  });
});

describe('reduce: vars-changed invalidates a passed dry run', () => {
  it('a later vars.yml edit sends the dry run back to pending and drops its record', () => {
    const passed = succeed(planBefore('dry-run'), 'dry-run');
    expect(passed.dryRun?.configHash).toBe(HASH_A);
    const edited = reduce(passed, { type: 'vars-changed', at: at(), hash: HASH_B });
    expect(edited.varsHash).toBe(HASH_B);
    expect(edited.dryRun).toBeUndefined();
    expect(status(edited, 'dry-run')).toBe('pending');
    expect(status(edited, 'migrate')).toBe('pending');
    expect(status(edited, 'syn2mas-check')).toBe('succeeded');
    expect(edited.backup).toEqual(BACKUP);
    expect(edited.events?.at(-1)).toMatchObject({ type: 'dry-run-invalidated', step: 'dry-run' });
  });

  it("the same hash changes nothing; an edit back to the dry run's hash keeps it", () => {
    const passed = succeed(planBefore('dry-run'), 'dry-run');
    expect(reduce(passed, { type: 'vars-changed', at: at(), hash: HASH_A })).toBe(passed);
  });

  it('after the migration took effect (succeeded or needs-check) the dry run is history and stays', () => {
    const migrated = succeed(succeed(planBefore('dry-run'), 'dry-run'), 'migrate');
    const cutOver = reduce(migrated, { type: 'vars-changed', at: at(), hash: HASH_B });
    expect(status(cutOver, 'dry-run')).toBe('succeeded');
    expect(cutOver.dryRun?.configHash).toBe(HASH_A);
    const unsure = reduce(reduce(succeed(planBefore('dry-run'), 'dry-run'), { type: 'step-started', at: at(), step: 'migrate' }), {
      type: 'resumed',
      at: at(),
    });
    expect(status(reduce(unsure, { type: 'vars-changed', at: at(), hash: HASH_B }), 'dry-run')).toBe('succeeded');
  });

  it('a failed migrate stays failed when vars.yml changes (its guard still asks for a restore)', () => {
    let plan = reduce(succeed(planBefore('dry-run'), 'dry-run'), { type: 'step-started', at: at(), step: 'migrate' });
    plan = reduce(plan, { type: 'step-failed', at: at(), step: 'migrate', error: 'exit 1' });
    plan = reduce(plan, { type: 'vars-changed', at: at(), hash: HASH_B });
    expect(status(plan, 'dry-run')).toBe('pending');
    expect(status(plan, 'migrate')).toBe('failed');
  });
});

describe('reduce: go-back', () => {
  it('re-runs the dry run or the syn2mas check before the migration ran', () => {
    const passed = succeed(planBefore('dry-run'), 'dry-run');
    const back = reduce(passed, { type: 'go-back', at: at(), to: 'dry-run' });
    expect(status(back, 'dry-run')).toBe('pending');
    expect(back.dryRun).toBeUndefined();
    expect(back.backup).toEqual(BACKUP);
    const check = reduce(passed, { type: 'go-back', at: at(), to: 'syn2mas-check' });
    expect(['syn2mas-check', 'dry-run', 'migrate'].map((s) => status(check, s as never))).toEqual(['pending', 'pending', 'pending']);
    expect(status(check, 'backup')).toBe('succeeded');
    expect(reduce(passed, { type: 'go-back', at: at(), to: 'backup' }).backup).toBeUndefined();
  });

  it('goes back after a failed migration (to restore and dry-run again)', () => {
    let plan = reduce(succeed(planBefore('dry-run'), 'dry-run'), { type: 'step-started', at: at(), step: 'migrate' });
    plan = reduce(plan, { type: 'step-failed', at: at(), step: 'migrate', error: 'exit 1' });
    const back = reduce(plan, { type: 'go-back', at: at(), to: 'dry-run' });
    expect(status(back, 'migrate')).toBe('pending');
    expect(back.steps.find((s) => s.id === 'migrate')?.attempt).toBe(1);
  });

  it('never goes back before the migration once it succeeded or may have run', () => {
    const migrated = succeed(succeed(planBefore('dry-run'), 'dry-run'), 'migrate');
    for (const to of ['dry-run', 'syn2mas-check', 'mark-migration', 'prerequisites', 'migrate'] as const) {
      expectRefused(migrated, { type: 'go-back', at: at(), to }, 'go-back-refused', /"migrate" succeeded and cannot be undone by re-running/);
    }
    const unsure = reduce(reduce(succeed(planBefore('dry-run'), 'dry-run'), { type: 'step-started', at: at(), step: 'migrate' }), {
      type: 'resumed',
      at: at(),
    });
    expectRefused(unsure, { type: 'go-back', at: at(), to: 'dry-run' }, 'go-back-refused', /may have run/);
  });

  it('goes back to steps after the migration (re-run cut-over, reinstall, verify)', () => {
    let plan = succeed(succeed(planBefore('dry-run'), 'dry-run'), 'migrate');
    plan = succeed(succeed(succeed(plan, 'cut-over'), 'reinstall'), 'verify');
    const back = reduce(plan, { type: 'go-back', at: at(), to: 'cut-over' });
    expect(['migrate', 'cut-over', 'reinstall', 'verify'].map((s) => status(back, s as never))).toEqual(['succeeded', 'pending', 'pending', 'pending']);
    expect(goBackRefusal(plan, 'verify')).toBeNull();
  });

  it('refuses to go back while a step runs', () => {
    const running = reduce(planBefore('install'), { type: 'step-started', at: at(), step: 'install' });
    expectRefused(running, { type: 'go-back', at: at(), to: 'secret' }, 'go-back-refused', /"install" is running/);
  });
});

describe('reduce: commands and audit trail', () => {
  it('commands-set replaces the displayed commands of a step', () => {
    const plan = reduce(freshPlan(), { type: 'commands-set', at: at(), step: 'install', commands: ['just install-service matrix-authentication-service'] });
    expect(plan.steps.find((s) => s.id === 'install')?.commands).toEqual(['just install-service matrix-authentication-service']);
    expectRefused(freshPlan(), { type: 'commands-set', at: at(), step: 'first-admin', commands: [] }, 'unknown-step');
  });

  it('keeps at most AUDIT_LIMIT audit entries, the newest', () => {
    let plan = freshPlan();
    for (let i = 0; i < AUDIT_LIMIT + 50; i++) {
      plan = reduce(plan, { type: 'step-started', at: at(), step: 'prerequisites' });
      plan = reduce(plan, { type: 'step-failed', at: at(), step: 'prerequisites', error: `try ${i}` });
    }
    expect(plan.events).toHaveLength(AUDIT_LIMIT);
    expect(plan.events?.at(-1)?.detail).toBe(`try ${AUDIT_LIMIT + 49}`);
  });
});

describe('reduce: properties over random event sequences', () => {
  const steps = flowSteps('migrate');
  const eventArb: fc.Arbitrary<(plan: Plan) => PlanEvent> = fc.oneof(
    fc.constantFrom(...steps).map((step) => () => ({ type: 'step-started', at: at(), step }) as PlanEvent),
    fc.constantFrom(...steps).map((step) => () => ({ type: 'step-succeeded', at: at(), step, backup: BACKUP, dryRun: dryRunRecord() }) as PlanEvent),
    fc.constantFrom(...steps).map((step) => () => ({ type: 'step-failed', at: at(), step, error: 'boom' }) as PlanEvent),
    fc.constantFrom(...steps).map((step) => () => ({ type: 'step-skipped', at: at(), step, reason: 'r' }) as PlanEvent),
    fc.constantFrom(...steps).map((step) => () => ({ type: 'step-needs-check', at: at(), step, reason: 'r' }) as PlanEvent),
    fc.tuple(fc.constantFrom(...steps), fc.constantFrom('succeeded', 'failed', 'pending') as fc.Arbitrary<'succeeded' | 'failed' | 'pending'>).map(
      ([step, to]) =>
        () =>
          ({ type: 'step-reconciled', at: at(), step, to, evidence: 'e', backup: BACKUP, dryRun: dryRunRecord() }) as PlanEvent,
    ),
    fc.constant(() => ({ type: 'resumed', at: at() }) as PlanEvent),
    fc.constantFrom(HASH_A, HASH_B).map((hash) => () => ({ type: 'vars-changed', at: at(), hash }) as PlanEvent),
    fc.constantFrom(...steps).map((to) => () => ({ type: 'go-back', at: at(), to }) as PlanEvent),
  );

  it('every plan stays valid: one running step at most, running/succeeded steps have finished predecessors, nothing before a migration that took effect is redone', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 120 }), (makers) => {
        let plan = reduceAll(freshPlan(), []);
        for (const make of makers) {
          const event = make(plan);
          try {
            plan = reduce(plan, event);
          } catch (error) {
            if (!(error instanceof PlanTransitionError)) throw error;
          }
          expect(planSchema.safeParse(plan).success).toBe(true);
          expect(plan.steps.filter((s) => s.status === 'running').length).toBeLessThanOrEqual(1);
          plan.steps.forEach((s, i) => {
            if (s.status === 'running' || s.status === 'succeeded') {
              expect(plan.steps.slice(0, i).every((p) => p.status === 'succeeded' || p.status === 'skipped')).toBe(true);
            }
          });
          // While the migration has (or may have) taken effect, nothing before it can be redone.
          const m = status(plan, 'migrate');
          if (m === 'succeeded' || m === 'needs-check' || m === 'running') {
            expect(
              plan.steps
                .slice(
                  0,
                  plan.steps.findIndex((s) => s.id === 'migrate'),
                )
                .every((p) => p.status === 'succeeded' || p.status === 'skipped'),
            ).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('server-disagrees', () => {
  it('starts the plan again from the given step even across a migration that took effect, keeping the evidence', async () => {
    const { createPlan, reduce, reduceAll, goBackRefusal } = await import('../../state/reducer.js');
    const at = '2026-01-01T00:00:00.000Z';
    let p = createPlan({ id: 'p', flow: 'migrate', serverName: 'example.org', host: 'h', generation: 'current', at });
    for (const id of ['prerequisites', 'secret', 'url', 'providers', 'mark-migration', 'install', 'backup', 'syn2mas-check', 'dry-run', 'migrate'] as const) {
      p = reduceAll(p, [
        { type: 'step-started', at, step: id },
        { type: 'step-succeeded', at, step: id, backup: BACKUP, dryRun: dryRunRecord() },
      ]);
    }
    expect(goBackRefusal(p, 'backup')).toMatch(/cannot be undone/);
    const next = reduce(p, { type: 'server-disagrees', at, to: 'backup', evidence: "MAS's database has no users" });
    expect(next.steps.filter((s) => s.status === 'pending').map((s) => s.id)).toEqual([
      'backup',
      'syn2mas-check',
      'dry-run',
      'migrate',
      'cut-over',
      'reinstall',
      'verify',
      'users',
    ]);
    expect(next.steps.find((s) => s.id === 'install')!.status).toBe('succeeded');
    expect(next.events!.at(-1)).toMatchObject({ type: 'server-disagrees', step: 'backup', detail: "MAS's database has no users" });
    // The old backup and dry run vouched for a server that is gone: both records are dropped.
    expect(next.backup).toBeUndefined();
    expect(next.dryRun).toBeUndefined();
  });
});
