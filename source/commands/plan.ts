// `mas-wizard plan [--offline] [--json]`: the steps, their state and the exact commands
// each will run. Reads the checkout (and the saved plan); never connects to the server.
import type { ParsedCli } from '../cli-args.js';
import { withSession } from './with-session.js';
import { loadPlan } from '../../state/persist.js';
import { freshPlan, planText, planView } from '../flow/plan-view.js';
import type { Flow } from '../../state/steps.js';

export default async function plan(cli: ParsedCli): Promise<number> {
  const { flags } = cli;
  return withSession(cli, async (session) => {
    const flow: Flow = cli.rest[0] === 'new' ? 'new' : 'migrate';
    const saved = loadPlan(session.planFile);
    const view = planView(saved ?? freshPlan(session, flow), session, { withOutputs: false });
    process.stdout.write(flags.json ? `${JSON.stringify(view)}\n` : planText(view));
    return 0;
  });
}
