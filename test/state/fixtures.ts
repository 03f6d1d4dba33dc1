// Shared plan builders for the state tests: a fresh plan, and a plan driven through
// real reducer events up to (not including) a given step.
import type { BackupRecord, DryRunRecord, Plan } from '../../state/plan.js';
import { createPlan, reduce } from '../../state/reducer.js';
import type { Flow, StepId } from '../../state/steps.js';

export const T0 = '2025-06-01T10:00:00.000Z';
export const HASH_A = 'sha256:aaaa';
export const HASH_B = 'sha256:bbbb';

let tick = 0;
/** A fresh, increasing timestamp per call. */
export function at(): string {
  tick += 1;
  return new Date(Date.parse(T0) + tick * 1000).toISOString();
}

export const BACKUP: BackupRecord = {
  path: '/matrix/postgres/backups/all-2025-06-01.sql.gz',
  sizeBytes: 123456,
  sha256: 'a'.repeat(64),
  verifiedAt: T0,
};

export function dryRunRecord(hash = HASH_A): DryRunRecord {
  return { configHash: hash, passedAt: T0, counts: { users: 42 }, timings: { totalMs: 1200 } };
}

export function freshPlan(flow: Flow = 'migrate'): Plan {
  return createPlan({ id: '01JTESTPLAN0000000000000000', flow, serverName: 'example.com', host: 'matrix.example.com', generation: 'current', at: T0 });
}

/** Runs one step to success with the record it needs. */
export function succeed(plan: Plan, step: StepId, hash = HASH_A): Plan {
  const started = reduce(plan, { type: 'step-started', at: at(), step, commands: [`run ${step}`] });
  return reduce(started, {
    type: 'step-succeeded',
    at: at(),
    step,
    outputs: { ok: true },
    ...(step === 'backup' ? { backup: BACKUP } : {}),
    ...(step === 'dry-run' ? { dryRun: dryRunRecord(hash) } : {}),
  });
}

/** Every step before `until` succeeded, vars hash recorded as HASH_A. */
export function planBefore(until: StepId, flow: Flow = 'migrate'): Plan {
  let plan = reduce(freshPlan(flow), { type: 'vars-changed', at: at(), hash: HASH_A });
  for (const step of plan.steps.map((s) => s.id)) {
    if (step === until) break;
    plan = succeed(plan, step);
  }
  return plan;
}

export function status(plan: Plan, step: StepId): string {
  return plan.steps.find((s) => s.id === step)!.status;
}
