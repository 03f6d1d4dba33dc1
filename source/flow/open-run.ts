// Everything a run needs, opened in order and closed in reverse: the session, the two
// locks (this machine, the server), the plan (loaded and resumed, or created), the
// transcript and the log sink.
import { ulid } from 'ulid';
import type { Flags } from '../cli-args.js';
import { openSession, type Session, type SessionOptions } from '../session.js';
import type { Log } from '../logs/log-sink.js';
import { openLog } from '../logs/log-thread.js';
import { type TranscriptWriter, transcriptPath } from '../logs/transcript.js';
import { redactor } from '../logs/redact.js';
import { acquireLocalLock, acquireServerLock, LockHeldError, type HeldLock } from '../../state/lock.js';
import { loadPlan, planKey, savePlan } from '../../state/persist.js';
import { createPlan, reduce } from '../../state/reducer.js';
import type { Plan } from '../../state/plan.js';
import type { Flow } from '../../state/steps.js';
import { AbortError } from '../errors.js';

export interface OpenedRun {
  session: Session;
  plan: Plan;
  transcript: TranscriptWriter;
  log: Log;
  close(): Promise<void>;
}

/** A run that cannot start as asked (e.g. a plan of the other flow is under way): exit 2. */
export class RunSetupError extends AbortError {}

/**
 * Takes a lock; when its owner is provably gone (a killed wizard) and the operator said --yes,
 * takes it over instead of stopping: a crash must not need hand-deleting a lock file to resume.
 * A live owner is never displaced. `taken` collects what was taken over, for the transcript.
 */
async function lockOrTakeOver(
  acquire: (takeOver: boolean) => Promise<HeldLock>,
  takeOver: boolean | undefined,
  yes: boolean,
  taken: string[],
): Promise<HeldLock> {
  try {
    return await acquire(Boolean(takeOver));
  } catch (error) {
    if (!(error instanceof LockHeldError) || !error.stale || !yes || takeOver) throw error;
    const o = error.owner;
    taken.push(
      `took over the ${error.where} lock ${error.lockPath} of a wizard that is gone${o ? ` (${o.user}@${o.host}, pid ${o.pid}, since ${o.startedAt})` : ''}`,
    );
    return acquire(true);
  }
}

export interface OpenRunOptions {
  flow?: Flow;
  /**
   * No plan yet and no `flow`: asked once the locks are held and the server is connected (the
   * choice can then be judged against the server). `note` goes to the transcript.
   */
  chooseFlow?: (session: Session, note: (text: string) => void) => Promise<Flow>;
  command: string;
  connect?: SessionOptions['connect'];
  takeOver?: boolean;
  secrets?: readonly string[];
  /**
   * Handed the run's close() before anything is held, so a caller that must leave while
   * openRun still waits (the terminal closed during the flow question) can release the locks.
   */
  onClose?: (close: () => Promise<void>) => void;
}

export async function openRun(flags: Flags, options: OpenRunOptions): Promise<OpenedRun> {
  const session = await openSession({ flags, connect: options.connect });
  const held: HeldLock[] = [];
  const cleanups: (() => Promise<void> | void)[] = [() => session.close()];
  let closing: Promise<void> | null = null;
  // Once, whoever calls it first (the caller's signal handler, or the run's end).
  const close = () =>
    (closing ??= (async () => {
      for (const c of [...cleanups].reverse()) await c();
    })());
  options.onClose?.(close);
  try {
    const key = planKey(session.checkout.dir, session.serverName);
    const taken: string[] = [];
    const notes: string[] = [];
    const yes = Boolean(flags.yes);
    held.push(await lockOrTakeOver((takeOver) => acquireLocalLock(key, { command: options.command, takeOver }), options.takeOver, yes, taken));
    cleanups.push(() => held[0].release());
    const server = await session.server();
    const serverLock = await lockOrTakeOver(
      (takeOver) => acquireServerLock(server, { baseDir: session.layout.base, become: session.become, command: options.command, takeOver }),
      options.takeOver,
      yes,
      taken,
    );
    cleanups.push(() => serverLock.release().catch(() => undefined));

    let plan = loadPlan(session.planFile);
    const at = new Date().toISOString();
    if (plan && options.flow && plan.flow !== options.flow) {
      throw new RunSetupError(
        `a ${plan.flow} plan for ${session.serverName} is already under way (${session.planFile}); it cannot switch to mode ${options.flow}`,
      );
    }
    if (!plan) {
      const flow = options.flow ?? (await options.chooseFlow?.(session, (text) => notes.push(text))) ?? 'migrate';
      plan = createPlan({ id: ulid(), flow, serverName: session.serverName, host: session.host.name, generation: session.generation, at });
    } else {
      plan = reduce(plan, { type: 'resumed', at });
    }
    savePlan(session.planFile, plan, { secrets: options.secrets ?? [] });

    const stamp = at.replace(/[:.]/g, '-');
    const { log, transcript } = await openLog({ file: transcriptPath(`${key}-${stamp}`), redactor });
    cleanups.push(() => transcript.close());
    cleanups.push(() => log.close());
    transcript.note(`${options.command} on ${session.host.name} (${session.serverName}), plan ${plan.id}`);
    for (const n of notes) transcript.note(n);
    for (const t of taken) {
      transcript.note(t);
      process.stderr.write(`mas-wizard: ${t}\n`);
    }
    return { session, plan, transcript, log, close };
  } catch (error) {
    await close();
    throw error;
  }
}
