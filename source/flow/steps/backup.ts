// backup: all Postgres databases dumped on the server with the Postgres role's dump-all
// script, then checked (exists, non-empty, zstd integrity) and recorded with its size and
// sha256. The restore commands for exactly this file are shown.
import { quoteArg } from '../../targets/quote.js';
import { effective, type VarsLayer } from '../../playbook/effective.js';
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

/**
 * Who dump-all writes as: its container runs as matrix_user_uid:matrix_user_gid with every capability
 * dropped (real-outputs.md §4), so the directory must belong to that uid/gid. The playbook leaves the
 * uid to the OS by default (matrix_user_uid: ~) and reads it back from the `matrix_user_name` system
 * user, so the server's own answer (`id -u`/`id -g` of that user) is the truth; numbers pinned in the
 * vars are what the playbook passes to docker verbatim, so they win when set.
 */
export function dumpOwner(layers: readonly VarsLayer[]): { uid?: number; gid?: number; name: string } {
  const int = (key: string) => {
    const e = effective(layers, key);
    const v = e.kind === 'value' ? e.value : undefined;
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const n = effective(layers, 'matrix_user_name');
  const name = n.kind === 'value' && typeof n.value === 'string' && /^[a-z_][a-z0-9_.-]*\$?$/i.test(n.value) ? n.value : 'matrix';
  const uid = int('matrix_user_uid');
  const gid = int('matrix_user_gid');
  return uid !== undefined && gid !== undefined ? { uid, gid, name } : { name };
}

/**
 * dump-all expects its directory to exist: create it 0700 (the dump holds every password hash),
 * owned by the uid/gid its container writes as; a root-owned directory gets "Permission denied".
 */
export function dumpScript(dir: string, owner: ReturnType<typeof dumpOwner>, dumpAll: string): string {
  const d = quoteArg(dir);
  const user = quoteArg(owner.name);
  const resolve =
    owner.uid !== undefined && owner.gid !== undefined
      ? `u=${owner.uid}; g=${owner.gid}`
      : `u=$(id -u ${user}) && g=$(id -g ${user}) || { echo "the matrix user ${owner.name} (matrix_user_name) does not exist on the server; the playbook creates it on install" >&2; exit 5; }`;
  return `${resolve}; mkdir -p ${d} && chmod 0700 ${d} && chown "$u:$g" ${d} && ${dumpAll}`;
}

function dumpCommand(s: Session, dir: string): PlannedCommand {
  const dumpAll = s.cat.backupDumpAll(dir);
  const script = dumpScript(dir, dumpOwner(s.layers()), dumpAll.display);
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
  const owner = /owner=(\d+:\d+)/.exec(r.output)?.[1] ?? 'unknown';
  if (r.code !== 0 || !sha256 || !(size > 0))
    return { status: 'failed', error: `the backup ${file} could not be verified: ${r.output.trim().split('\n').slice(-2).join(' ') || `exit ${r.code}`}` };
  ctx.io.say(`Backup verified: ${file}, ${(size / 1024).toFixed(1)} KiB, sha256 ${sha256}.\n${restoreInstructions(ctx.session.cat, file)}`, 'ok');
  return {
    status: 'succeeded',
    outputs: { path: file, size_bytes: size, sha256, owner },
    backup: { path: file, sizeBytes: size, sha256, verifiedAt: ctx.now() },
  };
}

function produced(step: StepState | undefined): string {
  return String(step?.inputs.file ?? '');
}

export const backup: StepRunner = {
  id: 'backup',
  commands: (s) =>
    s.layout.database
      ? externalBackupCommands(s)
      : [dumpCommand(s, backupDir(s, '<plan>', 1)).display, s.cat.verifyDump(`${backupDir(s, '<plan>', 1)}/latest-dump.sql.zst`).display],
  inputs(ctx) {
    const attempt = (ctx.plan().steps.find((st) => st.id === 'backup')?.attempt ?? 0) + 1;
    const dir = backupDir(ctx.session, ctx.plan().id, attempt, ctx.answers?.backup?.path);
    return { job: { ...nextJob(ctx, 'backup', 'server', ctx.session.become) }, dir, file: dumpCommand(ctx.session, dir).produces ?? '' };
  },
  async run(ctx): Promise<StepOutcome> {
    if (ctx.answers?.backup?.enabled === false) {
      return {
        status: 'blocked',
        reasons: ['the answers file turns the backup off (backup.enabled: false); the real migration needs a verified backup: set it to true'],
      };
    }
    if (ctx.session.layout.database) return externalBackup(ctx);
    const step = ctx.plan().steps.find((st) => st.id === 'backup');
    const dir = String(step?.inputs.dir);
    const run = await runDetached(ctx, dumpCommand(ctx.session, dir), currentJob(ctx, 'backup'), { step: 'backup' });
    if (run.code !== 0)
      return {
        status: 'failed',
        error: `the dump failed (${run.lost ? 'outcome unknown: the job vanished' : `exit ${run.code}`}): ${run.output.trim().split('\n').slice(-3).join(' ')}`,
      };
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
