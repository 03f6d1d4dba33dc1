// The lab's playbook checkout: the shared asset tree, the generation's overlay, and the operator's
// inventory (hosts + host_vars vars.yml) as `just add-inventory-host` would leave them, plus the
// Synapse OIDC settings of a server that has been using Keycloak.
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { assetsDir, type LabMeta } from './lab-meta.js';
import { OIDC_PROVIDER } from './server-files.js';
import { hasSynapseOidc, labMasVersion, scenarioLabVars, serverRootOf } from './scenarios.js';

function substitute(dir: string, version: string): void {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) substitute(file, version);
    else {
      const text = readFileSync(file, 'utf8');
      if (text.includes('__MAS_VERSION__')) writeFileSync(file, text.replaceAll('__MAS_VERSION__', version));
    }
  }
}

/**
 * matrix-base's defaults name the matrix user (real: `matrix`, a system user whose uid the OS picks,
 * matrix_user_uid: ~); the lab's is its own (matrix-user.ts).
 */
export function writeMatrixBaseDefaults(dir: string, meta: LabMeta): void {
  const defaults = path.join(dir, 'playbook', 'roles', 'custom', 'matrix-base', 'defaults');
  mkdirSync(defaults, { recursive: true, mode: 0o755 });
  writeFileSync(
    path.join(defaults, 'main.yml'),
    `---
# Practice lab: the system user the playbook's containers (dump-all among them) run as.
matrix_user_name: ${JSON.stringify(meta.matrixUser?.name ?? 'matrix')}
matrix_user_uid: ~
matrix_user_gid: ~
`,
  );
}

export function writePlaybook(dir: string, meta: LabMeta, secrets: { postgresPassword: string; genericSecret: string }): void {
  const playbook = path.join(dir, 'playbook');
  cpSync(path.join(assetsDir(), 'playbook', 'common'), playbook, { recursive: true });
  cpSync(path.join(assetsDir(), 'playbook', meta.generation), playbook, { recursive: true });
  substitute(playbook, labMasVersion(meta));
  writeMatrixBaseDefaults(dir, meta);
  const hostVars = path.join(playbook, 'inventory', 'host_vars', meta.host);
  mkdirSync(hostVars, { recursive: true, mode: 0o755 });
  writeFileSync(
    path.join(playbook, 'inventory', 'hosts'),
    `# Practice lab inventory (the "server" is this machine)\n[matrix_servers]\n${meta.host} ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n`,
  );
  writeFileSync(path.join(hostVars, 'vars.yml'), labVars(dir, meta, secrets));
  // Practice lab plumbing kept out of vars.yml: where the lab's database socket is.
  writeFileSync(
    path.join(hostVars, 'lab.yml'),
    `---\n# Practice lab only (not part of a real inventory): the lab's PostgreSQL socket.\nlab_pg_socket_dir: ${JSON.stringify(meta.socketDir)}\nlab_pg_port: ${meta.pgPort}\n${Object.keys(scenarioLabVars(meta)).length ? stringify(scenarioLabVars(meta)) : ''}`,
  );
}

/** The lab's own vars.yml, as `just add-inventory-host` and an operator would leave it (also the rehearsal's default). */
export function labVars(dir: string, meta: LabMeta, secrets: { postgresPassword: string; genericSecret: string }): string {
  const oidc = {
    ...OIDC_PROVIDER,
    user_mapping_provider: {
      config: {
        localpart_template: '{% raw %}{{ user.preferred_username }}{% endraw %}',
        display_name_template: '{% raw %}{{ user.name }}{% endraw %}',
      },
    },
  };
  return `---
# The bare domain name which represents your Matrix identity.
# Matrix user IDs for your server will be of the form (\`@alice:${meta.domain}\`).
matrix_domain: ${meta.domain}

# This is something which is provided to Let's Encrypt when retrieving SSL certificates for domains.
# (practice lab: nothing is requested)
matrix_playbook_migration_validated_version: v2026.05.18.0

# The Matrix homeserver software to install.
matrix_homeserver_implementation: synapse

# A secret used as a base, for generating various other secrets.
matrix_homeserver_generic_secret_key: '${secrets.genericSecret}'

matrix_playbook_reverse_proxy_type: playbook-managed-traefik

devture_systemd_docker_base_ipv6_enabled: true

# A Postgres password to use for the superuser Postgres user (called \`matrix\` by default).
postgres_connection_password: '${secrets.postgresPassword}'

# Practice lab: the server's /matrix directory lives here.
matrix_base_data_path: ${JSON.stringify(serverRootOf(dir, meta))}

${
  hasSynapseOidc(meta)
    ? `
# Users have been logging in through Keycloak.
matrix_synapse_oidc_enabled: true
${stringify({ matrix_synapse_oidc_providers: [oidc] }).trimEnd()}
`
    : ''
}`;
}
