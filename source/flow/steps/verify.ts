// verify: mas-cli doctor judged by its ✅/⚠️/❌ lines (it always exits 0), plus the
// wizard's own checks: MAS holds as many users as Synapse had to migrate.
import { parseDoctorOutput } from '../../parsers/doctor.js';
import { MAS_DB, SYNAPSE_DB } from '../../playbook/commands.js';
import type { FlowContext } from '../context.js';
import type { StepOutcome, StepRunner } from './step.js';
import { runPlanned } from '../exec.js';

/** One number from a `SELECT count(*)` through cli-non-interactive. */
export async function count(ctx: FlowContext, db: string, sql: string, step: 'verify' | 'users' | 'first-admin' | 'prerequisites'): Promise<number> {
  const r = await runPlanned(ctx, ctx.session.cat.sql(db, sql), { step, quiet: true });
  const n = Number(r.output.trim().split('\n').pop());
  if (r.code !== 0 || !Number.isInteger(n)) throw new Error(`cannot count (${sql}): ${r.output.trim() || `exit ${r.code}`}`);
  return n;
}

/** Users syn2mas migrates: every Synapse user except appservice users and guests. */
export const SYNAPSE_MIGRATABLE = 'SELECT count(*) FROM users WHERE appservice_id IS NULL AND is_guest = 0';

export const verify: StepRunner = {
  id: 'verify',
  commands: (s) => [s.cat.doctorScript().display],
  async run(ctx): Promise<StepOutcome> {
    const r = await runPlanned(ctx, ctx.session.cat.doctorScript(), { step: 'verify' });
    const report = parseDoctorOutput(r.output);
    for (const item of report.items) {
      const mark = item.status === 'ok' ? '✅' : item.status === 'warn' ? '⚠️' : item.status === 'fail' ? '❌' : '💡';
      ctx.io.say(`${mark} ${item.text}${item.status === 'fail' || item.status === 'warn' ? `\n   ${item.meaning}${item.todo ? `\n   What to do: ${item.todo}` : ''}` : ''}`,
        item.status === 'fail' ? 'error' : item.status === 'warn' ? 'warn' : item.status === 'ok' ? 'ok' : 'info');
    }
    const doctor = { ok: report.counts.ok, warn: report.counts.warn, fail: report.counts.fail };
    const outputs: Record<string, import('../../../state/plan.js').Json> = { doctor };
    const problems: string[] = [];
    if (r.code !== 0 || report.fatal) problems.push(`mas-cli doctor could not run: ${report.fatal ?? r.output.trim().split('\n').slice(-2).join(' ')}`);
    if (report.counts.fail > 0) problems.push(`mas-cli doctor reports ${report.counts.fail} failing check(s): ${report.items.filter((i) => i.status === 'fail').map((i) => i.text).join('; ')}`);
    if (report.items.length === 0 && !report.fatal) problems.push('mas-cli doctor printed no check results');
    if (ctx.plan().flow === 'migrate') {
      const synapse = await count(ctx, SYNAPSE_DB, SYNAPSE_MIGRATABLE, 'verify');
      const mas = await count(ctx, MAS_DB, 'SELECT count(*) FROM users', 'verify');
      outputs.synapse_users = synapse;
      outputs.mas_users = mas;
      ctx.io.say(`Users: ${synapse} in Synapse (excluding appservice users and guests), ${mas} in MAS.`, mas === synapse ? 'ok' : 'error');
      if (mas !== synapse) problems.push(`MAS has ${mas} users but Synapse had ${synapse} to migrate`);
    }
    return problems.length ? { status: 'failed', error: problems.join('\n'), outputs } : { status: 'succeeded', outputs };
  },
};
