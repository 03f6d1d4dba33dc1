// The lab's server side (the relocated /matrix plus stand-ins for systemd and docker): the files
// written at creation. Scripts bake in absolute paths, so they work for any login user that can
// read the lab (the over-SSH harness hands the tree to its SSH user).
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { LabMeta } from './lab-meta.js';
import { hasExternalPostgres, hasSynapseOidc, serverRootOf } from './scenarios.js';

function write(file: string, text: string, mode = 0o644): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  writeFileSync(file, text, { mode });
  chmodSync(file, mode);
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export const SYSTEMCTL = `#!/bin/bash
# Practice lab stand-in for systemctl. A unit exists when <server>/systemd/<unit> exists and is
# active while <server>/run/<unit> exists. Exit codes and messages follow systemd's. Like systemd,
# it keeps when each unit last entered the active and the inactive state (CLOCK_MONOTONIC in µs,
# <server>/times/<unit>), shown by 'show -p ActiveEnterTimestampMonotonic,InactiveEnterTimestampMonotonic'.
set -u
SERVER="$(cd "$(dirname "$0")/.." && pwd)"
FAULTS="$SERVER/../faults.json"
quiet=0
args=()
props=()
while [ $# -gt 0 ]; do
	case "$1" in
		-q|--quiet) quiet=1 ;;
		--no-pager|--no-block|--system|--daemon-reload|--no-ask-password) ;;
		-p|--property) IFS=, read -r -a more <<< "\${2:-}"; props+=("\${more[@]}"); shift ;;
		--property=*) IFS=, read -r -a more <<< "\${1#--property=}"; props+=("\${more[@]}") ;;
		-p*) IFS=, read -r -a more <<< "\${1#-p}"; props+=("\${more[@]}") ;;
		*) args+=("$1") ;;
	esac
	shift
done
# Monotonic µs, as systemd's *TimestampMonotonic (/proc/uptime has two decimals).
mono() { local up; up="$(cut -d' ' -f1 /proc/uptime)"; echo $(( 10#\${up/./} * 10000 )); }
# Records a state change of unit $1: ActiveEnter or InactiveEnter.
stamp() {
	mkdir -p "$SERVER/times"
	local f="$SERVER/times/$1" now; now="$(mono)"
	local a=0 i=0
	[ -f "$f" ] && . "$f"
	if [ "$2" = ActiveEnter ]; then a=$now; else i=$now; fi
	printf 'a=%s\ni=%s\n' "$a" "$i" > "$f"
}
# MAS writes the providers and clients of its configuration to its database on every start
# ('mas-cli server' without --no-sync: crates/cli/src/commands/server.rs); a failed sync stops it.
mas_sync() {
	local out rc
	# A rehearsal's MAS config is the real role's, written for the container (database host, paths):
	# the sync at start is not stood in there (the rehearsal tests put the provider in place).
	if grep -q '"rehearsal"' "$SERVER/../lab.json" 2>/dev/null; then journal "$1" "(practice lab rehearsal: config sync at start not stood in)"; return 0; fi
	out="$("$SERVER/bin/mas-cli-in-container" config sync 2>&1)"; rc=$?
	while IFS= read -r l; do [ -n "$l" ] && journal "$1" "$l"; done <<< "$out"
	if [ $rc -ne 0 ]; then
		rm -f "$SERVER/run/$1"; stamp "$1" InactiveEnter
		journal "$1" "Error: could not sync the configuration with the database"
		journal "$1" "$1: Main process exited, code=exited, status=1/FAILURE"
	fi
}
# What the unit printed, for the lab's journalctl (one file per unit, journalctl's short format).
journal() { mkdir -p "$SERVER/journal"; printf '%s %s %s[%s]: %s\n' "$(date '+%b %d %H:%M:%S')" "$(hostname -s)" "\${1%.service}" "$$" "$2" >> "$SERVER/journal/$1"; }
verb="\${args[0]:-}"
[ "$verb" = daemon-reload ] && exit 0
if [ \${#args[@]} -lt 2 ]; then echo "Too few arguments." >&2; exit 1; fi
rc=0
for u in "\${args[@]:1}"; do
	case "$u" in *.service) n="$u" ;; *) n="$u.service" ;; esac
	case "$verb" in
		start|restart)
			if [ ! -f "$SERVER/systemd/$n" ]; then echo "Failed to $verb $n: Unit $n not found." >&2; exit 5; fi
			was=0; [ -f "$SERVER/run/$n" ] && was=1
			[ "$verb" = restart ] && [ $was = 1 ] && { stamp "$n" InactiveEnter; was=0; }
			journal "$n" "Started $n."
			if [ "$n" = matrix-synapse.service ] && grep -q '"synapseRefusesStart": true' "$FAULTS" 2>/dev/null; then
				# Like a docker-run unit: the start itself succeeds, the process dies a moment later.
				rm -f "$SERVER/run/$n"
				[ $was = 1 ] && stamp "$n" InactiveEnter
				journal "$n" "synapse.config._base.ConfigError: Error in configuration at 'matrix_authentication_service.endpoint':"
				journal "$n" "  Could not connect to MAS at http://matrix-authentication-service:8080/: Connection refused (practice lab fault synapseRefusesStart)"
				journal "$n" "$n: Main process exited, code=exited, status=1/FAILURE"
				journal "$n" "$n: Failed with result 'exit-code'."
				continue
			fi
			touch "$SERVER/run/$n"
			[ $was = 0 ] && stamp "$n" ActiveEnter
			[ $was = 0 ] && [ "$n" = matrix-authentication-service.service ] && mas_sync "$n"
			;;
		stop)
			if [ ! -f "$SERVER/systemd/$n" ]; then echo "Failed to stop $n: Unit $n not loaded." >&2; exit 5; fi
			if [ -f "$SERVER/run/$n" ]; then journal "$n" "Stopped $n."; rm -f "$SERVER/run/$n"; stamp "$n" InactiveEnter; fi ;;
		show)
			# The properties Ansible's systemd module reads, and the state-change timestamps (0: never).
			if [ -f "$SERVER/systemd/$n" ]; then load=loaded; else load=not-found; fi
			if [ -f "$SERVER/run/$n" ]; then st=active; sub=running; else st=inactive; sub=dead; fi
			a=0; i=0; [ -f "$SERVER/times/$n" ] && . "$SERVER/times/$n"
			all="$(printf 'Id=%s\nNames=%s\nLoadState=%s\nActiveState=%s\nSubState=%s\nUnitFileState=%s\nActiveEnterTimestampMonotonic=%s\nInactiveEnterTimestampMonotonic=%s' "$n" "$n" "$load" "$st" "$sub" "$([ $load = loaded ] && echo enabled || echo '')" "$a" "$i")"
			if [ \${#props[@]} -eq 0 ]; then echo "$all"; else for p in "\${props[@]}"; do grep "^$p=" <<< "$all"; done; fi ;;
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

/** The lab's journalctl: `-u UNIT [-n N] [--no-pager]` prints the unit's last lines the lab's systemctl recorded. */
const JOURNALCTL = `#!/bin/bash
# Practice lab stand-in for journalctl -u UNIT [-n N] [--no-pager].
SERVER="$(cd "$(dirname "$0")/.." && pwd)"
unit=""; n=10
while [ $# -gt 0 ]; do
	case "$1" in
		-u) unit="$2"; shift ;;
		-n) n="$2"; shift ;;
		--no-pager|-q) ;;
		*) echo "journalctl (practice lab): unsupported argument $1" >&2; exit 1 ;;
	esac
	shift
done
case "$unit" in *.service) ;; *) unit="$unit.service" ;; esac
f="$SERVER/journal/$unit"
if [ ! -s "$f" ]; then echo "-- No entries --"; exit 0; fi
tail -n "$n" "$f"
`;

/** What every postgres stand-in does first: fail like the real container when Postgres is down, load the env file. */
function prelude(dir: string, meta: LabMeta): string {
  return `if ! ${q(path.join(dir, 'server', 'bin', 'systemctl'))} is-active --quiet matrix-postgres; then
	echo 'psql: error: could not translate host name "matrix-postgres" to address: Name or service not known' >&2
	exit 2
fi
set -a; . ${q(path.join(serverRootOf(dir, meta), 'postgres', 'env-postgres-psql'))}; set +a`;
}

export interface ServerSecrets {
  postgresPassword: string;
  synapseDbPassword: string;
}

/** `syn2mas`: the legacy tool's entry point (a legacy lab only; see legacy-tool.ts). */
export function writeServer(dir: string, meta: LabMeta, secrets: ServerSecrets, tools: { syn2mas?: string } = {}): void {
  const server = path.join(dir, 'server');
  const root = serverRootOf(dir, meta);
  const bin = path.join(server, 'bin');
  const node = q(meta.node);
  const dist = path.join(meta.packageRoot, 'dist', 'source', 'lab', 'server');
  const env = `export MAS_LAB_DIR=${q(dir)}`;
  mkdirSync(path.join(server, 'run'), { recursive: true, mode: 0o755 });
  write(path.join(bin, 'systemctl'), SYSTEMCTL, 0o755);
  write(path.join(bin, 'journalctl'), JOURNALCTL, 0o755);
  write(
    path.join(bin, 'mas-cli-in-container'),
    `#!/bin/bash
# Practice lab: what runs inside the MAS container (the lab's mas-cli, source/lab/server/mas-cli.ts).
${env}
# Long commands run under the lab's slowMs/flood/truncateOutput faults.
for a in "$@"; do
	case "$a" in
		syn2mas|doctor) exec ${node} ${q(path.join(dist, 'long-run.js'))} ${node} ${q(path.join(dist, 'mas-cli.js'))} "$@" ;;
	esac
done
exec ${node} ${q(path.join(dist, 'mas-cli.js'))} "$@"
`,
    0o755,
  );
  if (tools.syn2mas) {
    write(
      path.join(bin, 'syn2mas'),
      `#!/bin/bash
# Practice lab: the real legacy tool @vector-im/syn2mas 0.15.0 (what the old syn2mas container ran).
${env}
exec ${node} ${q(path.join(dist, 'long-run.js'))} ${node} ${q(tools.syn2mas)} "$@"
`,
      0o755,
    );
  }
  for (const unit of [...(hasExternalPostgres(meta) ? [] : ['matrix-postgres']), 'matrix-synapse']) {
    write(path.join(server, 'systemd', `${unit}.service`), `[Unit]\nDescription=${unit} (practice lab)\n`);
    write(path.join(server, 'run', `${unit}.service`), '');
  }
  if (!hasExternalPostgres(meta)) writePostgresScripts(dir, root, meta, secrets);
  write(
    path.join(root, 'synapse', 'config', 'homeserver.yaml'),
    `# Rendered by the practice lab's matrix-synapse role (the lab writes the same file at creation).\n${stringify({
      server_name: meta.domain,
      public_baseurl: `https://matrix.${meta.domain}/`,
      database: {
        name: 'psycopg2',
        args: { user: 'synapse', password: secrets.synapseDbPassword, database: 'synapse', host: meta.socketDir, port: meta.pgPort },
      },
      enable_registration: false,
      enable_registration_captcha: false,
      allow_guest_access: false,
      password_config: { enabled: true, pepper: '' },
      ...(hasSynapseOidc(meta) ? { oidc_providers: [OIDC_PROVIDER] } : {}),
    })}`,
  );
}

/** What the playbook's postgres role installs: psql wrappers and dump-all (not there when Postgres is external). */
function writePostgresScripts(dir: string, root: string, meta: LabMeta, secrets: ServerSecrets): void {
  const pg = path.join(root, 'postgres');
  mkdirSync(path.join(pg, 'run'), { recursive: true, mode: 0o755 });
  write(path.join(pg, 'env-postgres-psql'), `PGUSER=matrix\nPGPASSWORD=${secrets.postgresPassword}\nPGDATABASE=matrix\n`, 0o640);
  const psqlPrelude = prelude(dir, meta);
  write(
    path.join(pg, 'bin', 'cli-non-interactive'),
    `#!/bin/bash
# Practice lab stand-in for: docker run -i --rm --env-file=.../env-postgres-psql <postgres image> psql -h matrix-postgres "$@"
${psqlPrelude}
exec psql -h ${q(meta.socketDir)} -p ${meta.pgPort} "$@"
`,
    0o750,
  );
  write(
    path.join(pg, 'bin', 'cli'),
    `#!/bin/bash
# Practice lab stand-in for the interactive psql container.
${psqlPrelude}
exec psql -h ${q(meta.socketDir)} -p ${meta.pgPort} "$@"
`,
    0o750,
  );
  writeDumpAll(dir, meta);
}

/**
 * The lab's dump-all: like the postgres role's (real-outputs.md §4), it refuses a missing directory
 * and runs \`pg_dumpall | zstd --stdout > <dir>/latest-dump.sql.zst\` the way its container does: as
 * the matrix user's uid:gid, no supplementary groups, every capability dropped (setpriv standing in
 * for \`docker run --user --cap-drop=ALL\`). The shell redirect then fails with "Permission denied" when
 * the directory is not writable by that uid, as on a real server. The env file is read by the wrapper
 * (root), as docker reads --env-file. A lab that is not root runs the dump as its login user.
 */
export function writeDumpAll(dir: string, meta: LabMeta): void {
  const user = meta.matrixUser;
  // The container sees <dir> through a bind mount at /out: only <dir> itself must be writable by the
  // uid, not its parents. The wrapper (root) enters <dir> and the dump writes relative to it.
  const dump = `'set -o pipefail && pg_dumpall -h "$0" -p "$1" | zstd -q --stdout > latest-dump.sql.zst'`;
  const asMatrixUser = user?.separate
    ? `/usr/bin/env HOME=/ /usr/bin/setpriv --reuid="$(id -u ${q(user.name)})" --regid="$(id -g ${q(user.name)})" --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs -- /bin/bash -c ${dump}`
    : `/bin/bash -c ${dump}`;
  write(
    path.join(serverRootOf(dir, meta), 'postgres', 'bin', 'dump-all'),
    `#!/bin/bash
# Practice lab stand-in for dump-all: pg_dumpall | zstd > <directory>/latest-dump.sql.zst, written as
# ${user?.separate ? `the lab's matrix user ${user.name} with no capabilities (docker run --user=<matrix uid:gid> --cap-drop=ALL)` : `the login user (${user?.degraded || 'the lab cannot switch uid'})`}
if [ $# -ne 1 ]; then
	echo "Usage: "$0" <directory_path>"
	echo "A latest-dump.sql.gz file will be dumped to the specified directory"
	exit 1
fi
if [ ! -d "$1" ]; then echo "$1 does not exist."; exit 1; fi
${prelude(dir, meta)}
export MAS_LAB_DIR=${q(dir)}
cd "$1" || exit 1
exec ${q(meta.node)} ${q(path.join(meta.packageRoot, 'dist', 'source', 'lab', 'server', 'long-run.js'))} ${asMatrixUser} ${q(meta.socketDir)} ${meta.pgPort}
`,
    0o750,
  );
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
