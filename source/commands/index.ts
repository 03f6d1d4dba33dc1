// Dispatch to one module per command; each is imported only when used.
import type { ParsedCli } from '../cli-args.js';

type Handler = (cli: ParsedCli) => Promise<number>;

const modules: Record<string, () => Promise<{ default: Handler }>> = {
  wizard: () => import('./wizard.js'),
};

export async function runCommand(cli: ParsedCli): Promise<number> {
  const load = modules[cli.command];
  if (!load) {
    process.stderr.write(`mas-wizard: "${cli.command}" is not available in this build yet\n`);
    return 2;
  }
  const handler = (await load()).default;
  return handler(cli);
}
