// Lab scenarios: `lab reset --scenario NAME[,NAME]` builds a lab whose server differs from the
// default one in one respect an operator's real server may have. Each scenario is one entry of
// SCENARIOS; lab.ts applies its hooks while it builds the lab. Scenarios combine with --generation.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { assetsDir, type LabMeta } from './lab-meta.js';
import { psql, type PgCluster } from './postgres.js';

export interface Scenario {
  name: string;
  /** One line for `lab reset --help` and the reset message. */
  summary: string;
  /** Runs after the default Synapse seed is loaded, against the lab's Synapse database. */
  seedSynapse?: (cluster: PgCluster, meta: LabMeta) => void;
  /** False when the server has no Synapse OIDC providers (homeserver.yaml and vars.yml). */
  synapseOidc?: boolean;
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
];

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
