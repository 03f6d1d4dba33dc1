// Runs one PlannedCommand from the catalogue where it belongs (controller or server):
// shown first, output streamed into the log (redacted, transcript), whole lines handed
// to a parser. Long steps run detached, so neither a dropped SSH link nor a killed
// wizard stops them; the wizard re-attaches from the last byte it saw.
import type { PlannedCommand } from '../playbook/commands.js';
import type { Target } from '../targets/target.js';
import { SshError } from '../targets/ssh-error.js';
import { LineSplitter } from '../parsers/lines.js';
import { attach, DetachedJobError, startDetached, type JobHandle } from '../remote/detached.js';
import type { FlowContext } from './context.js';
import type { StepId } from '../../state/steps.js';

export interface Ran {
  code: number | null;
  /** The link dropped and the outcome is unknown (never success). */
  lost: boolean;
  cancelled: boolean;
  /** All output, ANSI-free lines joined (stdout and stderr interleaved as received). */
  output: string;
}

export interface RunPlannedOptions {
  step: StepId;
  onLine?: (line: string) => void;
  /** Don't echo the command in the narration (probes the operator need not watch). */
  quiet?: boolean;
  stdin?: string;
  /**
   * The output is personal data (e.g. users' phone numbers) that must not reach the log pane or
   * the shareable transcript: only this note is logged in its place; the caller still gets it.
   */
  privateOutput?: string;
}

async function targetFor(ctx: FlowContext, where: PlannedCommand['where']): Promise<Target> {
  return where === 'controller' ? ctx.session.controller : ctx.session.server();
}

function collector(onLine?: (line: string) => void) {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => {
    lines.push(line);
    onLine?.(line);
  });
  return {
    feed: (chunk: string) => splitter.feed(chunk),
    done: () => {
      splitter.flush();
      return lines.join('\n');
    },
  };
}

/** Runs a short command attached (output streamed, exit status awaited). */
export async function runPlanned(ctx: FlowContext, pc: PlannedCommand, options: RunPlannedOptions): Promise<Ran> {
  for (const s of pc.secrets) ctx.addSecret(s, 'command secret');
  const target = await targetFor(ctx, pc.where);
  if (!options.quiet) ctx.io.command(pc.display, pc.where);
  const id = ctx.log.beginCommand({ display: pc.display, target: target.description, step: options.step });
  const lines = collector(options.onLine);
  const result = await target.run(pc.command, {
    cwd: pc.cwd,
    become: pc.become && ctx.session.become,
    stdin: options.stdin ?? pc.stdin,
    collect: false,
    onStdout: (chunk) => {
      if (!options.privateOutput) ctx.log.push('stdout', chunk);
      lines.feed(chunk);
    },
    onStderr: (chunk) => {
      ctx.log.push('stderr', chunk);
      lines.feed(chunk);
    },
  });
  if (options.privateOutput) ctx.log.push('stdout', `(output not logged: ${options.privateOutput})\n`);
  ctx.log.endCommand(id, { code: result.code, signal: result.signal, lost: result.lost, cancelled: result.cancelled });
  return { code: result.code, lost: result.lost, cancelled: result.cancelled, output: lines.done() };
}

/** What the plan keeps about a detached job so another process can find it again. */
export interface JobRecord {
  jobId: string;
  where: 'controller' | 'server';
  dir: string;
  become: boolean;
}

export function jobRecord(ctx: FlowContext, pc: PlannedCommand, step: StepId): JobRecord {
  const attempt = ctx.plan().steps.find((s) => s.id === step)?.attempt ?? 0;
  return {
    jobId: `${ctx.plan().id}-${step}-${attempt}`,
    where: pc.where,
    dir: ctx.jobsDir[pc.where],
    become: Boolean(pc.become && ctx.session.become && pc.where === 'server'),
  };
}

/** Starts a long command detached (the job id must already be in the plan, see jobRecord) and follows it. */
export async function runDetached(ctx: FlowContext, pc: PlannedCommand, job: JobRecord, options: RunPlannedOptions): Promise<Ran> {
  for (const s of pc.secrets) ctx.addSecret(s, 'command secret');
  const target = await targetFor(ctx, pc.where);
  ctx.io.command(pc.display, pc.where);
  try {
    await startDetached(target, { jobId: job.jobId, dir: job.dir, command: pc.command, cwd: pc.cwd, become: job.become });
  } catch (error) {
    // The link dropped while the job was being started: it may be running. Its id is known,
    // so follow it (re-attaching after a reconnect); only a job that provably never started
    // is an error here, and then nothing ran.
    if (!(error instanceof DetachedJobError && error.result?.lost)) throw error;
    ctx.io.say('The connection dropped while the step was starting; checking whether it runs…', 'warn');
  }
  return follow(ctx, job, pc.display, options);
}

const RECONNECT_WINDOW_MS = Number(process.env.MAS_WIZARD_RECONNECT_MS ?? 90_000);

/**
 * Follows a detached job to its end, re-attaching after a dropped link (within the
 * reconnect window) from the last byte seen, so the log is complete and not repeated.
 */
export async function follow(ctx: FlowContext, job: JobRecord, display: string, options: RunPlannedOptions & { fromByte?: number }): Promise<Ran> {
  const lines = collector(options.onLine);
  let fromByte = options.fromByte ?? 0;
  const id = ctx.log.beginCommand({ display, target: job.where, step: options.step });
  const handle: Pick<JobHandle, 'dir' | 'become' | 'jobId'> = { dir: `${job.dir}/${job.jobId}`, become: job.become, jobId: job.jobId };
  let lostSince: number | null = null;
  for (;;) {
    let target: Target;
    try {
      target = await targetFor(ctx, job.where);
      const result = await attach(target, handle, {
        fromByte,
        onChunk: (text) => {
          ctx.log.push('stdout', text);
          lines.feed(text);
        },
      });
      fromByte = result.lastByte;
      if (result.state === 'exited' || result.state === 'vanished') {
        ctx.log.endCommand(id, { code: result.exitCode, lost: false });
        return { code: result.exitCode, lost: result.state === 'vanished', cancelled: false, output: lines.done() };
      }
      if (result.state === 'aborted') {
        ctx.log.endCommand(id, { code: null, cancelled: true });
        return { code: null, lost: false, cancelled: true, output: lines.done() };
      }
    } catch (error) {
      if (error instanceof DetachedJobError && /no job directory/.test(error.message)) {
        // The start never reached the server (the link dropped first): nothing ran.
        ctx.log.endCommand(id, { code: null, lost: false });
        ctx.log.info('mas-wizard: the step never started on its target (the connection dropped first); nothing ran, it can simply run again', 'stderr');
        return { code: null, lost: false, cancelled: false, output: lines.done() };
      }
      ctx.log.info(`mas-wizard: ${(error as Error).message}`, 'stderr');
    }
    // Lost: the job keeps running on its side. Reconnect and pick up where we were.
    lostSince ??= Date.now();
    if (Date.now() - lostSince > RECONNECT_WINDOW_MS) {
      ctx.log.endCommand(id, { code: null, lost: true });
      return { code: null, lost: true, cancelled: false, output: lines.done() };
    }
    ctx.io.say(`The connection to ${job.where === 'server' ? 'the server' : 'the job'} dropped; the step keeps running there. Reconnecting…`, 'warn');
    await new Promise((r) => setTimeout(r, 1000));
    if (job.where === 'server') {
      try {
        const t = (await ctx.session.server()) as Target & { reconnect?: () => Promise<void> };
        await t.reconnect?.();
        lostSince = null;
        ctx.io.say('Reconnected; continuing the log from where it stopped.', 'ok');
      } catch (error) {
        // A changed or revoked host key is a possible man-in-the-middle: stop now, never retry it.
        if (error instanceof SshError && error.kind.startsWith('host-key')) throw error;
        ctx.log.info(`mas-wizard: reconnect failed: ${(error as Error).message}`, 'stderr');
      }
    }
  }
}
