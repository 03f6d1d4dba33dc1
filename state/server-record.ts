// The server's own record of irreversible steps: a small JSON file next to MAS on the
// server, so a plan started on one machine is recognised from another ("migrate ran at
// T from host H, outcome X"). Written before the step starts (intent, outcome
// 'started') and again when its outcome is known. The caller holds the server lock.
import { z } from 'zod';
import { quoteArg } from '../source/targets/quote.js';
import type { Target } from '../source/targets/target.js';
import { currentActor, runScript, serverPaths, type Actor, type ServerFilesOptions } from './remote.js';
import { stepIdSchema } from './plan.js';
import type { StepId } from './steps.js';

export const SERVER_RECORD_VERSION = 1;
const HISTORY_LIMIT = 50;

const entrySchema = z.strictObject({
  step: stepIdSchema,
  /** superseded: the server later showed the step's effect gone (see the detail); it may run again. */
  outcome: z.enum(['started', 'succeeded', 'failed', 'unknown', 'superseded']),
  at: z.string().min(1),
  user: z.string(),
  host: z.string(),
  planId: z.string(),
  attempt: z.number().int().min(0),
  detail: z.string().optional(),
});
export type ServerRecordEntry = z.infer<typeof entrySchema>;

export const serverRecordSchema = z.strictObject({
  version: z.literal(SERVER_RECORD_VERSION),
  /** The latest entry per step. */
  steps: z.partialRecord(stepIdSchema, entrySchema),
  /** Every entry, oldest first (bounded). */
  history: z.array(entrySchema),
});
export type ServerRecord = z.infer<typeof serverRecordSchema>;

export class ServerRecordError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'ServerRecordError';
  }
}

/** The record, or null when the server has none yet. */
export async function readServerRecord(target: Target, options: ServerFilesOptions): Promise<ServerRecord | null> {
  const { record } = serverPaths(options.baseDir);
  const q = quoteArg(record);
  const result = await runScript(target, `if [ -e ${q} ]; then cat ${q}; else exit 3; fi`, 'reading the wizard record', { become: options.become });
  if (result.code === 3) return null;
  if (result.code !== 0)
    throw new ServerRecordError(record, `cannot read ${record} on ${target.description}: ${result.stderr.trim() || `exit ${result.code}`}`);
  let raw: unknown;
  try {
    raw = JSON.parse(result.stdout);
  } catch {
    throw new ServerRecordError(record, `${record} on ${target.description} is not valid JSON; move it aside after looking at it`);
  }
  const parsed = serverRecordSchema.safeParse(raw);
  if (!parsed.success) {
    const version = (raw as { version?: unknown } | null)?.version;
    if (typeof version === 'number' && version > SERVER_RECORD_VERSION) {
      throw new ServerRecordError(record, `${record} on ${target.description} was written by a newer mas-wizard (version ${version})`);
    }
    throw new ServerRecordError(
      record,
      `${record} on ${target.description} is not a wizard record: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/** Replaces the record atomically (temp file in the same directory, then mv). */
export async function writeServerRecord(target: Target, record: ServerRecord, options: ServerFilesOptions): Promise<void> {
  const paths = serverPaths(options.baseDir);
  const temp = `${paths.record}.tmp-${process.pid}-${Date.now()}`;
  const script = `umask 077; mkdir -p ${quoteArg(paths.dir)} && cat > ${quoteArg(temp)} && mv -f ${quoteArg(temp)} ${quoteArg(paths.record)} || { rm -f ${quoteArg(temp)}; exit 1; }`;
  const result = await runScript(target, script, 'writing the wizard record', {
    stdin: `${JSON.stringify(serverRecordSchema.parse(record), null, 2)}\n`,
    become: options.become,
  });
  if (result.code !== 0)
    throw new ServerRecordError(paths.record, `cannot write ${paths.record} on ${target.description}: ${result.stderr.trim() || `exit ${result.code}`}`);
}

export interface NoteStep {
  step: StepId;
  outcome: ServerRecordEntry['outcome'];
  at: string;
  planId: string;
  attempt: number;
  detail?: string;
}

/** Adds one entry (read, change, atomic write) and returns the new record. */
export async function noteServerStep(target: Target, note: NoteStep, options: ServerFilesOptions & { actor?: Actor }): Promise<ServerRecord> {
  const actor = options.actor ?? currentActor();
  const current = (await readServerRecord(target, options)) ?? { version: SERVER_RECORD_VERSION, steps: {}, history: [] };
  const entry: ServerRecordEntry = { ...note, user: actor.user, host: actor.host };
  const history = [...current.history, entry].slice(-HISTORY_LIMIT);
  const next: ServerRecord = { version: SERVER_RECORD_VERSION, steps: { ...current.steps, [note.step]: entry }, history };
  await writeServerRecord(target, next, options);
  return next;
}

/** One sentence per recorded step, for the screen: "migrate succeeded at T from ops@laptop (plan P)". */
export function describeServerRecord(record: ServerRecord): string[] {
  return Object.values(record.steps).map(
    (e) =>
      `${e.step} ${e.outcome === 'started' ? 'was started' : e.outcome} at ${e.at} from ${e.user}@${e.host} (plan ${e.planId}, attempt ${e.attempt})${e.detail ? `: ${e.detail}` : ''}`,
  );
}
