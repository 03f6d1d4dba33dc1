// backup: all Postgres databases dumped on the server with the Postgres role's dump-all
// script, then checked (exists, non-empty, zstd integrity) and recorded with its size and
// sha256. The restore commands for exactly this file are shown.
import { quoteArg } from '../../targets/quote.js';
import { externalBackup, externalBackupCommands } from './backup-external.js';
import type { Catalogue, PlannedCommand } from '../../playbook/commands.js';
import type { Session } from '../../session.js';
import type { FlowContext } from '../context.js';
import type { Reconciled, StepOutcome, StepRunner } from './step.js';
import { currentJob, jobOf, jobState, nextJob } from './long-run.js';
import { follow, runDetached, runPlanned } from '../exec.js';
import type { StepState } from '../../../state/plan.js';

function backupDir(s: Session, planId: string, attempt: number, answerPath?: string): string {
  const root = (answerPath ?? s.cat.paths.backups).replace(/\/+$/, '');
  return `${root}/mas-wizard-${planId}-${attempt}`;
}

/** dump-all expects its directory to exist: create it (0700, the dump holds every password hash) first. */
function dumpCommand(s: Session, dir: string): PlannedCommand {
  const dumpAll = s.cat.backupDumpAll(dir);
  const script = `mkdir -p -m 0700 ${quoteArg(dir)} && ${dumpAll.display}`;
  return { ...dumpAll, command: { script }, display: script };
}

export function restoreInstructions(cat: Catalogue, file: string): string {
  return [
    `To restore this backup (${file}):`,
    `  1. stop the services:    ${cat.services('stop').display}`,
    `  2. import the dump:      ${cat.importPostgres(file).display}`,
    '     (import into an empty Postgres only; Synapse also needs: TRUNCATE e2e_one_time_keys_json;)',
    `  3. start again:          ${cat.services('start').display}`,
  ].join('\n');
}

async function verify(ctx: FlowContext, file: string): Promise<StepOutcome> {
  const r = await runPlanned(ctx, ctx.session.cat.verifyDump(file), { step: 'backup' });
  const size = Number(/size=(\d+)/.exec(r.output)?.[1]);
  const sha256 = /sha256=([0-9a-f]{64})/.exec(r.output)?.[1];
  if (r.code !== 0 || !sha256 || !(size > 0)) return { status: 'failed', error: `the backup ${file} could not be verified: ${r.output.trim().split('\n').slice(-2).join(' ') || `exit ${r.code}`}` };
  ctx.io.say(`Backup verified: ${file}, ${(size / 1024).toFixed(1)} KiB, sha256 ${sha256}.\n${restoreInstructions(ctx.session.cat, file)}`, 'ok');
  return { status: 'succeeded', outputs: { path: file, size_bytes: size, sha256 }, backup: { path: file, sizeBytes: size, sha256, verifiedAt: ctx.now() } };
}

function produced(step: StepState | undefined): string {
  return String(step?.inputs.file ?? '');
}

export const backup: StepRunner = {
  id: 'backup',
  commands: (s) => s.layout.database ? externalBackupCommands(s) : [dumpCommand(s, backupDir(s, '<plan>', 1)).display, s.cat.verifyDump(`${backupDir(s, '<plan>', 1)}/latest-dump.sql.zst`).display],
  inputs(ctx) {
    const attempt = (ctx.plan().steps.find((st) => st.id === 'backup')?.attempt ?? 0) + 1;
    const dir = backupDir(ctx.session, ctx.plan().id, attempt, ctx.answers?.backup?.path);
    return { job: { ...nextJob(ctx, 'backup', 'server', ctx.session.become) }, dir, file: dumpCommand(ctx.session, dir).produces ?? '' };
  },
  async run(ctx): Promise<StepOutcome> {
    if (ctx.answers?.backup?.enabled === false) {
      return { status: 'blocked', reasons: ['the answers file turns the backup off (backup.enabled: false); the real migration needs a verified backup: set it to true'] };
    }
    if (ctx.session.layout.database) return externalBackup(ctx);
    const step = ctx.plan().steps.find((st) => st.id === 'backup');
    const dir = String(step?.inputs.dir);
    const run = await runDetached(ctx, dumpCommand(ctx.session, dir), currentJob(ctx, 'backup'), { step: 'backup' });
    if (run.code !== 0) return { status: 'failed', error: `the dump failed (${run.lost ? 'outcome unknown: the job vanished' : `exit ${run.code}`}): ${run.output.trim().split('\n').slice(-3).join(' ')}` };
    return verify(ctx, produced(step));
  },
  async reconcile(ctx, step): Promise<Reconciled> {
    const job = jobOf(step);
    if (!job || (await jobState(ctx, job)) === 'absent') return { to: 'pending', evidence: 'the dump never started' };
    const run = await follow(ctx, job, dumpCommand(ctx.session, String(step.inputs.dir)).display, { step: 'backup' });
    if (run.code !== 0) return { to: 'pending', evidence: 'the dump did not finish; a backup is safe to take again' };
    const checked = await verify(ctx, produced(step));
    return checked.status === 'succeeded'
      ? { to: 'succeeded', evidence: 'the dump finished while the wizard was away and verifies', outputs: checked.outputs, backup: checked.backup }
      : { to: 'pending', evidence: 'the dump finished but does not verify; it will be taken again' };
  },
};
