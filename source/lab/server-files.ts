// The lab's server side (the relocated /matrix plus stand-ins for systemd and docker): the files
// written at creation. Scripts bake in absolute paths, so they work for any login user that can
// read the lab (the over-SSH harness hands the tree to its SSH user).
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { LabMeta } from './lab-meta.js';
import { hasSynapseOidc } from './scenarios.js';

function write(file: string, text: string, mode = 0o644): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  writeFileSync(file, text, { mode });
  chmodSync(file, mode);
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export const SYSTEMCTL = `#!/bin/bash
# Practice lab stand-in for systemctl. A unit exists when <server>/systemd/<unit> exists and is
# active while <server>/run/<unit> exists. Exit codes and messages follow systemd's.
set -u
SERVER="$(cd "$(dirname "$0")/.." && pwd)"
FAULTS="$SERVER/../faults.json"
quiet=0
args=()
for a in "$@"; do
	case "$a" in
		-q|--quiet) quiet=1 ;;
		--no-pager|--no-block|--system|--daemon-reload) ;;
		*) args+=("$a") ;;
	esac
done
verb="\${args[0]:-}"
[ "$verb" = daemon-reload ] && exit 0
if [ \${#args[@]} -lt 2 ]; then echo "Too few arguments." >&2; exit 1; fi
rc=0
for u in "\${args[@]:1}"; do
	case "$u" in *.service) n="$u" ;; *) n="$u.service" ;; esac
	case "$verb" in
		start|restart)
			if [ ! -f "$SERVER/systemd/$n" ]; then echo "Failed to $verb $n: Unit $n not found." >&2; exit 5; fi
			if [ "$n" = matrix-synapse.service ] && grep -q '"synapseRefusesStart": true' "$FAULTS" 2>/dev/null; then
				rm -f "$SERVER/run/$n"
				echo "Job for $n failed because the control process exited with error code." >&2
				echo "See \\"systemctl status $n\\" and \\"journalctl -xeu $n\\" for details." >&2
				exit 1
			fi
			touch "$SERVER/run/$n" ;;
		stop)
			if [ ! -f "$SERVER/systemd/$n" ]; then echo "Failed to stop $n: Unit $n not loaded." >&2; exit 5; fi
			rm -f "$SERVER/run/$n" ;;
		is-active)
			if [ -f "$SERVER/run/$n" ]; then [ $quiet = 1 ] || echo active; else [ $quiet = 1 ] || echo inactive; rc=3; fi ;;
		status)
			if [ ! -f "$SERVER/systemd/$n" ]; then echo "Unit $n could not be found." >&2; exit 4; fi
			if [ -f "$SERVER/run/$n" ]; then echo "● $n"; echo "     Active: active (running)"; else echo "○ $n"; echo "     Active: inactive (dead)"; rc=3; fi ;;
		*) echo "Unknown command verb $verb." >&2; exit 1 ;;
	esac
done
exit $rc
`;

export interface ServerSecrets { postgresPassword: string; synapseDbPassword: string }

/** `syn2mas`: the legacy tool's entry point (a legacy lab only; see legacy-tool.ts). */
export function writeServer(dir: string, meta: LabMeta, secrets: ServerSecrets, tools: { syn2mas?: string } = {}): void {
  const server = path.join(dir, 'server');
  const root = path.join(server, 'matrix');
  const bin = path.join(server, 'bin');
  const node = q(meta.node);
  const dist = path.join(meta.packageRoot, 'dist', 'source', 'lab', 'server');
  const env = `export MAS_LAB_DIR=${q(dir)}`;
  mkdirSync(path.join(server, 'run'), { recursive: true, mode: 0o755 });
  write(path.join(bin, 'systemctl'), SYSTEMCTL, 0o755);
  write(path.join(bin, 'mas-cli-in-container'), `#!/bin/bash
# Practice lab: what runs inside the MAS container (the lab's mas-cli, source/lab/server/mas-cli.ts).
${env}
# Long commands run under the lab's slowMs/flood/truncateOutput faults.
for a in "$@"; do
	case "$a" in
		syn2mas|doctor) exec ${node} ${q(path.join(dist, 'long-run.js'))} ${node} ${q(path.join(dist, 'mas-cli.js'))} "$@" ;;
	esac
done
exec ${node} ${q(path.join(dist, 'mas-cli.js'))} "$@"
`, 0o755);
  if (tools.syn2mas) {
    write(path.join(bin, 'syn2mas'), `#!/bin/bash
# Practice lab: the real legacy tool @vector-im/syn2mas 0.15.0 (what the old syn2mas container ran).
${env}
exec ${node} ${q(path.join(dist, 'long-run.js'))} ${node} ${q(tools.syn2mas)} "$@"
`, 0o755);
  }
  for (const unit of ['matrix-postgres', 'matrix-synapse']) {
    write(path.join(server, 'systemd', `${unit}.service`), `[Unit]\nDescription=${unit} (practice lab)\n`);
    write(path.join(server, 'run', `${unit}.service`), '');
  }
  const pg = path.join(root, 'postgres');
  mkdirSync(path.join(pg, 'run'), { recursive: true, mode: 0o755 });
  write(path.join(pg, 'env-postgres-psql'), `PGUSER=matrix\nPGPASSWORD=${secrets.postgresPassword}\nPGDATABASE=matrix\n`, 0o640);
  const psqlPrelude = `if ! ${q(path.join(bin, 'systemctl'))} is-active --quiet matrix-postgres; then
	echo 'psql: error: could not translate host name "matrix-postgres" to address: Name or service not known' >&2
	exit 2
fi
set -a; . ${q(path.join(pg, 'env-postgres-psql'))}; set +a`;
  write(path.join(pg, 'bin', 'cli-non-interactive'), `#!/bin/bash
# Practice lab stand-in for: docker run -i --rm --env-file=.../env-postgres-psql <postgres image> psql -h matrix-postgres "$@"
${psqlPrelude}
exec psql -h ${q(meta.socketDir)} -p ${meta.pgPort} "$@"
`, 0o750);
  write(path.join(pg, 'bin', 'cli'), `#!/bin/bash
# Practice lab stand-in for the interactive psql container.
${psqlPrelude}
exec psql -h ${q(meta.socketDir)} -p ${meta.pgPort} "$@"
`, 0o750);
  write(path.join(pg, 'bin', 'dump-all'), `#!/bin/bash
# Practice lab stand-in for dump-all: pg_dumpall | zstd > <directory>/latest-dump.sql.zst
if [ $# -ne 1 ]; then echo "Usage: $0 <directory-to-dump-to>  (a latest-dump.sql.gz file will be created there)"; exit 1; fi
${psqlPrelude}
${env}
set -o pipefail
exec ${node} ${q(path.join(dist, 'long-run.js'))} /bin/bash -c 'set -o pipefail; pg_dumpall -h "$0" -p "$1" | zstd -q -f -o "$2/latest-dump.sql.zst" && echo "Dumped to $2/latest-dump.sql.zst"' ${q(meta.socketDir)} ${meta.pgPort} "$1"
`, 0o750);
  write(path.join(root, 'synapse', 'config', 'homeserver.yaml'), `# Rendered by the practice lab's matrix-synapse role (the lab writes the same file at creation).\n${stringify({
    server_name: meta.domain,
    public_baseurl: `https://matrix.${meta.domain}/`,
    database: { name: 'psycopg2', args: { user: 'synapse', password: secrets.synapseDbPassword, database: 'synapse', host: meta.socketDir, port: meta.pgPort } },
    enable_registration: false,
    enable_registration_captcha: false,
    allow_guest_access: false,
    password_config: { enabled: true, pepper: '' },
    ...(hasSynapseOidc(meta) ? { oidc_providers: [OIDC_PROVIDER] } : {}),
  })}`);
}

/** The lab's Synapse OIDC provider (as Synapse sees it). */
export const OIDC_PROVIDER = {
  idp_id: 'keycloak',
  idp_name: 'Keycloak',
  issuer: 'https://keycloak.example.org/realms/matrix',
  client_id: 'synapse',
  client_secret: 'lab-keycloak-client-secret',
  scopes: ['openid', 'profile', 'email'],
  user_mapping_provider: { config: { localpart_template: '{{ user.preferred_username }}', display_name_template: '{{ user.name }}' } },
};
