// Plan and server disagree: the plan says the migration succeeded, yet MAS's database has no
// users — the server was restored from a backup, reinstalled, or the lab was reset. Nothing
// after the migration can be trusted then, and the wizard must never walk an unmigrated server
// into the cut-over. It says what it found and offers the safe restart point: the backup step
// (a fresh backup of the server as it is now, then the dry run and the typed gate again).
import { MAS_DB } from '../playbook/commands.js';
import { hasTakenEffect } from '../../state/reducer.js';
import { noteServerStep } from '../../state/server-record.js';
import type { FlowContext } from './context.js';
import { count } from './steps/verify.js';

export const RESTART_STEP = 'backup' as const;

/** null when plan and server agree; otherwise what the server shows, in words. */
export async function migrationGone(ctx: FlowContext): Promise<string | null> {
  const plan = ctx.plan();
  const migrate = plan.steps.find((s) => s.id === 'migrate');
  if (plan.flow !== 'migrate' || !migrate || migrate.status !== 'succeeded' || !hasTakenEffect(migrate)) return null;
  if (plan.steps.every((s) => s.status === 'succeeded' || s.status === 'skipped')) return null;
  // Cannot tell (query failed): the steps' own checks decide.
  const users = await count(ctx, MAS_DB, 'SELECT count(*) FROM users', 'migrate').catch(() => null);
  if (users === null || users > 0) return null;
  return `the plan says the migration succeeded${migrate.endedAt ? ` (${migrate.endedAt})` : ''}, but MAS's database has no users now: the server was restored from a backup, reinstalled, or the practice lab was reset`;
}

/**
 * Checks before the next step; on a disagreement asks once whether to start again from the
 * backup step. Returns null to go on, or the reason the run stops (blocked, nothing changed).
 */
export async function reconcileWithServer(ctx: FlowContext): Promise<string | null> {
  const found = await migrationGone(ctx);
  if (!found) return null;
  ctx.io.say(`Plan and server disagree: ${found}.`, 'warn');
  ctx.io.say(
    `The safe restart point is the "${RESTART_STEP}" step: a new backup of the server as it is now, then the check, the dry run and the typed gate again. Nothing after the migration is trusted.`,
  );
  const restart = await ctx.io.confirm({ key: 'restart_from_backup', question: `Start again from the ${RESTART_STEP} step?`, defaultYes: true });
  if (!restart) return `${found}; not restarted (nothing was changed). Restore the server's MAS database, or start again from the ${RESTART_STEP} step.`;
  const migrate = ctx.plan().steps.find((s) => s.id === 'migrate');
  // The server's record would otherwise refuse a second migration: mark the first one superseded.
  await noteServerStep(
    await ctx.session.server(),
    {
      step: 'migrate',
      outcome: 'superseded',
      at: ctx.now(),
      planId: ctx.plan().id,
      attempt: migrate?.attempt ?? 0,
      detail: found,
    },
    { baseDir: ctx.session.layout.base, become: ctx.session.become },
  );
  ctx.dispatch({ type: 'server-disagrees', at: ctx.now(), to: RESTART_STEP, evidence: found });
  ctx.transcript.note(`plan restarted from ${RESTART_STEP}: ${found}`);
  ctx.io.say(`The plan starts again from the ${RESTART_STEP} step.`, 'ok');
  return null;
}
