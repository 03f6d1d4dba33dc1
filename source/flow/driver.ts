// The one loop both drivers (TUI and `run --answers`) use: reconcile what a previous
// process left `needs-check`, then take the next step through its guard, record it as
// started (with its job and commands), run it, and record what happened.
import { canStart } from '../../state/guards.js';
import { nextStep, stepIndex } from '../../state/reducer.js';
import { readServerRecord, type ServerRecord } from '../../state/server-record.js';
import { stepDefinition, type StepId } from '../../state/steps.js';
import { MissingAnswer } from '../../state/answers.js';
import type { FlowContext } from './context.js';
import { Declined, type GateFacts } from './io.js';
import type { Json, Plan } from '../../state/plan.js';
import type { StepRunner } from './steps/step.js';
import { RUNNERS } from './steps/index.js';
import { retireJobLog } from './steps/long-run.js';
import { reconcileWithServer } from './server-agreement.js';

export interface DriveResult {
  /** 0 done (or stopped at --until), 3 blocked, 4 a step failed. */
  code: 0 | 3 | 4;
  message: string;
  step?: StepId;
}

async function serverRecord(ctx: FlowContext): Promise<ServerRecord | null> {
  try {
    return await readServerRecord(await ctx.session.server(), { baseDir: ctx.session.layout.base, become: ctx.session.become });
  } catch (error) {
    ctx.io.say(`Could not read the server's record of irreversible steps: ${(error as Error).message}`, 'warn');
    return null;
  }
}

/** Steps a previous process left `needs-check` are probed and settled before anything else runs. */
export async function reconcileAll(ctx: FlowContext, runners: Record<StepId, StepRunner> = RUNNERS): Promise<DriveResult | null> {
  for (const step of ctx.plan().steps.filter((s) => s.status === 'needs-check')) {
    const runner = runners[step.id];
    ctx.io.say(`"${step.id}" was running when the wizard stopped; checking what happened…`, 'warn');
    try {
      const found = runner.reconcile
        ? await runner.reconcile(ctx, step)
        : { to: 'pending' as const, evidence: 'it changes nothing that cannot be done again; it will run again' };
      if (!found) continue;
      ctx.dispatch({
        type: 'step-reconciled',
        at: ctx.now(),
        step: step.id,
        to: found.to,
        evidence: found.evidence,
        outputs: found.outputs,
        backup: found.backup,
        dryRun: found.dryRun,
      });
      ctx.io.say(`"${step.id}": ${found.to} — ${found.evidence}`, found.to === 'failed' ? 'error' : 'ok');
      if (found.to !== 'pending')
        await retireJobLog(
          ctx,
          ctx.plan().steps.find((s) => s.id === step.id),
        );
      if (found.to === 'failed') return { code: 4, message: `${step.id}: ${found.evidence}`, step: step.id };
    } catch (error) {
      return {
        code: 4,
        message: `cannot check "${step.id}" against the server yet: ${(error as Error).message}. Nothing was re-run; try again when the server is reachable.`,
        step: step.id,
      };
    }
  }
  return null;
}

const strings = (v: Json | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** What the gate shows: the dry run's counts and timings, and every warning accepted on the way. */
export function gateFacts(plan: Plan): GateFacts {
  const out = (id: StepId) => plan.steps.find((s) => s.id === id)?.outputs ?? {};
  const t = plan.dryRun?.timings ?? {};
  return {
    counts: plan.dryRun?.counts ?? {},
    measuredSeconds: t.measured_seconds ?? null,
    estimateSeconds: t.downtime_estimate_seconds ?? null,
    accepted: [...strings(out('prerequisites').accepted), ...strings(out('syn2mas-check').accepted_warnings)],
  };
}

/** Runs the plan from its next step, up to and including `until`. */
export async function drive(ctx: FlowContext, options: { until?: StepId; runners?: Record<StepId, StepRunner> } = {}): Promise<DriveResult> {
  const runners = options.runners ?? RUNNERS;
  const settled = await reconcileAll(ctx, runners);
  if (settled) return settled;
  try {
    const disagreement = await reconcileWithServer(ctx);
    if (disagreement) return { code: 3, message: disagreement };
  } catch (error) {
    if (error instanceof MissingAnswer || error instanceof Declined) return { code: 3, message: `plan and server disagree: ${(error as Error).message}` };
    throw error;
  }
  const until = options.until;
  if (until) stepIndex(ctx.plan(), until);
  // vars.yml edited by hand since the plan last saw it: tell the plan, so a dry run that no
  // longer matches the config is run again (the migrate guard would only refuse).
  const onDisk = ctx.varsHash();
  if (ctx.plan().varsHash !== undefined && ctx.plan().varsHash !== onDisk) {
    const hadDryRun = Boolean(ctx.plan().dryRun);
    ctx.dispatch({ type: 'vars-changed', at: ctx.now(), hash: onDisk });
    if (hadDryRun && !ctx.plan().dryRun) {
      ctx.io.say(
        `${ctx.session.varsLabel} changed since the dry run passed; the dry run runs again on the current configuration before the migration.`,
        'warn',
      );
    }
  }
  for (;;) {
    const plan = ctx.plan();
    const step = nextStep(plan);
    if (!step) return { code: 0, message: 'every step is done' };
    if (until && stepIndex(plan, step.id) > stepIndex(plan, until)) return { code: 0, message: `stopped after "${until}" as asked` };
    const def = stepDefinition(step.id);
    const runner = runners[step.id];

    let typed: string | undefined;
    let early: Record<string, Json> = {};
    let record: ServerRecord | null = null;
    if (def.irreversible) {
      record = await serverRecord(ctx);
      // Everything but the typed name first: no point asking for it when the gate is shut anyway.
      const pre = canStart(plan, step.id, { currentVarsHash: ctx.varsHash(), typedServerName: plan.serverName, serverRecord: record });
      if (!pre.ok) return { code: 3, message: `"${step.id}" cannot start:\n  - ${pre.reasons.join('\n  - ')}`, step: step.id };
      let confirmed: boolean;
      try {
        // Whatever the steps after it ask is asked now, before the gate (nothing inside the downtime window).
        early = runner.beforeGate ? await runner.beforeGate(ctx) : {};
        ctx.io.say(`${def.title}: ${def.irreversibleWarning ?? 'this cannot be undone.'}`, 'warn');
        for (const c of runner.commands(ctx.session)) ctx.io.say(`It will run: ${c}`);
        confirmed = await ctx.io.typeToConfirm({
          key: 'confirm_server_name',
          question: `Type the server name (${plan.serverName}) to start the real migration`,
          expected: plan.serverName,
          warning: def.irreversibleWarning ?? '',
          facts: gateFacts(ctx.plan()),
        });
      } catch (error) {
        // No typed confirmation (none in the answers file, or a wrong one): blocked, nothing started.
        if (error instanceof MissingAnswer || error instanceof Declined)
          return { code: 3, message: `"${step.id}" was not started: ${(error as Error).message}`, step: step.id };
        throw error;
      }
      typed = confirmed ? plan.serverName : '';
    }
    const guard = canStart(plan, step.id, { currentVarsHash: ctx.varsHash(), typedServerName: typed, serverRecord: record });
    if (!guard.ok) return { code: 3, message: `"${step.id}" cannot start:\n  - ${guard.reasons.join('\n  - ')}`, step: step.id };

    ctx.dispatch({
      type: 'step-started',
      at: ctx.now(),
      step: step.id,
      inputs: { ...(runner.inputs?.(ctx) ?? {}), ...early },
      commands: runner.commands(ctx.session),
    });
    ctx.io.say(`▶ ${def.title} — ${def.description}`);
    let outcome;
    try {
      outcome = await runner.run(ctx);
    } catch (error) {
      const blocked = error instanceof Declined || error instanceof MissingAnswer;
      const message = (error as Error).message;
      ctx.dispatch({ type: 'step-failed', at: ctx.now(), step: step.id, error: message });
      return { code: blocked ? 3 : 4, message: `${step.id}: ${message}`, step: step.id };
    }
    // The outcome goes into the plan first; only then is the raw job log emptied.
    const retire = () =>
      retireJobLog(
        ctx,
        ctx.plan().steps.find((s) => s.id === step.id),
      );
    switch (outcome.status) {
      case 'succeeded':
        ctx.dispatch({ type: 'step-succeeded', at: ctx.now(), step: step.id, outputs: outcome.outputs, backup: outcome.backup, dryRun: outcome.dryRun });
        await retire();
        ctx.io.say(`${def.title} done.`, 'ok');
        break;
      case 'skipped':
        ctx.dispatch({ type: 'step-skipped', at: ctx.now(), step: step.id, reason: outcome.reason });
        await retire();
        ctx.io.say(`– ${def.title} skipped: ${outcome.reason}`);
        break;
      case 'blocked':
        ctx.dispatch({ type: 'step-failed', at: ctx.now(), step: step.id, error: outcome.reasons.join('\n') });
        await retire();
        return { code: 3, message: `"${step.id}" is blocked:\n  - ${outcome.reasons.join('\n  - ')}`, step: step.id };
      case 'failed':
        ctx.dispatch({ type: 'step-failed', at: ctx.now(), step: step.id, error: outcome.error, outputs: outcome.outputs });
        await retire();
        return { code: 4, message: `"${step.id}" failed: ${outcome.error}`, step: step.id };
    }
    if (until === step.id) return { code: 0, message: `stopped after "${until}" as asked` };
  }
}
