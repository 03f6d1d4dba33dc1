// `mas-wizard status [--json]`: the saved plan with each step's outputs and, once the
// flow is complete, the summary of what changed.
import type { ParsedCli } from '../cli-args.js';
import { withSession } from './with-session.js';
import { loadPlan } from '../../state/persist.js';
import { planText, planView } from '../flow/plan-view.js';

export default async function status(cli: ParsedCli): Promise<number> {
  const { flags } = cli;
  return withSession(cli, async (session) => {
    const saved = loadPlan(session.planFile);
    if (!saved) {
      const none = {
        server_name: session.serverName,
        generation: session.generation,
        flow: null,
        steps: [],
        note: 'no plan has been started for this server yet',
      };
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(none)}\n`
          : `No plan has been started for ${session.serverName} yet (run mas-wizard, or mas-wizard run --answers FILE).\n`,
      );
      return 0;
    }
    const view = planView(saved, session, { withOutputs: true });
    process.stdout.write(flags.json ? `${JSON.stringify(view)}\n` : planText(view));
    return 0;
  });
}
