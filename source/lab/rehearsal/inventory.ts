// The rehearsal's inventory: one host on this machine, its vars.yml (the lab's own, or the
// operator's with the server's base path moved into the lab), and a separate file of what makes
// the lab's server differ from a real one (its docker, its python, its accounts).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { LabMeta } from '../lab-meta.js';
import { labVars } from '../playbook-files.js';
import { imagesFile } from './docker-engine.js';
import { serverBin } from './server-bin.js';

export const PLUMBING_FILE = 'zz-practice-lab.yml';

/** The operator's vars.yml facts the lab is built for. */
export interface OperatorVars {
  file: string;
  text: string;
  domain: string;
  synapseIdpIds: string[];
}

export function readOperatorVars(file: string): OperatorVars {
  const text = readFileSync(file, 'utf8');
  const doc = (parse(text) ?? {}) as Record<string, unknown>;
  const domain = doc.matrix_domain;
  if (typeof domain !== 'string' || !/^[A-Za-z0-9.-]+$/.test(domain))
    throw new Error(`${file}: matrix_domain must be a literal domain name for a rehearsal (got ${JSON.stringify(domain)})`);
  const providers = Array.isArray(doc.matrix_synapse_oidc_providers) ? (doc.matrix_synapse_oidc_providers as Array<Record<string, unknown>>) : [];
  const synapseIdpIds = providers.map((p) => (!p.idp_id || p.idp_id === 'oidc' ? 'oidc' : `oidc-${String(p.idp_id)}`));
  return { file, text, domain, synapseIdpIds };
}

/** The operator's vars.yml for the lab: empty required secrets filled (as the operator must), the base path the lab's. */
function operatorVarsForLab(vars: OperatorVars, base: string): string {
  const lines = vars.text
    .replace(/\s*$/, '\n')
    .split('\n')
    .filter((l) => !/^matrix_base_data_path\s*:/.test(l));
  const filled = lines.map((l) => {
    const m = /^(matrix_homeserver_generic_secret_key|postgres_connection_password)\s*:\s*(''|""|)\s*$/.exec(l);
    return m ? `${m[1]}: '${randomBytes(32).toString('hex')}'  # practice lab: was empty` : l;
  });
  return `${filled.join('\n')}\n# Practice lab (rehearsal): the server's data directory (matrix_base_data_path) lives here.\nmatrix_base_data_path: ${JSON.stringify(base)}\n`;
}

export function writeInventory(dir: string, meta: LabMeta, secrets: { postgresPassword: string; genericSecret: string }, operator?: OperatorVars): void {
  const playbook = path.join(dir, 'playbook');
  const hostVars = path.join(playbook, 'inventory', 'host_vars', meta.host);
  const bin = serverBin(dir);
  mkdirSync(hostVars, { recursive: true, mode: 0o700 });
  writeFileSync(
    path.join(playbook, 'inventory', 'hosts'),
    `# Practice lab inventory (rehearsal: the "server" is this machine)\n[matrix_servers]\n${meta.host} ansible_connection=local ansible_python_interpreter=${bin}/python3 ansible_become=false\n`,
  );
  const varsFile = path.join(hostVars, 'vars.yml');
  writeFileSync(varsFile, operator ? operatorVarsForLab(operator, path.join(dir, 'server', 'matrix')) : labVars(dir, meta, secrets), { mode: 0o600 });
  chmodSync(varsFile, 0o600);
  const group = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();
  writeFileSync(
    path.join(hostVars, PLUMBING_FILE),
    `---
# Practice lab only (not part of a real inventory): how the rehearsal's server differs from a real one.
${stringify({
  devture_systemd_docker_base_host_command_docker: path.join(bin, 'docker'),
  // The lab's server has no Docker for the playbook to install (install-all is stood in for): as on
  // a server whose Docker is managed another way, which is also what lets this machine's
  // ansible-core 2.14 run the current checkout (its Docker role needs 2.15.1).
  matrix_playbook_docker_installation_enabled: false,
  matrix_user_name: userInfo().username,
  matrix_group_name: group,
  lab_server_bin: bin,
  lab_systemd_dir: path.join(dir, 'server', 'systemd'),
  lab_docker_images: imagesFile(dir),
})}`,
    { mode: 0o600 },
  );
}
