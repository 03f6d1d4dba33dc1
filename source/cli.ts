#!/usr/bin/env node
// Entry point. --version and --help answer before anything heavy (Ink, React, ssh2) is loaded.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HELP, parseCli, type ParsedCli } from './cli-args.js';
import { reportError } from './errors.js';
import { packageRoot } from './paths.js';

let cli: ParsedCli | undefined;

async function main(argv: string[]): Promise<number> {
  cli = parseCli(argv);
  if (cli.flags.version) {
    const pkg = JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  if (cli.flags.help) {
    process.stdout.write(HELP);
    return 0;
  }
  // --state-dir is the flag form of MAS_WIZARD_STATE_DIR, read by stateDir() everywhere.
  if (cli.flags['state-dir']) process.env.MAS_WIZARD_STATE_DIR = path.resolve(cli.flags['state-dir']);
  const { runCommand } = await import('./commands/index.js');
  return runCommand(cli);
}

// The one handler: an AbortError ends the command with its code and next step; anything else is a bug.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = reportError(error, cli && cli.command !== 'wizard' ? cli.command : undefined);
  },
);
