// Lab scenarios: `lab reset --scenario NAME[,NAME]` builds a lab whose server differs from the
// default one in one respect an operator's real server may have. Each scenario is one entry of
// SCENARIOS; lab.ts applies its hooks while it builds the lab. Scenarios combine with --generation.
import { readFileSync } from 'node:fs';
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
  /** The only generation this scenario exists at (a property of one range of playbook checkouts). */
  generation?: Generation;
  /** The MAS version the checkout pins, when it is not the generation's default. */
  masVersion?: string;
  /** Lab switches for the lab's own task files, written to the lab-only host_vars file (lab.yml). */
  labVars?: Record<string, string | number | boolean>;
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
  { name: 'fresh', summary: 'a new homeserver: no users and no Synapse OIDC (for "Set up MAS on a new homeserver")', seedSynapse: synapseSql('fresh.sql'), synapseOidc: false },
  // Playbook 19ccd491f (May 2025) up to 94a0a6c6e^ (March 2026) pinned MAS 0.16.0 to 1.14.0 and ran
  // "Ensure Synapse is started (if it previously was)" after every syn2mas that exited 0
  // (real-outputs.md §6); 19ccd491f itself pins 0.16.0, which has no `manage promote-admin` (§5).
  { name: 'checkout-2025', generation: 'current', masVersion: '0.16.0', labVars: { lab_syn2mas_restarts_synapse: true },
    summary: 'a current-generation checkout of May 2025 (playbook 19ccd491f): MAS 0.16.0, and Synapse started again after a real syn2mas' },
];

/** The MAS version the lab's checkout pins: its generation's, unless a scenario pins another. */
export function labMasVersion(meta: Pick<LabMeta, 'generation' | 'scenarios'>): string {
  return meta.scenarios.map((name) => scenario(name).masVersion).find((v) => v !== undefined) ?? MAS_VERSION[meta.generation];
}

/** The lab-only variables the scenarios set (lab.yml). */
export function labVars(meta: Pick<LabMeta, 'scenarios'>): Record<string, string | number | boolean> {
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
  const names = [...new Set(value.split(',').map((name) => name.trim()).filter(Boolean))];
  for (const name of names) scenario(name);
  return names;
}

/** A scenario that belongs to one generation cannot be built at the other. */
export function checkScenarioGeneration(names: readonly string[], generation: Generation): void {
  for (const name of names) {
    const only = scenario(name).generation;
    if (only && only !== generation) throw new Error(`lab scenario "${name}" exists only at the ${only} generation (it is a property of those playbook checkouts); drop --generation ${generation} or the scenario`);
  }
}
