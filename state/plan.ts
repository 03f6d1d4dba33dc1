// The migration plan: what is persisted, and the events that change it. The zod
// schemas are the single source of the types, so a plan read from disk is checked
// against exactly what the reducer produces.
import { z } from 'zod';
import { STEP_IDS, type StepId } from './steps.js';
import { BugError } from '../source/errors.js';

/** Bump when the plan file's shape changes; persist.ts upgrades older files. */
export const PLAN_VERSION = 1;
/** How many audit entries a plan keeps (oldest dropped first). */
export const AUDIT_LIMIT = 200;

const iso = z.string().min(1);
const json: z.ZodType<Json> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(json), z.record(z.string(), json)]));
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export const stepIdSchema = z.enum(STEP_IDS);
export const stepStatusSchema = z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped', 'needs-check']);
export type StepStatus = z.infer<typeof stepStatusSchema>;

export const stepStateSchema = z.strictObject({
  id: stepIdSchema,
  status: stepStatusSchema,
  /** What the operator chose (never secret values: persist.ts masks them anyway). */
  inputs: z.record(z.string(), json),
  outputs: z.record(z.string(), json),
  /** Display strings of the commands the step runs, secrets masked. */
  commands: z.array(z.string()),
  startedAt: iso.optional(),
  endedAt: iso.optional(),
  error: z.string().optional(),
  /** Why a step was skipped, or what reconciliation found. */
  note: z.string().optional(),
  attempt: z.number().int().min(0),
});
export type StepState = z.infer<typeof stepStateSchema>;

export const backupRecordSchema = z.strictObject({
  path: z.string().min(1),
  sizeBytes: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lower-case hex characters'),
  verifiedAt: iso,
});
export type BackupRecord = z.infer<typeof backupRecordSchema>;

export const dryRunRecordSchema = z.strictObject({
  /** Hash of vars.yml the dry run ran against; the real migration needs the same. */
  configHash: z.string().min(1),
  passedAt: iso,
  counts: z.record(z.string(), z.number()),
  timings: z.record(z.string(), z.number()),
});
export type DryRunRecord = z.infer<typeof dryRunRecordSchema>;

export const auditEntrySchema = z.strictObject({
  at: iso,
  type: z.string(),
  step: stepIdSchema.optional(),
  detail: z.string().optional(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const planSchema = z.strictObject({
  version: z.literal(PLAN_VERSION),
  id: z.string().min(1),
  flow: z.enum(['new', 'migrate']),
  serverName: z.string().min(1),
  host: z.string().min(1),
  generation: z.enum(['current', 'legacy']),
  createdAt: iso,
  updatedAt: iso,
  steps: z.array(stepStateSchema),
  varsHash: z.string().optional(),
  dryRun: dryRunRecordSchema.optional(),
  backup: backupRecordSchema.optional(),
  events: z.array(auditEntrySchema).optional(),
});
export type Plan = z.infer<typeof planSchema>;

/** Outcome a step in `needs-check` is reconciled to, after probing the server. */
export type ReconciledStatus = 'succeeded' | 'failed' | 'pending';

/** Everything that changes a plan. Timestamps come in (`at`, ISO 8601): the reducer never reads a clock. */
export type PlanEvent =
  | { type: 'step-started'; at: string; step: StepId; inputs?: Record<string, Json>; commands?: string[] }
  | { type: 'step-succeeded'; at: string; step: StepId; outputs?: Record<string, Json>; backup?: BackupRecord; dryRun?: DryRunRecord }
  | { type: 'step-failed'; at: string; step: StepId; error: string; outputs?: Record<string, Json> }
  | { type: 'step-skipped'; at: string; step: StepId; reason: string }
  | { type: 'step-needs-check'; at: string; step: StepId; reason: string }
  | {
      type: 'step-reconciled';
      at: string;
      step: StepId;
      to: ReconciledStatus;
      evidence: string;
      outputs?: Record<string, Json>;
      backup?: BackupRecord;
      dryRun?: DryRunRecord;
    }
  /** The plan was loaded by a new process: whatever was `running` may or may not have finished. */
  | { type: 'resumed'; at: string }
  | { type: 'vars-changed'; at: string; hash: string }
  | { type: 'go-back'; at: string; to: StepId }
  /**
   * The server shows an irreversible step's effect is gone (e.g. the plan says migrate succeeded
   * but MAS's database is empty: a restored backup, a reinstalled server, a lab reset): the plan
   * starts again from `to`, even across that step, with the evidence kept in its audit.
   */
  | { type: 'server-disagrees'; at: string; to: StepId; evidence: string }
  | { type: 'commands-set'; at: string; step: StepId; commands: string[] };

export type TransitionCode =
  | 'unknown-step'
  | 'not-pending'
  | 'predecessors-unfinished'
  | 'needs-check'
  | 'not-running'
  | 'another-running'
  | 'not-skippable'
  | 'missing-record'
  | 'go-back-refused';

/** An event that is not allowed in the plan's current state. The plan is left unchanged. */
/** A transition the reducer refuses: the engine asked for something impossible (ours, not the operator's). */
export class PlanTransitionError extends BugError {
  constructor(
    readonly code: TransitionCode,
    readonly step: StepId | null,
    message: string,
  ) {
    super(message);
  }
}
