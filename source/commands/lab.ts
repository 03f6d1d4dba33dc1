// `mas-wizard lab reset [--generation current|legacy] [--scenario NAME[,NAME]] [--yes]` and `lab destroy [--yes]`.
// Both throw work away, so without --yes they need a TTY to ask (and refuse otherwise).
import { createInterface } from 'node:readline/promises';
import type { ParsedCli } from '../cli-args.js';
import { AbortError } from '../errors.js';
import { assertLabFree, defaultLabDir, destroyLab, resetLab, type Generation } from '../lab/lab.js';
import { labMasVersion } from '../lab/scenarios.js';
import { parseScenarios } from '../lab/scenarios.js';

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export default async function lab(cli: ParsedCli): Promise<number> {
  const [action, ...extra] = cli.rest;
  const dir = cli.flags['lab-dir'] ?? defaultLabDir();
  if ((action !== 'reset' && action !== 'destroy') || extra.length) {
    process.stderr.write('mas-wizard lab: expected "lab reset [--generation current|legacy] [--scenario NAME[,NAME]] [--yes]" or "lab destroy [--yes]"\n');
    return 2;
  }
  const generation = cli.flags.generation;
  if (generation !== undefined && generation !== 'current' && generation !== 'legacy') {
    process.stderr.write(`mas-wizard lab: --generation must be current or legacy (got "${generation}")\n`);
    return 2;
  }
  if (
    action === 'destroy' &&
    (generation !== undefined || cli.flags.scenario !== undefined || cli.flags.playbook !== undefined || cli.flags.vars !== undefined)
  ) {
    process.stderr.write('mas-wizard lab: --generation, --scenario, --playbook and --vars only apply to "lab reset"\n');
    return 2;
  }
  if (cli.flags.playbook !== undefined && generation !== undefined) {
    process.stderr.write('mas-wizard lab reset: --generation is taken from the --playbook checkout; leave it out\n');
    return 2;
  }
  if (cli.flags.vars !== undefined && cli.flags.playbook === undefined) {
    process.stderr.write('mas-wizard lab reset: --vars needs --playbook (the vars.yml goes with its checkout)\n');
    return 2;
  }
  let scenarios: string[];
  try {
    scenarios = parseScenarios(cli.flags.scenario);
  } catch (error) {
    process.stderr.write(`mas-wizard lab: ${(error as Error).message}\n`);
    return 2;
  }
  // Before asking: a wizard at work on the lab keeps it (its checkout and plan stay); busy is exit 3.
  assertLabFree({ dir });
  const what = action === 'reset' ? `Reset the practice lab in ${dir}? Everything done in it is lost.` : `Delete the practice lab in ${dir}?`;
  if (!cli.flags.yes) {
    if (!process.stdin.isTTY) {
      process.stderr.write(`mas-wizard lab ${action}: this deletes the practice lab in ${dir}; no terminal to ask for confirmation, so pass --yes\n`);
      return 2;
    }
    if (!(await confirm(what))) {
      process.stderr.write('Nothing changed.\n');
      return 0;
    }
  }
  try {
    if (action === 'destroy') {
      await destroyLab({ dir });
      process.stdout.write(`Practice lab removed from ${dir}\n`);
    } else {
      const started = Date.now();
      const info = await resetLab({ dir, generation: generation as Generation | undefined, scenarios, playbook: cli.flags.playbook, vars: cli.flags.vars });
      const scenarioText = info.scenarios.length ? `, scenario ${info.scenarios.join(', ')}` : '';
      const rehearsal = info.rehearsal ? `, rehearsal of ${info.rehearsal.source}${info.rehearsal.vars ? ` with ${info.rehearsal.vars}` : ''}` : '';
      process.stdout.write(
        `Practice lab ready in ${info.dir} (${info.generation} generation, MAS ${info.rehearsal?.masVersion ?? labMasVersion(info)}${scenarioText}${rehearsal}, ${((Date.now() - started) / 1000).toFixed(1)} s)\n  playbook: ${info.playbookDir}\n  server:   ${info.serverRoot}\n${info.matrixUser && !info.matrixUser.separate ? `  note:     ${info.matrixUser.degraded}\n` : ''}`,
      );
      if (info.rehearsal)
        process.stdout.write(
          "  install-all and setup-all are stood in for (see the README's lab section); syn2mas, mas-cli and register-user run the checkout's real tasks and scripts.\n",
        );
    }
    return 0;
  } catch (error) {
    if (error instanceof AbortError) throw error;
    // The machine could not build the lab (initdb, a full disk…): its own words, exit 1.
    process.stderr.write(`mas-wizard lab ${action}: ${(error as Error).message}\n`);
    return 1;
  }
}
