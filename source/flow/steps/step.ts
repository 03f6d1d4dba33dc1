// The shape every step runner has. `commands` lists what the step will run (for
// `plan` and for showing before it starts); `run` does it; `reconcile` decides, after
// a crash, what a step found `needs-check` really did, by looking at the server.
import type { Json, BackupRecord, DryRunRecord, StepState, ReconciledStatus } from '../../../state/plan.js';
import type { StepId } from '../../../state/steps.js';
import type { Session } from '../../session.js';
import type { FlowContext } from '../context.js';

export type StepOutcome =
  | { status: 'succeeded'; outputs?: Record<string, Json>; backup?: BackupRecord; dryRun?: DryRunRecord }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; error: string; outputs?: Record<string, Json>; next?: string }
  /** Cannot start: something the operator must do first (exit 3, nothing changed). */
  | { status: 'blocked'; reasons: string[] };

export interface Reconciled {
  to: ReconciledStatus;
  evidence: string;
  outputs?: Record<string, Json>;
  backup?: BackupRecord;
  dryRun?: DryRunRecord;
}

export interface StepRunner {
  id: StepId;
  /** Display strings of the commands the step will run, secrets masked. */
  commands(session: Session): string[];
  /** Inputs recorded when the step starts (never secret values). */
  inputs?(ctx: FlowContext): Record<string, Json>;
  /**
   * For an irreversible step: everything the steps after it need until the service runs again,
   * asked before the typed gate so nothing is asked inside the downtime window. What it returns
   * is recorded with the step's inputs. Throws Declined/MissingAnswer when not approved.
   */
  beforeGate?(ctx: FlowContext): Promise<Record<string, Json>>;
  run(ctx: FlowContext): Promise<StepOutcome>;
  reconcile?(ctx: FlowContext, step: StepState): Promise<Reconciled | null>;
}
