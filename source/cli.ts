#!/usr/bin/env node
// Entry point. --version and --help answer before anything heavy (Ink, React, ssh2) is loaded.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HELP, parseCli, UsageError } from './cli-args.js';
import { packageRoot } from './paths.js';

async function main(argv: string[]): Promise<number> {
  let cli;
  try {
    cli = parseCli(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`mas-wizard: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
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

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    process.stderr.write(`mas-wizard: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
