// The pure reducer: (plan, event) → new plan. No I/O and no clock: every timestamp
// arrives in the event. An event that is illegal in the current state throws a
// PlanTransitionError and the caller keeps the old plan (nothing is mutated).
import { AUDIT_LIMIT, PLAN_VERSION, PlanTransitionError, type AuditEntry, type Plan, type PlanEvent, type StepState } from './plan.js';
import { flowSteps, stepDefinition, type Flow, type StepId } from './steps.js';

export interface NewPlan {
  id: string;
  flow: Flow;
  serverName: string;
  host: string;
  generation: 'current' | 'legacy';
  at: string;
}

export function createPlan(init: NewPlan): Plan {
  return {
    version: PLAN_VERSION,
    id: init.id,
    flow: init.flow,
    serverName: init.serverName,
    host: init.host,
    generation: init.generation,
    createdAt: init.at,
    updatedAt: init.at,
    steps: flowSteps(init.flow).map((id) => ({ id, status: 'pending', inputs: {}, outputs: {}, commands: [], attempt: 0 })),
    events: [],
  };
}

/** A step is done (its successors may start) when it succeeded or was skipped. */
export function isDone(step: StepState): boolean {
  return step.status === 'succeeded' || step.status === 'skipped';
}

/** An irreversible step that succeeded, is running or might have run: nothing before it may be redone. */
export function hasTakenEffect(step: StepState): boolean {
  return step.status === 'succeeded' || step.status === 'running' || step.status === 'needs-check';
}

export function stepIndex(plan: Plan, id: StepId): number {
  const index = plan.steps.findIndex((s) => s.id === id);
  if (index < 0) throw new PlanTransitionError('unknown-step', id, `step "${id}" is not part of the ${plan.flow} flow`);
  return index;
}

export function findStep(plan: Plan, id: StepId): StepState | undefined {
  return plan.steps.find((s) => s.id === id);
}

/** The first step not yet done, or undefined when the plan is finished. */
export function nextStep(plan: Plan): StepState | undefined {
  return plan.steps.find((s) => !isDone(s));
}

/** Why going back to `to` is refused, or null when it is safe. Shared with guards and screens. */
export function goBackRefusal(plan: Plan, to: StepId): string | null {
  const from = stepIndex(plan, to);
  for (const step of plan.steps.slice(from)) {
    if (step.status === 'running') return `"${step.id}" is running; wait for it to finish before going back`;
    const def = stepDefinition(step.id);
    if (def.irreversible && hasTakenEffect(step)) {
      const state = step.status === 'succeeded' ? 'succeeded' : 'may have run (needs a check)';
      return `cannot go back to "${to}": "${step.id}" ${state} and cannot be undone by re-running; only restoring the backup undoes it`;
    }
  }
  return null;
}

function audit(plan: Plan, entry: AuditEntry): AuditEntry[] {
  const events = [...(plan.events ?? []), entry];
  return events.length > AUDIT_LIMIT ? events.slice(events.length - AUDIT_LIMIT) : events;
}

function withStep(plan: Plan, id: StepId, change: (s: StepState) => StepState): StepState[] {
  return plan.steps.map((s) => (s.id === id ? change(s) : s));
}

function requireStatus(step: StepState, allowed: StepState['status'][], code: 'not-pending' | 'not-running', verb: string): void {
  if (step.status === 'needs-check' && !allowed.includes('needs-check')) {
    throw new PlanTransitionError('needs-check', step.id, `cannot ${verb} "${step.id}": it may or may not have finished; check it against the server first`);
  }
  if (!allowed.includes(step.status)) {
    throw new PlanTransitionError(code, step.id, `cannot ${verb} "${step.id}": it is ${step.status} (must be ${allowed.join(' or ')})`);
  }
}

function requirePredecessorsDone(plan: Plan, index: number, verb: string): void {
  const open = plan.steps
    .slice(0, index)
    .filter((s) => !isDone(s))
    .map((s) => `${s.id} (${s.status})`);
  if (open.length > 0) {
    throw new PlanTransitionError(
      'predecessors-unfinished',
      plan.steps[index].id,
      `cannot ${verb} "${plan.steps[index].id}" before ${open.join(', ')} ${open.length === 1 ? 'is' : 'are'} done`,
    );
  }
}

/** backup and dry-run carry the records the migration gate checks; a success without them is a bug in the runner. */
function records(plan: Plan, event: Extract<PlanEvent, { type: 'step-succeeded' | 'step-reconciled' }>): Pick<Plan, 'backup' | 'dryRun'> {
  if (event.step === 'backup') {
    if (!event.backup)
      throw new PlanTransitionError('missing-record', 'backup', 'the backup step can only succeed with a verified backup (path, size, sha256)');
    return { backup: event.backup, dryRun: plan.dryRun };
  }
  if (event.step === 'dry-run') {
    if (!event.dryRun) throw new PlanTransitionError('missing-record', 'dry-run', 'the dry-run step can only succeed with its record (config hash, counts)');
    return { backup: plan.backup, dryRun: event.dryRun };
  }
  return { backup: plan.backup, dryRun: plan.dryRun };
}

/** The step without a previous error or note (they belong to the status being left). */
function clean(step: StepState): StepState {
  const { error: _error, note: _note, ...rest } = step;
  return rest;
}

function reset(step: StepState): StepState {
  return { id: step.id, status: 'pending', inputs: step.inputs, outputs: {}, commands: step.commands, attempt: step.attempt };
}

/** Drops the optional records of steps that are pending again. */
function dropStaleRecords(plan: Plan): Plan {
  const out = { ...plan };
  if (findStep(out, 'backup')?.status === 'pending') delete out.backup;
  if (findStep(out, 'dry-run')?.status === 'pending') delete out.dryRun;
  return out;
}

export function reduce(plan: Plan, event: PlanEvent): Plan {
  const base = { ...plan, updatedAt: event.at };
  switch (event.type) {
    case 'step-started': {
      const index = stepIndex(plan, event.step);
      const step = plan.steps[index];
      requireStatus(step, ['pending', 'failed'], 'not-pending', 'start');
      const running = plan.steps.find((s) => s.status === 'running');
      if (running) throw new PlanTransitionError('another-running', event.step, `cannot start "${event.step}" while "${running.id}" is running`);
      requirePredecessorsDone(plan, index, 'start');
      return {
        ...base,
        steps: withStep(plan, event.step, (s) => ({
          id: s.id,
          status: 'running',
          inputs: event.inputs ?? s.inputs,
          outputs: {},
          commands: event.commands ?? s.commands,
          startedAt: event.at,
          attempt: s.attempt + 1,
        })),
        events: audit(plan, { at: event.at, type: event.type, step: event.step, detail: `attempt ${step.attempt + 1}` }),
      };
    }
    case 'step-succeeded': {
      const step = plan.steps[stepIndex(plan, event.step)];
      requireStatus(step, ['running'], 'not-running', 'mark as succeeded');
      return {
        ...base,
        ...records(plan, event),
        steps: withStep(plan, event.step, (s) => ({ ...clean(s), status: 'succeeded', outputs: event.outputs ?? {}, endedAt: event.at })),
        events: audit(plan, { at: event.at, type: event.type, step: event.step }),
      };
    }
    case 'step-failed': {
      const step = plan.steps[stepIndex(plan, event.step)];
      requireStatus(step, ['running'], 'not-running', 'mark as failed');
      return {
        ...base,
        steps: withStep(plan, event.step, (s) => ({ ...s, status: 'failed', outputs: event.outputs ?? {}, endedAt: event.at, error: event.error })),
        events: audit(plan, { at: event.at, type: event.type, step: event.step, detail: event.error }),
      };
    }
    case 'step-skipped': {
      const index = stepIndex(plan, event.step);
      const step = plan.steps[index];
      if (!stepDefinition(event.step).skippable) {
        throw new PlanTransitionError('not-skippable', event.step, `"${event.step}" cannot be skipped: later steps depend on it`);
      }
      requireStatus(step, ['pending', 'failed', 'running'], 'not-pending', 'skip');
      requirePredecessorsDone(plan, index, 'skip');
      return {
        ...base,
        steps: withStep(plan, event.step, (s) => ({ ...clean(s), status: 'skipped', endedAt: event.at, note: event.reason })),
        events: audit(plan, { at: event.at, type: event.type, step: event.step, detail: event.reason }),
      };
    }
    case 'step-needs-check': {
      const step = plan.steps[stepIndex(plan, event.step)];
      requireStatus(step, ['running'], 'not-running', 'mark as needing a check');
      return {
        ...base,
        steps: withStep(plan, event.step, (s) => ({ ...s, status: 'needs-check', note: event.reason })),
        events: audit(plan, { at: event.at, type: event.type, step: event.step, detail: event.reason }),
      };
    }
    case 'resumed': {
      const running = plan.steps.filter((s) => s.status === 'running');
      if (running.length === 0) return plan;
      let next: Plan = base;
      for (const step of running) {
        next = {
          ...next,
          steps: withStep(next, step.id, (s) => ({ ...s, status: 'needs-check', note: 'the wizard stopped while this step was running' })),
          events: audit(next, { at: event.at, type: 'step-needs-check', step: step.id, detail: 'found running on resume' }),
        };
      }
      return next;
    }
    case 'step-reconciled': {
      const step = plan.steps[stepIndex(plan, event.step)];
      if (step.status !== 'needs-check') {
        throw new PlanTransitionError('not-running', event.step, `cannot reconcile "${event.step}": it is ${step.status}, not needs-check`);
      }
      const detail = `${event.to}: ${event.evidence}`;
      if (event.to === 'succeeded') {
        return {
          ...base,
          ...records(plan, event),
          steps: withStep(plan, event.step, (s) => ({
            ...clean(s),
            status: 'succeeded',
            outputs: event.outputs ?? s.outputs,
            endedAt: event.at,
            note: event.evidence,
          })),
          events: audit(plan, { at: event.at, type: event.type, step: event.step, detail }),
        };
      }
      return {
        ...base,
        steps: withStep(plan, event.step, (s) => ({
          ...clean(s),
          status: event.to,
          outputs: event.outputs ?? s.outputs,
          endedAt: event.at,
          note: event.evidence,
          ...(event.to === 'failed' ? { error: event.evidence } : {}),
        })),
        events: audit(plan, { at: event.at, type: event.type, step: event.step, detail }),
      };
    }
    case 'vars-changed': {
      if (plan.varsHash === event.hash) return plan;
      let next: Plan = { ...base, varsHash: event.hash, events: audit(plan, { at: event.at, type: event.type, detail: event.hash }) };
      const migrate = findStep(plan, 'migrate');
      // A passed dry run only vouches for the config it ran on. Once the migration has
      // taken effect the dry run is history and later edits (cut-over) must not touch it.
      // Steps after the dry run cannot have run yet (each needs its predecessors), except a
      // failed migrate, which stays failed so its guard still asks for a restore first.
      if (migrate && !hasTakenEffect(migrate) && plan.dryRun && plan.dryRun.configHash !== event.hash) {
        next = {
          ...next,
          steps: plan.steps.map((s) => (s.id === 'dry-run' && s.status === 'succeeded' ? reset(s) : s)),
        };
        delete next.dryRun;
        next.events = audit(next, { at: event.at, type: 'dry-run-invalidated', step: 'dry-run', detail: 'vars.yml changed after the dry run passed' });
      }
      return next;
    }
    case 'go-back': {
      const refusal = goBackRefusal(plan, event.to);
      if (refusal) throw new PlanTransitionError('go-back-refused', event.to, refusal);
      const from = stepIndex(plan, event.to);
      return dropStaleRecords({
        ...base,
        steps: plan.steps.map((s, i) => (i >= from ? reset(s) : s)),
        events: audit(plan, { at: event.at, type: event.type, step: event.to }),
      });
    }
    case 'server-disagrees': {
      const from = stepIndex(plan, event.to);
      const running = plan.steps.find((s) => s.status === 'running');
      if (running) throw new PlanTransitionError('go-back-refused', event.to, `"${running.id}" is running; wait for it to finish`);
      return dropStaleRecords({
        ...base,
        steps: plan.steps.map((s, i) => (i >= from ? reset(s) : s)),
        events: audit(plan, { at: event.at, type: event.type, step: event.to, detail: event.evidence }),
      });
    }
    case 'commands-set': {
      stepIndex(plan, event.step);
      return { ...base, steps: withStep(plan, event.step, (s) => ({ ...s, commands: [...event.commands] })) };
    }
  }
}

/** Applies events in order (e.g. to replay a run in tests or rebuild a plan). */
export function reduceAll(plan: Plan, events: readonly PlanEvent[]): Plan {
  return events.reduce(reduce, plan);
}
