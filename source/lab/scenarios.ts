// Lab scenarios: `lab reset --scenario NAME[,NAME]` builds a lab whose server differs from the
// default one in one respect an operator's real server may have. Each scenario is one entry of
// SCENARIOS; lab.ts applies its hooks while it builds the lab. Scenarios combine with --generation.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { assetsDir, MAS_VERSION, type Generation, type LabMeta } from './lab-meta.js';
import { psql, type PgCluster } from './postgres.js';

export interface Scenario {
  name: string;
  /** One line for `lab reset --help` and the reset message. */
  summary: string;
  /** Runs after the default Synapse seed is loaded, against the lab's Synapse database. */
  seedSynapse?: (cluster: PgCluster, meta: LabMeta) => void;
  /** False when the server has no Synapse OIDC providers (homeserver.yaml and vars.yml). */
  synapseOidc?: boolean;
  /** The directory under <lab>/server that is matrix_base_data_path (default "matrix"). */
  baseDirName?: string;
  /** The playbook does not manage PostgreSQL: no postgres scripts, unit or dump-all on the server. */
  externalPostgres?: boolean;
  /** Runs after the lab's playbook checkout is written: the operator's inventory as this scenario has it. */
  playbook?: (lab: PlaybookHookInput) => void;
  /** The only generation this scenario exists at (a property of one range of playbook checkouts). */
  generation?: Generation;
  /** The MAS version the checkout pins, when it is not the generation's default. */
  masVersion?: string;
  /** Lab switches for the lab's own task files, written to the lab-only host_vars file (lab.yml). */
  labVars?: Record<string, string | number | boolean>;
}

export interface PlaybookHookInput {
  dir: string;
  playbookDir: string;
  /** inventory/host_vars/<host>/ */
  hostVars: string;
  meta: LabMeta;
  secrets: { synapseDbPassword: string; masDbPassword: string };
}

/** The server's matrix_base_data_path in a lab: <lab>/server/<matrix or the scenario's name>. */
export function serverRootOf(dir: string, meta: LabMeta): string {
  const custom = meta.scenarios.map((name) => scenario(name).baseDirName).find(Boolean);
  return path.join(dir, 'server', custom ?? 'matrix');
}

export function hasExternalPostgres(meta: LabMeta): boolean {
  return meta.scenarios.some((name) => scenario(name).externalPostgres === true);
}

/** vars.yml pointed at a PostgreSQL the playbook does not manage (docs/configuring-playbook-external-postgres.md). */
function externalPostgresVars(lab: PlaybookHookInput): void {
  const file = path.join(lab.hostVars, 'vars.yml');
  const { socketDir, pgPort } = lab.meta;
  writeFileSync(
    file,
    `${readFileSync(file, 'utf8').trimEnd()}

# PostgreSQL is managed outside the playbook (practice lab: the lab's own cluster, by its socket).
postgres_enabled: false
matrix_synapse_database_host: ${JSON.stringify(socketDir)}
matrix_synapse_database_port: ${pgPort}
matrix_synapse_database_user: synapse
matrix_synapse_database_password: '${lab.secrets.synapseDbPassword}'
matrix_synapse_database_database: synapse
matrix_authentication_service_config_database_host: ${JSON.stringify(socketDir)}
matrix_authentication_service_config_database_port: ${pgPort}
matrix_authentication_service_config_database_username: matrix_authentication_service
matrix_authentication_service_config_database_password: '${lab.secrets.masDbPassword}'
matrix_authentication_service_config_database_database: matrix_authentication_service
`,
  );
}

/**
 * Secrets in host_vars/<host>/vault.yml, encrypted with ansible-vault and a password file that
 * ansible.cfg names (vault_password_file); the server name in inventory/group_vars/matrix_servers.yml.
 */
function vaultInventory(lab: PlaybookHookInput): void {
  const varsFile = path.join(lab.hostVars, 'vars.yml');
  const vault: Record<string, string> = {};
  let vars = readFileSync(varsFile, 'utf8');
  for (const key of ['matrix_homeserver_generic_secret_key', 'postgres_connection_password']) {
    vars = vars.replace(new RegExp(`^${key}: '([^']*)'$`, 'm'), (_, value: string) => {
      vault[`vault_${key}`] = value;
      return `${key}: "{{ vault_${key} }}"`;
    });
  }
  const domain = /^matrix_domain: (.*)$/m.exec(vars);
  if (!domain || Object.keys(vault).length !== 2) throw new Error('the vault scenario did not find the lab vars.yml lines it moves');
  vars = vars.replace(/^matrix_domain: .*\n/m, '# matrix_domain: in inventory/group_vars/matrix_servers.yml\n');
  writeFileSync(varsFile, vars);
  mkdirSync(path.join(lab.playbookDir, 'inventory', 'group_vars'), { recursive: true });
  writeFileSync(path.join(lab.playbookDir, 'inventory', 'group_vars', 'matrix_servers.yml'), `---\nmatrix_domain: ${domain[1]}\n`);
  const password = path.join(lab.dir, 'vault-password');
  writeFileSync(password, `${randomBytes(16).toString('hex')}\n`, { mode: 0o600 });
  const vaultFile = path.join(lab.hostVars, 'vault.yml');
  writeFileSync(
    vaultFile,
    `---\n${Object.entries(vault)
      .map(([k, v]) => `${k}: '${v}'`)
      .join('\n')}\n`,
    { mode: 0o600 },
  );
  execFileSync('ansible-vault', ['encrypt', '--vault-password-file', password, vaultFile], { stdio: 'pipe' });
  const cfg = path.join(lab.playbookDir, 'ansible.cfg');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(/^\[defaults\]$/m, `[defaults]\nvault_password_file = ${password}`));
}

/** Whether the lab's Synapse has its OIDC provider (every scenario keeps it unless it says not). */
export function hasSynapseOidc(meta: LabMeta): boolean {
  return meta.scenarios.every((name) => scenario(name).synapseOidc !== false);
}

/** A seed hook that runs assets/sql/scenarios/NAME against the Synapse database. */
function synapseSql(name: string): Scenario['seedSynapse'] {
  return (cluster) => psql(cluster, 'synapse', { text: readFileSync(path.join(assetsDir(), 'sql', 'scenarios', name), 'utf8') }, 'synapse');
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'guests', summary: 'Synapse users include guests, as on a server that once allowed guest access', seedSynapse: synapseSql('guests.sql') },
  {
    name: 'fresh',
    summary: 'a new homeserver: no users and no Synapse OIDC (for "Set up MAS on a new homeserver")',
    seedSynapse: synapseSql('fresh.sql'),
    synapseOidc: false,
  },
  {
    name: 'external-postgres',
    summary: 'Synapse and MAS databases on a PostgreSQL the playbook does not manage (postgres_enabled: false)',
    externalPostgres: true,
    playbook: externalPostgresVars,
  },
  { name: 'custom-base-path', summary: 'a non-default matrix_base_data_path (server files in matrix-data, not matrix)', baseDirName: 'matrix-data' },
  { name: 'vault', summary: 'secrets in an ansible-vault encrypted host_vars vault.yml, matrix_domain in inventory group_vars', playbook: vaultInventory },
  // Playbook 19ccd491f (May 2025) up to 94a0a6c6e^ (March 2026) pinned MAS 0.16.0 to 1.14.0 and ran
  // "Ensure Synapse is started (if it previously was)" after every syn2mas that exited 0
  // (real-outputs.md §6); 19ccd491f itself pins 0.16.0, which has no `manage promote-admin` (§5).
  {
    name: 'checkout-2025',
    generation: 'current',
    masVersion: '0.16.0',
    labVars: { lab_syn2mas_restarts_synapse: true },
    summary: 'a current-generation checkout of May 2025 (playbook 19ccd491f): MAS 0.16.0, and Synapse started again after a real syn2mas',
  },
];

/** The MAS version the lab's checkout pins: its generation's, unless a scenario pins another. */
export function labMasVersion(meta: Pick<LabMeta, 'generation' | 'scenarios'>): string {
  return meta.scenarios.map((name) => scenario(name).masVersion).find((v) => v !== undefined) ?? MAS_VERSION[meta.generation];
}

/** The lab-only variables the scenarios set (lab.yml). */
export function scenarioLabVars(meta: Pick<LabMeta, 'scenarios'>): Record<string, string | number | boolean> {
  return Object.assign({}, ...meta.scenarios.map((name) => scenario(name).labVars ?? {}));
}

export function scenario(name: string): Scenario {
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) throw new Error(`unknown lab scenario "${name}" (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  return found;
}

/** Parses `--scenario a,b`; an unknown name is an error that lists the known ones. */
export function parseScenarios(value: string | undefined): string[] {
  if (value === undefined) return [];
  const names = [
    ...new Set(
      value
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    ),
  ];
  for (const name of names) scenario(name);
  return names;
}

/** A scenario that belongs to one generation cannot be built at the other. */
export function checkScenarioGeneration(names: readonly string[], generation: Generation): void {
  for (const name of names) {
    const only = scenario(name).generation;
    if (only && only !== generation)
      throw new Error(
        `lab scenario "${name}" exists only at the ${only} generation (it is a property of those playbook checkouts); drop --generation ${generation} or the scenario`,
      );
  }
}
