// The real downtime window, measured on the server: the migrate step keeps when Synapse entered
// the inactive state (the syn2mas play stops it), the reinstall reads when it became active again.
import { UNITS } from '../../playbook/commands.js';
import { downtimeSeconds, parseUnitTimes, type UnitTimes } from '../../parsers/systemd.js';
import type { StepId } from '../../../state/steps.js';
import type { FlowContext } from '../context.js';
import { runPlanned } from '../exec.js';

async function synapseTimes(ctx: FlowContext, step: StepId): Promise<UnitTimes> {
  const r = await runPlanned(ctx, ctx.session.cat.serviceTimes(UNITS.synapse), { step, quiet: true });
  return r.code === 0 ? parseUnitTimes(r.output) : { activeEnterUs: null, inactiveEnterUs: null };
}

/** For the migrate step's outputs: when Synapse was stopped (server monotonic µs), read right after syn2mas. */
export async function synapseStopped(ctx: FlowContext): Promise<{ synapse_stopped_us: number } | Record<string, never>> {
  const { inactiveEnterUs } = await synapseTimes(ctx, 'migrate');
  return inactiveEnterUs ? { synapse_stopped_us: inactiveEnterUs } : {};
}

/** For the reinstall's outputs, once Synapse runs again: the window since the migrate step's stop. */
export async function synapseDowntime(ctx: FlowContext): Promise<{ synapse_downtime_s: number | null }> {
  const stopped = ctx.plan().steps.find((s) => s.id === 'migrate')?.outputs.synapse_stopped_us;
  const { activeEnterUs } = await synapseTimes(ctx, 'reinstall');
  const seconds = downtimeSeconds(typeof stopped === 'number' ? stopped : null, activeEnterUs);
  ctx.io.say(
    seconds === null
      ? 'The downtime window could not be measured (the server did not report when Synapse stopped and started, or it restarted in between).'
      : `Synapse was down for ${seconds} s (from its stop by the migration to its start after the reinstall, as the server's systemd recorded them).`,
    seconds === null ? 'warn' : 'ok',
  );
  return { synapse_downtime_s: seconds };
}
