// What a running step has at hand: the session (checkout, host, targets), the operator
// (StepIO), the plan (read and change through events, saved after every change), the
// answers file when there is one, the transcript and the secrets to mask.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Session } from '../session.js';
import type { StepIO } from './io.js';
import type { Answers } from '../../state/answers.js';
import type { Plan, PlanEvent } from '../../state/plan.js';
import { reduce } from '../../state/reducer.js';
import { savePlan } from '../../state/persist.js';
import type { TranscriptWriter } from '../logs/transcript.js';
import type { Log } from '../logs/log-sink.js';
import { redactor } from '../logs/redact.js';
import { stateDir } from '../paths.js';

export interface FlowContext {
  session: Session;
  io: StepIO;
  answers?: Answers;
  /** --yes: plain confirmations are answered yes (typed guards never are). */
  yes: boolean;
  transcript: TranscriptWriter;
  /** Every command's output: redacted, kept for the log pane, appended to the transcript. */
  log: Log;
  plan(): Plan;
  /** Applies an event, saves the plan atomically, tells listeners. Throws (plan unchanged) when illegal. */
  dispatch(event: PlanEvent): Plan;
  /** Registers a secret value: masked on screen, in the transcript and in the plan file from now on. */
  addSecret(value: string, label: string): void;
  secrets(): readonly string[];
  now(): string;
  /** Where detached jobs keep their logs and exit status. */
  jobsDir: { controller: string; server: string };
  /** sha256 of vars.yml as it is on disk now. */
  varsHash(): string;
}

export function hashFile(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export interface ContextInit {
  session: Session;
  io: StepIO;
  plan: Plan;
  transcript: TranscriptWriter;
  log: Log;
  answers?: Answers;
  yes?: boolean;
  secrets?: string[];
  onPlan?: (plan: Plan) => void;
  now?: () => Date;
}

export function createContext(init: ContextInit): FlowContext {
  let plan = init.plan;
  const secrets = new Set<string>();
  const { session } = init;
  const ctx: FlowContext = {
    session,
    io: init.io,
    answers: init.answers,
    yes: init.yes ?? false,
    transcript: init.transcript,
    log: init.log,
    plan: () => plan,
    dispatch(event) {
      const next = reduce(plan, event);
      savePlan(session.planFile, next, { secrets: [...secrets] });
      plan = next;
      init.onPlan?.(plan);
      return plan;
    },
    addSecret(value, label) {
      if (!value) return;
      secrets.add(value);
      redactor.addSecret(value, label);
    },
    secrets: () => [...secrets],
    now: () => (init.now?.() ?? new Date()).toISOString(),
    jobsDir: {
      controller: path.join(stateDir(), 'jobs'),
      server: session.cat.paths.jobs,
    },
    varsHash: () => hashFile(session.varsFile),
  };
  for (const s of init.secrets ?? []) ctx.addSecret(s, 'secret');
  return ctx;
}
