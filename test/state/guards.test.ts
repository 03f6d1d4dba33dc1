import { describe, expect, it } from 'vitest';
import { canStart, type GuardContext } from '../../state/guards.js';
import type { Plan } from '../../state/plan.js';
import { reduce } from '../../state/reducer.js';
import type { ServerRecord } from '../../state/server-record.js';
import { HASH_A, HASH_B, at, freshPlan, planBefore, succeed } from './fixtures.js';

const READY: GuardContext = { currentVarsHash: HASH_A, typedServerName: 'example.com' };

function reasons(plan: Plan, step: Parameters<typeof canStart>[1], ctx: GuardContext = READY): string[] {
  const result = canStart(plan, step, ctx);
  return result.ok ? [] : result.reasons;
}

/** Everything the migration needs: backup verified, dry run passed on HASH_A. */
const gated = () => succeed(planBefore('dry-run'), 'dry-run');

describe('canStart: ordinary steps', () => {
  it('allows the next step and refuses one whose predecessors are open, naming them', () => {
    expect(canStart(freshPlan(), 'prerequisites', READY)).toEqual({ ok: true });
    expect(reasons(freshPlan(), 'url')).toEqual(['these steps must finish first: prerequisites (pending), secret (pending)']);
  });

  it('refuses a step that needs a check, one that already ran, and anything while another runs', () => {
    const running = reduce(planBefore('install'), { type: 'step-started', at: at(), step: 'install' });
    expect(reasons(running, 'install')).toEqual(['"install" is already running']);
    expect(reasons(running, 'backup')).toContain('"install" is still running');
    const check = reduce(running, { type: 'resumed', at: at() });
    expect(reasons(check, 'install')[0]).toMatch(/may or may not have finished.*check it against the server/);
    expect(reasons(planBefore('install'), 'secret')[0]).toMatch(/already succeeded; go back to it first/);
  });

  it('refuses a step not in the flow', () => {
    expect(reasons(freshPlan('new'), 'migrate')).toEqual(['"migrate" is not a step of the new flow']);
  });

  it('needs nothing extra for the dry run or the check (they are safe to repeat)', () => {
    expect(canStart(planBefore('dry-run'), 'dry-run', { currentVarsHash: HASH_B })).toEqual({ ok: true });
    expect(canStart(planBefore('syn2mas-check'), 'syn2mas-check', { currentVarsHash: HASH_B })).toEqual({ ok: true });
  });
});

describe('canStart: the migration gate', () => {
  it('opens with a verified backup, a dry run on the same config and the exact server name', () => {
    expect(canStart(gated(), 'migrate', READY)).toEqual({ ok: true });
  });

  it('refuses without the server name typed, or with a near miss', () => {
    expect(reasons(gated(), 'migrate', { currentVarsHash: HASH_A })).toEqual(['type the server name (example.com) to confirm']);
    for (const typed of ['Example.com', 'example.com ', 'example', 'matrix.example.com']) {
      expect(reasons(gated(), 'migrate', { currentVarsHash: HASH_A, typedServerName: typed })).toEqual([
        'the typed name does not match the server name exactly (expected example.com)',
      ]);
    }
  });

  it('refuses when vars.yml on disk differs from what the dry run ran on', () => {
    expect(reasons(gated(), 'migrate', { ...READY, currentVarsHash: HASH_B })).toEqual([
      'vars.yml changed after the dry run passed; run the dry run again on the current configuration',
    ]);
  });

  it('a vars-changed event after the dry run closes the gate until the dry run passes again', () => {
    const edited = reduce(gated(), { type: 'vars-changed', at: at(), hash: HASH_B });
    const r = reasons(edited, 'migrate', { ...READY, currentVarsHash: HASH_B });
    expect(r).toContain('the dry run has not passed yet');
    expect(r.some((x) => x.startsWith('these steps must finish first: dry-run (pending)'))).toBe(true);
    const again = succeed(edited, 'dry-run', HASH_B);
    expect(canStart(again, 'migrate', { ...READY, currentVarsHash: HASH_B })).toEqual({ ok: true });
  });

  it('refuses without a verified backup (a plan whose backup record is missing or empty)', () => {
    const noRecord: Plan = { ...gated() };
    delete noRecord.backup;
    expect(reasons(noRecord, 'migrate')).toEqual([expect.stringMatching(/no verified backup yet.*backup\.enabled: false.*set it to true/)]);
    const empty: Plan = { ...gated(), backup: { ...gated().backup!, sizeBytes: 0 } };
    expect(reasons(empty, 'migrate')[0]).toMatch(/no verified backup/);
  });

  it('refuses a retry after a failed migration until backup restore and a new dry run', () => {
    let plan = reduce(gated(), { type: 'step-started', at: at(), step: 'migrate' });
    plan = reduce(plan, { type: 'step-failed', at: at(), step: 'migrate', error: 'exit 1' });
    expect(reasons(plan, 'migrate')[0]).toMatch(
      /failed on attempt 1 .*restore the backup \(\/matrix\/postgres\/backups\/all-2025-06-01\.sql\.gz\), then go back to the dry run/,
    );
  });

  it('refuses when the server record says the migration already ran (from another machine)', () => {
    const record: ServerRecord = {
      version: 1,
      history: [],
      steps: {
        migrate: { step: 'migrate', outcome: 'succeeded', at: '2025-05-30T08:00:00.000Z', user: 'ops', host: 'bastion', planId: 'OTHERPLAN', attempt: 1 },
      },
    };
    expect(reasons(gated(), 'migrate', { ...READY, serverRecord: record })).toEqual([
      'the server\'s own record says "migrate" already ran: migrate succeeded at 2025-05-30T08:00:00.000Z from ops@bastion (plan OTHERPLAN); it cannot be run again',
    ]);
    const started = { ...record, steps: { migrate: { ...record.steps.migrate!, outcome: 'started' as const } } };
    expect(reasons(gated(), 'migrate', { ...READY, serverRecord: started })[0]).toMatch(/migrate started at .* from ops@bastion/);
  });

  it("this plan's own intent entry does not block it (its needs-check status governs instead)", () => {
    const plan = gated();
    const own: ServerRecord = {
      version: 1,
      history: [],
      steps: { migrate: { step: 'migrate', outcome: 'started', at: '2025-06-01T10:00:00.000Z', user: 'ops', host: 'laptop', planId: plan.id, attempt: 1 } },
    };
    expect(canStart(plan, 'migrate', { ...READY, serverRecord: own })).toEqual({ ok: true });
  });

  it('lists every missing gate at once, in plain words', () => {
    const plan: Plan = { ...planBefore('migrate') };
    delete plan.backup;
    delete plan.dryRun;
    expect(reasons(plan, 'migrate', { currentVarsHash: HASH_B })).toEqual([
      expect.stringMatching(/^there is no verified backup yet/),
      'the dry run has not passed yet',
      'type the server name (example.com) to confirm',
    ]);
  });
});
