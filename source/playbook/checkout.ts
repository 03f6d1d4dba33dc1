// Find out what the operator has: a matrix-docker-ansible-deploy checkout, its inventory
// hosts and their vars.yml, which playbook generation it is (decides the syn2mas commands),
// the MAS version it pins, and whether `just` can run its recipes.
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../paths.js';
import { readHostsIni, type IniHost } from './hosts-ini.js';
import { AbortError } from '../errors.js';

/** current: `mas-cli syn2mas` (MAS ≥ 0.16, tag matrix-authentication-service-mas-cli-syn2mas); legacy: TS syn2mas (MAS ≤ 0.15). */
export type Generation = 'current' | 'legacy';

export interface CheckoutHost extends IniHost {
  /** inventory/host_vars/<host>/vars.yml (absolute), whether or not it exists. */
  varsFile: string;
  varsExists: boolean;
}

export interface Checkout {
  dir: string;
  hostsFile: string;
  hosts: CheckoutHost[];
  generation: Generation;
  /** The checkout file that decided the generation (relative path). */
  generationEvidence: string;
  /** `matrix_authentication_service_version` pinned by the role, or null if not a literal. */
  masVersion: string | null;
  /** "roles/custom/matrix-authentication-service/defaults/main.yml:12" */
  masVersionSource: string;
  /** `just` when the checkout has a justfile and a just binary is found, else raw ansible-playbook. */
  runner: 'just' | 'ansible-playbook';
  justPath: string | null;
  /** group_vars/matrix_servers (absolute), the effective defaults, or null when absent. */
  groupVarsFile: string | null;
  /** The MAS role's defaults/main.yml (absolute). */
  roleDefaultsFile: string;
  /** `matrix_playbook_migration_expected_version` of this checkout, when it can be read. */
  expectedValidatedVersion: string | null;
}

/** The directory is not a usable checkout; the message says what is missing and what to do. */
export class CheckoutError extends AbortError {
  constructor(
    readonly dir: string,
    message: string,
  ) {
    super(message);
  }
}

export const MAS_ROLE = 'roles/custom/matrix-authentication-service';
const CURRENT_TASKS = `${MAS_ROLE}/tasks/mas_cli_syn2mas.yml`;
const LEGACY_TASKS = `${MAS_ROLE}/tasks/syn2mas.yml`;

/** A top-level `name: value` line of a role/group vars file (these files are Jinja-heavy YAML). */
export function readVarLine(text: string, name: string): { value: string; line: number } | null {
  const lines = text.split(/\r?\n/);
  const re = new RegExp(`^${name}:\\s*(.*?)\\s*(?:#.*)?$`);
  for (let i = 0; i < lines.length; i++) {
    const m = re.exec(lines[i]);
    if (m) return { value: m[1].replace(/^(['"])(.*)\1$/, '$2'), line: i + 1 };
  }
  return null;
}

export function findOnPath(bin: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, bin);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      /* not here */
    }
  }
  return null;
}

/**
 * `just` on PATH, else the real binary this package ships for Linux x64 (npm
 * rust-just-linux-x64: the platform package alone, because npm ci cannot resolve
 * rust-just's optional packages for the other platforms from this registry).
 */
export function findJust(env: NodeJS.ProcessEnv = process.env): string | null {
  const bundled = path.join(packageRoot(), 'node_modules', 'rust-just-linux-x64', 'bin', 'just');
  return findOnPath('just', env) ?? (existsSync(bundled) ? bundled : null);
}

export function detectCheckout(dirInput: string, env: NodeJS.ProcessEnv = process.env): Checkout {
  const dir = path.resolve(dirInput);
  const fail = (msg: string) => {
    throw new CheckoutError(dir, msg);
  };
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail(`${dir} does not exist or is not a directory (pass the playbook checkout with --playbook DIR)`);
  if (!existsSync(path.join(dir, 'setup.yml')) || !existsSync(path.join(dir, 'roles', 'custom'))) {
    fail(`${dir} is not a matrix-docker-ansible-deploy checkout (no setup.yml and roles/custom/); cd into the checkout or pass --playbook DIR`);
  }
  if (!existsSync(path.join(dir, MAS_ROLE))) {
    fail(`${dir} has no ${MAS_ROLE}/: this playbook predates MAS support (October 2024); update it with \`just update\` (or git pull) first`);
  }
  let generation: Generation;
  let generationEvidence: string;
  if (existsSync(path.join(dir, CURRENT_TASKS))) {
    generation = 'current';
    generationEvidence = CURRENT_TASKS;
  } else if (existsSync(path.join(dir, LEGACY_TASKS))) {
    generation = 'legacy';
    generationEvidence = LEGACY_TASKS;
  } else return fail(`${dir}: neither ${CURRENT_TASKS} nor ${LEGACY_TASKS} exists, so the syn2mas commands of this playbook are unknown; update the checkout`);

  const roleDefaultsFile = path.join(dir, MAS_ROLE, 'defaults', 'main.yml');
  const defaultsText = existsSync(roleDefaultsFile) ? readFileSync(roleDefaultsFile, 'utf8') : '';
  const version = readVarLine(defaultsText, 'matrix_authentication_service_version');
  const masVersion = version && /^v?\d+\.\d+/.test(version.value) ? version.value : null;
  const masVersionSource = `${MAS_ROLE}/defaults/main.yml${version ? `:${version.line}` : ''}`;

  const hostsFile = path.join(dir, 'inventory', 'hosts');
  if (!existsSync(hostsFile))
    fail(`${dir} has no inventory/hosts; create it (e.g. \`just add-inventory-host example.com 1.2.3.4\`) as the playbook docs describe`);
  const hosts = readHostsIni(readFileSync(hostsFile, 'utf8')).map((h) => {
    const varsFile = path.join(dir, 'inventory', 'host_vars', h.name, 'vars.yml');
    return { ...h, varsFile, varsExists: existsSync(varsFile) };
  });

  const justPath = existsSync(path.join(dir, 'justfile')) ? findJust(env) : null;
  const groupVars = path.join(dir, 'group_vars', 'matrix_servers');
  const migrationDefaults = path.join(dir, 'roles', 'custom', 'matrix_playbook_migration', 'defaults', 'main.yml');
  const expected = existsSync(migrationDefaults) ? readVarLine(readFileSync(migrationDefaults, 'utf8'), 'matrix_playbook_migration_expected_version') : null;
  return {
    dir,
    hostsFile,
    hosts,
    generation,
    generationEvidence,
    masVersion,
    masVersionSource,
    runner: justPath ? 'just' : 'ansible-playbook',
    justPath,
    groupVarsFile: existsSync(groupVars) ? groupVars : null,
    roleDefaultsFile,
    expectedValidatedVersion: expected?.value ?? null,
  };
}

/** The host to work on: the named one, or the only one in [matrix_servers]. */
export function pickHost(checkout: Checkout, name?: string): CheckoutHost {
  const servers = checkout.hosts.filter((h) => h.group === 'matrix_servers');
  const pool = servers.length ? servers : checkout.hosts;
  if (name) {
    const host = checkout.hosts.find((h) => h.name === name);
    if (!host) throw new CheckoutError(checkout.dir, `host "${name}" is not in inventory/hosts (hosts: ${pool.map((h) => h.name).join(', ') || 'none'})`);
    return host;
  }
  if (pool.length === 1) return pool[0];
  if (pool.length === 0) throw new CheckoutError(checkout.dir, 'inventory/hosts lists no host under [matrix_servers]');
  throw new CheckoutError(checkout.dir, `inventory/hosts lists several hosts (${pool.map((h) => h.name).join(', ')}); choose one with --host NAME`);
}
