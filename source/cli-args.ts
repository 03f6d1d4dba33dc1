// Argument parsing kept free of Ink/React so --version and --help stay fast.
import { parseArgs } from 'node:util';
import { AbortError } from './errors.js';

export const options = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
  lab: { type: 'boolean' },
  'lab-dir': { type: 'string' },
  playbook: { type: 'string' },
  host: { type: 'string' },
  vars: { type: 'string' },
  offline: { type: 'boolean' },
  json: { type: 'boolean' },
  answers: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  until: { type: 'string' },
  out: { type: 'string' },
  generation: { type: 'string' },
  scenario: { type: 'string' },
  'state-dir': { type: 'string' },
  'take-over': { type: 'boolean' },
} as const;

export type Flags = {
  help?: boolean;
  version?: boolean;
  lab?: boolean;
  'lab-dir'?: string;
  playbook?: string;
  host?: string;
  vars?: string;
  offline?: boolean;
  json?: boolean;
  answers?: string;
  yes?: boolean;
  until?: string;
  out?: string;
  generation?: string;
  scenario?: string;
  'state-dir'?: string;
  'take-over'?: boolean;
};

export interface ParsedCli {
  command: string;
  rest: string[];
  flags: Flags;
}

export const COMMANDS = ['wizard', 'preflight', 'plan', 'run', 'status', 'transcript', 'rollback', 'lab'] as const;

/** A command line that does not parse (exit 2). */
export class UsageError extends AbortError {}

export function parseCli(argv: readonly string[]): ParsedCli {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [first, ...rest] = parsed.positionals;
  const command = first ?? 'wizard';
  if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`unknown command "${command}" (see mas-wizard --help)`);
  return { command, rest, flags: parsed.values as Flags };
}

export const HELP = `mas-wizard — move a matrix-docker-ansible-deploy homeserver to Matrix Authentication Service (MAS)

Usage:
  mas-wizard [--playbook DIR] [--host NAME]      interactive wizard (exit 0 done, 130 quit)
      e.g. cd ~/matrix-docker-ansible-deploy && mas-wizard --host matrix.example.org
  mas-wizard --lab                               the wizard against the built-in practice lab
      e.g. mas-wizard --lab
  mas-wizard preflight [--playbook DIR --host NAME | --vars FILE] [--offline] [--json]
                                                 readiness report (exit 0 ready, 3 blockers, 2 bad input)
      e.g. mas-wizard preflight --vars inventory/host_vars/matrix.example.org/vars.yml --json
  mas-wizard plan [--offline] [--json]           steps, their state and the exact commands each will run
      e.g. mas-wizard --lab plan --json
  mas-wizard run --answers FILE [--yes] [--until STEP] [--json]
                                                 non-interactive run (exit 0 ok, 3 blocked, 4 step failed)
      e.g. mas-wizard run --answers answers.yml --yes --until dry-run
  mas-wizard status [--json]                     saved plan state, step outputs, final summary
      e.g. mas-wizard status --json
  mas-wizard transcript [--out FILE]             one redacted, shareable record of the run
      e.g. mas-wizard transcript --out mas-wizard-transcript.txt
  mas-wizard rollback [--yes]                    the ways back and what each costs; --yes switches MAS off
      e.g. mas-wizard rollback
  mas-wizard lab reset [--generation current|legacy] [--scenario NAME[,NAME]] [--yes]
      e.g. mas-wizard lab reset --generation legacy --scenario guests --yes
      scenarios (the default lab has none; a reset without --generation builds current):
        guests             Synapse users include guests, as on a server that once allowed guest access
        fresh              a new homeserver: no users and no Synapse OIDC
        checkout-2025      a current-generation checkout of May 2025 (playbook 19ccd491f): MAS 0.16.0,
                           and Synapse started again after a real syn2mas (current generation only)
        external-postgres  Synapse and MAS databases on a PostgreSQL the playbook does not manage (postgres_enabled: false)
        custom-base-path   a non-default matrix_base_data_path (server files in matrix-data, not matrix)
        vault              secrets in an ansible-vault encrypted host_vars vault.yml, matrix_domain in inventory group_vars
  mas-wizard lab reset --playbook DIR [--vars FILE] [--scenario NAME[,NAME]] [--yes]
      rehearsal: the lab around a copy of your checkout (its generation and MAS version), with
      the lab's own vars.yml or yours (--vars); syn2mas, mas-cli and register-user run for real
      e.g. mas-wizard lab reset --playbook ~/matrix-docker-ansible-deploy --vars ~/mdad/vars.yml --yes
  mas-wizard lab destroy [--yes]
      e.g. mas-wizard lab destroy --yes
  mas-wizard --version | --help

Common flags:
  --lab              use the practice lab (works with every command)
  --lab-dir DIR      where the lab lives (default: the state directory)
  --playbook DIR     the playbook checkout (default: the current directory)
  --host NAME        the inventory host (default: the only one in inventory/hosts)
  --state-dir DIR    where plans and transcripts are kept (default: $XDG_STATE_HOME/mas-wizard)
  --json             machine-readable output
  --yes              answer yes to confirmations that have no typed guard
  --take-over        take over the lock of a wizard that is gone (its pid is dead); never a live one's

Step ids (for --until): migrate flow: prerequisites secret url providers mark-migration install
  backup syn2mas-check dry-run migrate cut-over reinstall verify users; new flow: prerequisites
  secret url providers install verify first-admin
`;
