// Long commands (playbook runs, the backup) run detached. The job's id is recorded in
// the plan's step inputs BEFORE it starts, so a wizard killed at any moment finds it
// again: a running job is followed, a finished one judged by its exit status and log.
import type { PlannedCommand } from '../../playbook/commands.js';
import { AnsibleParser, type AnsibleSummary } from '../../parsers/ansible.js';
import { explainAnsibleError, explainAnsibleFailure } from '../../parsers/ansible-advice.js';
import { probe } from '../../remote/detached.js';
import type { Target } from '../../targets/target.js';
import { quoteArg } from '../../targets/quote.js';
import type { StepId } from '../../../state/steps.js';
import type { StepState } from '../../../state/plan.js';
import type { FlowContext } from '../context.js';
import { follow, runDetached, type JobRecord, type Ran } from '../exec.js';
import { serviceDiagnosis } from './service-log.js';

/** The job this attempt of the step will use (called before step-started, so attempt + 1). */
export function nextJob(ctx: FlowContext, step: StepId, where: 'controller' | 'server', become: boolean): JobRecord {
  const attempt = (ctx.plan().steps.find((s) => s.id === step)?.attempt ?? 0) + 1;
  return { jobId: `${ctx.plan().id}-${step}-${attempt}`, where, dir: ctx.jobsDir[where], become };
}

export function jobOf(step: StepState | undefined): JobRecord | null {
  const job = step?.inputs.job as unknown as JobRecord | undefined;
  return job && typeof job.jobId === 'string' ? job : null;
}

export function currentJob(ctx: FlowContext, step: StepId): JobRecord {
  const job = jobOf(ctx.plan().steps.find((s) => s.id === step));
  if (!job) throw new Error(`internal: step ${step} started without a job record`);
  return job;
}

export interface PlaybookRun {
  ran: Ran;
  summary: AnsibleSummary;
  ok: boolean;
  /** The failing task and its message in plain words, with what to do. */
  problem?: string;
}

function progressLine(p: AnsibleSummary['progress']): string {
  const total = p.approxTotal ? ` of ~${p.approxTotal}` : '';
  return `task ${p.taskIndex}${total}: ${p.role ? `${p.role} : ` : ''}${p.task ?? ''} (ok ${p.ok}, changed ${p.changed}, failed ${p.failed})`;
}

function judge(ctx: FlowContext, ran: Ran, parser: AnsibleParser): PlaybookRun {
  const summary = parser.end();
  const ok = ran.code === 0 && !ran.lost && summary.succeeded;
  if (ok) return { ran, summary, ok };
  const failure = summary.failures[0];
  let problem: string;
  if (failure) {
    const explained = explainAnsibleFailure(failure);
    problem = `task "${failure.task ?? '?'}" failed on ${failure.host}: ${failure.message}`;
    if (explained) {
      const leftover = explained.explanation.leftoverContainer;
      const todo = leftover
        ? `remove the leftover container on the server: ${ctx.session.cat.removeContainer(leftover).display}; then run the step again`
        : explained.explanation.todo;
      problem += `\n${explained.explanation.title}: ${explained.explanation.explanation}\nWhat to do: ${todo}`;
    }
    for (const item of explained?.syn2masItems ?? []) problem += `\n  - [${item.severity}] ${item.text}${item.fix ? ` → ${item.fix}` : ''}`;
  } else if (summary.errors.length) {
    problem = `ansible-playbook refused to run: ${summary.errors.join(' ')}`;
    const known = summary.errors.map(explainAnsibleError).find((e) => e !== undefined);
    if (known) problem += `\n${known.title}: ${known.explanation}\nWhat to do: ${known.todo}`;
  } else if (ran.lost) {
    problem = 'the playbook run vanished without an exit status (killed, or the machine restarted): its outcome is unknown';
  } else {
    problem = `the playbook exited with ${ran.code}`;
  }
  return { ran, summary, ok, problem };
}

/** Starts the playbook command detached and follows it to the end. */
export async function runPlaybook(ctx: FlowContext, step: StepId, pc: PlannedCommand): Promise<PlaybookRun> {
  const parser = new AnsibleParser({
    onEvent: (e) => {
      if (e.type === 'task') ctx.io.progress(progressLine(parser.progress));
    },
  });
  const ran = await runDetached(ctx, pc, currentJob(ctx, step), { step, onLine: (line) => parser.line(line) });
  return withDiagnosis(ctx, step, judge(ctx, ran, parser));
}

/** A run that failed because a service did not come up gets that service's log and likely cause. */
async function withDiagnosis(ctx: FlowContext, step: StepId, run: PlaybookRun): Promise<PlaybookRun> {
  if (run.ok || !run.problem) return run;
  const failures = run.summary.failures.map((f) => f.message).join('\n');
  const diagnosis = await serviceDiagnosis(ctx, step, `${run.problem}\n${failures}`);
  return diagnosis ? { ...run, problem: run.problem + diagnosis } : run;
}

/** Follows (or re-reads) a job found after a restart: its whole log, then its exit status. */
export async function resumePlaybook(ctx: FlowContext, step: StepId, job: JobRecord, display: string): Promise<PlaybookRun> {
  const parser = new AnsibleParser();
  const ran = await follow(ctx, job, display, { step, onLine: (line) => parser.line(line) });
  return withDiagnosis(ctx, step, judge(ctx, ran, parser));
}

/** What became of a step's job: 'absent' when it never started (safe to start again). */
export async function jobState(ctx: FlowContext, job: JobRecord): Promise<'absent' | 'running' | 'exited' | 'vanished'> {
  const target: Target = job.where === 'controller' ? ctx.session.controller : await ctx.session.server();
  const p = await probe(target, { dir: `${job.dir}/${job.jobId}`, become: job.become });
  if (p.state === 'unknown') {
    if (p.reason?.startsWith('no job directory')) return 'absent';
    throw new Error(`cannot tell what became of job ${job.jobId}: ${p.reason ?? 'unknown state'}`);
  }
  return p.state;
}

/**
 * Once a step's outcome is in the plan its job log is no longer needed (the redacted
 * transcript has every line): empty it, so raw command output does not linger on disk.
 * The job's directory and exit file stay as the record that it ran.
 */
export async function retireJobLog(ctx: FlowContext, step: StepState | undefined): Promise<void> {
  const job = jobOf(step);
  if (!job) return;
  try {
    const target: Target = job.where === 'controller' ? ctx.session.controller : await ctx.session.server();
    await target.run({ script: `f=${quoteArg(`${job.dir}/${job.jobId}/log`)}; [ -f "$f" ] && : > "$f"; exit 0` }, { become: job.become });
  } catch (error) {
    ctx.transcript.note(`could not empty the log of job ${job.jobId}: ${(error as Error).message}`);
  }
}
