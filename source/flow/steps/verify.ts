// verify: mas-cli doctor judged by its ✅/⚠️/❌ lines (it always exits 0), plus the
// wizard's own checks: MAS holds as many users as Synapse had to migrate.
import { parseDoctorOutput, type DoctorItem, type DoctorReport } from '../../parsers/doctor.js';
import { MissingAnswer } from '../../../state/answers.js';
import { MAS_DB, SYNAPSE_DB } from '../../playbook/commands.js';
import type { FlowContext } from '../context.js';
import type { StepOutcome, StepRunner } from './step.js';
import { runPlanned } from '../exec.js';

/** One number from a `SELECT count(*)` through cli-non-interactive. */
export async function count(
  ctx: FlowContext,
  db: string,
  sql: string,
  step: 'verify' | 'users' | 'first-admin' | 'prerequisites' | 'migrate',
): Promise<number> {
  const r = await runPlanned(ctx, ctx.session.cat.sql(db, sql), { step, quiet: true });
  const n = Number(r.output.trim().split('\n').pop());
  if (r.code !== 0 || !Number.isInteger(n)) throw new Error(`cannot count (${sql}): ${r.output.trim() || `exit ${r.code}`}`);
  return n;
}

/**
 * Users syn2mas migrates: every Synapse user except appservice users. The current tool (MAS ≥ 0.16)
 * copies guests too, with is_guest set (real-outputs.md §5); the legacy one stops on the first guest
 * (a blocker before anything runs, legacy-limits.ts), so a finished legacy migration had none to count.
 */
export const SYNAPSE_MIGRATABLE = 'SELECT count(*) FROM users WHERE appservice_id IS NULL';

const CUT_OVER_KEY = 'doctor.cut-over-incomplete';

/**
 * Doctor warnings that mean the cut-over is not finished (real-outputs.md §3): old-style logins still
 * reach Synapse, Synapse answers a made-up token other than with 401 (not asking MAS), or the
 * well-known does not announce MAS. Doctor only warns about them, but users would still log in
 * through Synapse, or clients would not find MAS.
 */
export function cutOverWarnings(report: DoctorReport): DoctorItem[] {
  return report.items.filter(
    (i) =>
      i.status === 'warn' &&
      ((i.check === 'doctor.legacy-login' && /doesn't look to be handled by MAS/.test(i.text)) ||
        i.check === 'doctor.token-delegation' ||
        i.check === 'doctor.well-known-msc2965'),
  );
}

function cutOverRemedy(ctx: FlowContext): string {
  return (
    'The cut-over is incomplete. Make sure matrix_authentication_service_migration_in_progress is gone from vars.yml and ' +
    `matrix_authentication_service_enabled is true, run \`${ctx.session.cat.install().display}\` (or the reinstall step) again, then run verify again. With a webserver ` +
    'of your own, route /_matrix/client/*/login, logout and refresh to MAS.'
  );
}

export const verify: StepRunner = {
  id: 'verify',
  commands: (s) => [s.cat.doctorScript().display],
  async run(ctx): Promise<StepOutcome> {
    const r = await runPlanned(ctx, ctx.session.cat.doctorScript(), { step: 'verify' });
    const report = parseDoctorOutput(r.output);
    for (const item of report.items) {
      const mark = item.status === 'ok' ? '✅' : item.status === 'warn' ? '⚠️' : item.status === 'fail' ? '❌' : '💡';
      ctx.io.say(
        `${mark} ${item.text}${item.status === 'fail' || item.status === 'warn' ? `\n   ${item.meaning}${item.todo ? `\n   What to do: ${item.todo}` : ''}` : ''}`,
        item.status === 'fail' ? 'error' : item.status === 'warn' ? 'warn' : item.status === 'ok' ? 'ok' : 'info',
      );
    }
    const doctor = { ok: report.counts.ok, warn: report.counts.warn, fail: report.counts.fail };
    const outputs: Record<string, import('../../../state/plan.js').Json> = { doctor };
    const problems: string[] = [];
    if (r.code !== 0 || report.fatal) problems.push(`mas-cli doctor could not run: ${report.fatal ?? r.output.trim().split('\n').slice(-2).join(' ')}`);
    if (report.counts.fail > 0)
      problems.push(
        `mas-cli doctor reports ${report.counts.fail} failing check(s): ${report.items
          .filter((i) => i.status === 'fail')
          .map((i) => i.text)
          .join('; ')}`,
      );
    if (report.items.length === 0 && !report.fatal) problems.push('mas-cli doctor printed no check results');
    const incomplete = cutOverWarnings(report);
    if (incomplete.length) {
      outputs.cut_over_warnings = incomplete.map((i) => i.text);
      const list = incomplete.map((i) => `  ⚠️ ${i.text}${i.todo ? `\n     What to do: ${i.todo}` : ''}`).join('\n');
      ctx.io.say(`${cutOverRemedy(ctx)}\n${list}`, 'error');
      let accepted = false;
      try {
        accepted = await ctx.io.confirm({
          key: `accept: ${CUT_OVER_KEY}`,
          question: 'Doctor says logins do not all go through MAS yet. Finish anyway (not recommended)?',
          defaultYes: false,
        });
      } catch (error) {
        if (!(error instanceof MissingAnswer)) throw error;
      }
      if (accepted) outputs.accepted_cut_over_warnings = true;
      else problems.push(`${cutOverRemedy(ctx)}\n${list}`);
    }
    if (ctx.plan().flow === 'migrate') {
      const synapse = await count(ctx, SYNAPSE_DB, SYNAPSE_MIGRATABLE, 'verify');
      const mas = await count(ctx, MAS_DB, 'SELECT count(*) FROM users', 'verify');
      outputs.synapse_users = synapse;
      outputs.mas_users = mas;
      ctx.io.say(
        `Users: ${synapse} in Synapse (excluding appservice users; guests included, syn2mas copies them), ${mas} in MAS.`,
        mas === synapse ? 'ok' : 'error',
      );
      if (mas !== synapse) problems.push(`MAS has ${mas} users but Synapse had ${synapse} to migrate`);
    }
    return problems.length ? { status: 'failed', error: problems.join('\n'), outputs } : { status: 'succeeded', outputs };
  },
};
