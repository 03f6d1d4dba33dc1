// Guards: may this step start now? Answers in plain words, for the screen and for
// `run` (exit 3, blocked). The reducer refuses structurally impossible events; the
// guards add the safety gates around the one irreversible step.
import type { Plan } from './plan.js';
import { findStep, isDone, stepIndex } from './reducer.js';
import type { ServerRecord } from './server-record.js';
import { stepDefinition, type StepId } from './steps.js';

export interface GuardContext {
  /** sha256 of vars.yml as it is on disk now (not as the plan last saw it). */
  currentVarsHash: string;
  /** What the operator typed to confirm the server (or `confirm_server_name` from the answers file). */
  typedServerName?: string;
  /** The server's own record of irreversible steps, when it could be read. */
  serverRecord?: ServerRecord | null;
}

export type GuardResult = { ok: true } | { ok: false; reasons: string[] };

export function canStart(plan: Plan, stepId: StepId, ctx: GuardContext): GuardResult {
  const reasons: string[] = [];
  const index = plan.steps.findIndex((s) => s.id === stepId);
  if (index < 0) return { ok: false, reasons: [`"${stepId}" is not a step of the ${plan.flow} flow`] };
  const step = plan.steps[index];

  if (step.status === 'needs-check') {
    reasons.push(`"${stepId}" may or may not have finished when the wizard stopped; check it against the server before doing anything else`);
  } else if (step.status === 'running') {
    reasons.push(`"${stepId}" is already running`);
  } else if (step.status === 'succeeded' || step.status === 'skipped') {
    reasons.push(`"${stepId}" is already ${step.status}; go back to it first to run it again`);
  }
  const running = plan.steps.find((s) => s.status === 'running' && s.id !== stepId);
  if (running) reasons.push(`"${running.id}" is still running`);
  const open = plan.steps.slice(0, index).filter((s) => !isDone(s));
  if (open.length > 0) reasons.push(`these steps must finish first: ${open.map((s) => `${s.id} (${s.status})`).join(', ')}`);

  if (stepDefinition(stepId).irreversible) reasons.push(...irreversibleReasons(plan, stepId, ctx));
  return reasons.length === 0 ? { ok: true } : { ok: false, reasons };
}

function irreversibleReasons(plan: Plan, stepId: StepId, ctx: GuardContext): string[] {
  const reasons: string[] = [];
  const step = plan.steps[stepIndex(plan, stepId)];
  if (step.status === 'failed') {
    reasons.push(
      `"${stepId}" failed on attempt ${step.attempt} and may have written part of the users into MAS; restore the backup${plan.backup ? ` (${plan.backup.path})` : ''}, then go back to the dry run and pass it again`,
    );
  }

  const backup = plan.backup;
  if (findStep(plan, 'backup')?.status !== 'succeeded' || !backup || !backup.sha256 || backup.sizeBytes <= 0) {
    reasons.push(
      "there is no verified backup yet: the backup step must succeed, with the dump's size and sha256 recorded, before the migration (an answers file with `backup.enabled: false` never gets there: set it to true)",
    );
  }

  const dryRun = plan.dryRun;
  if (!dryRun || findStep(plan, 'dry-run')?.status !== 'succeeded') {
    reasons.push('the dry run has not passed yet');
  } else if (dryRun.configHash !== ctx.currentVarsHash) {
    reasons.push('vars.yml changed after the dry run passed; run the dry run again on the current configuration');
  }

  if (ctx.typedServerName === undefined || ctx.typedServerName === '') {
    reasons.push(`type the server name (${plan.serverName}) to confirm`);
  } else if (ctx.typedServerName !== plan.serverName) {
    reasons.push(`the typed name does not match the server name exactly (expected ${plan.serverName})`);
  }

  // The server's record outlives this machine's plan: another controller (or a lost
  // plan file) must not run the migration twice. A 'started' entry of this very plan is
  // this plan's own intent record; its status (needs-check, reconciled) governs instead.
  const recorded = ctx.serverRecord?.steps[stepId];
  if (recorded && recorded.outcome !== 'superseded' && !(recorded.outcome === 'started' && recorded.planId === plan.id)) {
    reasons.push(`the server's own record says "${stepId}" already ran: ${describeRecorded(stepId, recorded)}; it cannot be run again`);
  }
  return reasons;
}

function describeRecorded(stepId: StepId, r: NonNullable<ServerRecord['steps'][StepId]>): string {
  return `${stepId} ${r.outcome === 'started' ? 'started' : r.outcome} at ${r.at} from ${r.user}@${r.host} (plan ${r.planId})`;
}
