import type { ParsedCli } from '../cli-args.js';

export default async function wizard(_cli: ParsedCli): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write('mas-wizard: the interactive wizard needs a terminal; use `mas-wizard run --answers FILE` without one\n');
    return 2;
  }
  const { startApp } = await import('../../screens/start.js');
  return startApp(_cli);
}
