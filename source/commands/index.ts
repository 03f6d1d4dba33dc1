// Dispatch to one module per command (source/commands/<name>.ts, default export);
// each is imported only when used, so a command never pays for another's dependencies.
import type { ParsedCli } from '../cli-args.js';

type Handler = (cli: ParsedCli) => Promise<number>;

export async function runCommand(cli: ParsedCli): Promise<number> {
  const specifier = `./${cli.command}.js`;
  let handler: Handler;
  try {
    handler = ((await import(specifier)) as { default: Handler }).default;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(`commands/${cli.command}.js`)) {
      process.stderr.write(`mas-wizard: "${cli.command}" is not available in this build\n`);
      return 2;
    }
    throw error;
  }
  return handler(cli);
}
