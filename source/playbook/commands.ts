// The one catalogue of commands the wizard runs: playbook runs on the controller (in the
// checkout) and scripts on the server. It knows both playbook generations (reference/
// playbook.md §2.1 current, §2.2 legacy) so no other module spells a tag or a path.
import type { Command } from '../targets/target.js';
import { commandLine, quoteArg } from '../targets/quote.js';
import type { Checkout, Generation } from './checkout.js';
import { AbortError } from '../errors.js';

export interface Layout {
  /** matrix_base_data_path on the server (default /matrix). */
  base: string;
  /** 'systemctl', or the lab's stand-in path. */
  systemctl: string;
  /** 'journalctl', or the lab's stand-in path. */
  journalctl?: string;
  /**
   * Set when the playbook does not manage PostgreSQL (`postgres_enabled: false`): the databases
   * Synapse and MAS are configured to use, reached with the server's own psql.
   */
  database?: ExternalDatabases;
}

/** A PostgreSQL connection as vars.yml configures it (matrix_synapse_database_*, matrix_authentication_service_config_database_*). */
export interface DbConn {
  host: string;
  port: string;
  user: string;
  password: string;
  database: string;
}
export interface ExternalDatabases {
  synapse: DbConn;
  mas: DbConn;
}

export interface CatalogueInput {
  checkout: Pick<Checkout, 'dir' | 'generation' | 'runner' | 'justPath'>;
  host: string;
  layout?: Partial<Layout>;
}

export interface PlannedCommand {
  /** controller: run in the checkout (cwd); server: run on the Matrix server. */
  where: 'controller' | 'server';
  command: Command;
  /** Exactly what runs, shell-quoted, secrets masked. */
  display: string;
  cwd?: string;
  become?: boolean;
  /** Values to mask in the display and in every log of this command. */
  secrets: string[];
  /** A file the command leaves behind (backups). */
  produces?: string;
  /** Bytes for the command's stdin (a password, so it is never on a command line). */
  stdin?: string;
  note?: string;
}

/** The requested command does not exist in this playbook generation, or an input cannot be passed safely. */
/** The checkout cannot run what a step needs (e.g. a tag its generation lacks): blocked, exit 3. */
export class CommandUnavailable extends AbortError {
  constructor(message: string) {
    super(message, { exitCode: 3 });
  }
}

export type ExtraVars = Record<string, string | boolean | string[]>;
export type Syn2masMode = 'check' | 'dry-run' | 'migrate';

/** matrix_base_data_path's default (roles/custom/matrix-base/defaults/main.yml). */
export const DEFAULT_BASE = '/matrix';
export const MASK = '••••••';
export const UNITS = {
  synapse: 'matrix-synapse.service',
  mas: 'matrix-authentication-service.service',
  postgres: 'matrix-postgres.service',
} as const;
export const SYN2MAS_TAG: Record<Generation, string> = {
  current: 'matrix-authentication-service-mas-cli-syn2mas',
  legacy: 'matrix-authentication-service-syn2mas',
};
export const MAS_DB = 'matrix_authentication_service';
export const SYNAPSE_DB = 'synapse';

function mask(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join(MASK).split(quoteArg(s)).join(MASK);
  return out;
}

/** psql flags for one query whose rows the wizard parses: stop on error, no psqlrc, unaligned, tuples only, tab-separated. */
const QUERY_FLAGS = ['-v', 'ON_ERROR_STOP=1', '-X', '-A', '-t', '-F', '\t', '-c'];

// A value `just` can pass through its unquoted `{{ extra_args }}` without the shell changing it.
const JUST_SAFE = /^[A-Za-z0-9_.,:/@+=-]+$/;

export function catalogue(input: CatalogueInput) {
  const { checkout, host } = input;
  const layout: Layout = { base: input.layout?.base ?? DEFAULT_BASE, systemctl: input.layout?.systemctl ?? 'systemctl', database: input.layout?.database };
  const base = layout.base.replace(/\/+$/, '');
  const masBin = `${base}/matrix-authentication-service/bin`;
  const pgBin = `${base}/postgres/bin`;

  const controller = (argv: string[], secrets: string[] = [], note?: string): PlannedCommand => ({
    where: 'controller',
    command: { argv },
    display: mask(commandLine(argv), secrets),
    cwd: checkout.dir,
    secrets,
    note,
  });
  const server = (argv: string[], secrets: string[] = [], extra: Partial<PlannedCommand> = {}): PlannedCommand => ({
    where: 'server',
    command: { argv },
    display: mask(commandLine(argv), secrets),
    become: true,
    secrets,
    ...extra,
  });

  /** A playbook run: `just run-tags` when possible, else raw ansible-playbook (which takes any value, as JSON). */
  function playbook(tags: string, extraVars: ExtraVars = {}, secrets: string[] = [], recipe?: string): PlannedCommand {
    const entries = Object.entries(extraVars);
    const simple = entries.every(([, v]) => typeof v !== 'object' && JUST_SAFE.test(String(v)));
    if (checkout.runner === 'just' && checkout.justPath && simple) {
      const head = recipe ? [recipe] : ['run-tags', tags];
      const argv = ['just', ...head, ...entries.flatMap(([k, v]) => ['-e', `${k}=${String(v)}`]), `--limit=${host}`];
      return { ...controller(argv, secrets), command: { argv: [checkout.justPath, ...argv.slice(1)] } };
    }
    const argv = ['ansible-playbook', '-i', 'inventory/hosts', 'setup.yml', `--tags=${tags}`, `--limit=${host}`];
    if (entries.length) argv.push('-e', JSON.stringify(extraVars));
    return controller(argv, secrets);
  }

  const noWhitespace = (what: string, value: string) => {
    // The server's mas-cli wrapper re-expands its arguments unquoted (reference/playbook.md §6).
    if (/\s/.test(value) || value === '')
      throw new CommandUnavailable(`${what} must be non-empty and contain no spaces: the server's mas-cli wrapper splits arguments on whitespace`);
  };
  const masCli = (args: string[], secrets: string[] = []) => {
    args.forEach((a, i) => noWhitespace(`mas-cli argument ${i + 1}`, a));
    return server([`${masBin}/mas-cli`, ...args], secrets);
  };

  return {
    layout,
    /** Server paths the wizard itself uses, beside the playbook's MAS files. */
    paths: {
      /** Detached server jobs (the backup): `<jobs>/<jobId>/`. */
      jobs: `${base}/matrix-authentication-service/mas-wizard-jobs`,
      masCli: `${masBin}/mas-cli`,
      /** Default parent of the wizard's backup directories. */
      backups: `${base}/postgres-backup`,
    },
    /** `just run-tags start|stop` (or the ansible-playbook equivalent): what an operator types to start or stop every service. */
    services: (action: 'start' | 'stop') => playbook(action),
    /** The playbook's documented import of a dump into an empty Postgres (docs/importing-postgres.md). */
    importPostgres: (file: string) => playbook('import-postgres', { server_path_postgres_dump: file, postgres_default_import_database: 'matrix' }),
    /** MAS writes the providers from its configuration to its database (mas-cli config sync). */
    configSync: () => masCli(['config', 'sync']),
    /** Size and sha256 of a file on the server (a backup the operator made themselves), or exit 3 when it is missing or empty. */
    fileFacts(file: string): PlannedCommand {
      const script =
        `set -e; f=${quoteArg(file)}; test -f "$f" && test -s "$f" || { echo "missing or empty: $f" >&2; exit 3; }; ` +
        `printf 'size=%s\\n' "$(stat -c %s "$f")"; printf 'sha256=%s\\n' "$(sha256sum "$f" | cut -d' ' -f1)"`;
      return { where: 'server', command: { script }, display: script, become: true, secrets: [] };
    },
    /** Checks a zstd dump on the server: present, non-empty, intact; prints size= and sha256=. */
    verifyDump(file: string): PlannedCommand {
      const script =
        `set -e; f=${quoteArg(file)}; test -s "$f" || { echo "missing or empty: $f" >&2; exit 3; }; ` +
        `command -v zstd >/dev/null || { echo "zstd is not installed on the server: cannot check the dump (apt install zstd)" >&2; exit 4; }; ` +
        `zstd -tq "$f"; printf 'size=%s\\n' "$(stat -c %s "$f")"; printf 'owner=%s\\n' "$(stat -c %u:%g "$f")"; printf 'sha256=%s\\n' "$(sha256sum "$f" | cut -d' ' -f1)"`;
      return { where: 'server', command: { script }, display: script, become: true, secrets: [] };
    },
    install: (mode: 'install-all' | 'setup-all' = 'install-all') => playbook(`${mode},ensure-matrix-users-created,start`, {}, [], mode),

    syn2mas(mode: Syn2masMode, options: { upstreamProviderMapping?: Record<string, string> } = {}): PlannedCommand {
      if (checkout.generation === 'current') {
        const vars: ExtraVars =
          mode === 'check'
            ? // check also needs dry_run=true, or the task stops Synapse (reference/playbook.md §2.1)
              { matrix_authentication_service_syn2mas_subcommand: 'check', matrix_authentication_service_syn2mas_migrate_dry_run: true }
            : // The real run passes no dry-run variable, as documented: `-e …=false` reaches Ansible as the
              // string "false", which Jinja treats as true (the lab reproduces that trap).
              mode === 'dry-run'
              ? { matrix_authentication_service_syn2mas_subcommand: 'migrate', matrix_authentication_service_syn2mas_migrate_dry_run: true }
              : {};
        return playbook(SYN2MAS_TAG.current, vars);
      }
      if (mode === 'check') throw new CommandUnavailable('the legacy playbook (MAS ≤ 0.15) has no syn2mas check; run the dry run instead');
      const vars: ExtraVars = mode === 'dry-run' ? { matrix_authentication_service_syn2mas_dry_run: true } : {};
      const mapping = Object.entries(options.upstreamProviderMapping ?? {});
      if (mapping.length) {
        vars.matrix_authentication_service_syn2mas_process_extra_arguments = mapping.flatMap(([synapse, ulid]) => [
          '--upstreamProviderMapping',
          `${synapse}:${ulid}`,
        ]);
      }
      return playbook(SYN2MAS_TAG.legacy, vars);
    },

    doctorTag: () => playbook('matrix-authentication-service-mas-cli-doctor'),
    doctorScript: () => server([`${masBin}/mas-cli`, 'doctor']),

    registerUserTag(username: string, password: string, admin: boolean): PlannedCommand {
      return playbook('register-user', { username, password, admin: admin ? 'yes' : 'no' }, [password]);
    },
    registerUserScript(username: string, password: string, admin: boolean): PlannedCommand {
      noWhitespace('the username', username);
      noWhitespace('the password', password);
      return server([`${masBin}/register-user`, username, password, admin ? '1' : '0'], [password]);
    },

    listAdminUsers: () => masCli(['manage', 'list-admin-users']),
    promoteAdmin: (username: string) => masCli(['manage', 'promote-admin', username]),
    addEmail: (username: string, email: string) => masCli(['manage', 'add-email', username, email]),
    /** Deprecated no-op since MAS 0.13 (reference/playbook.md §6); prefer addEmail. */
    verifyEmail: (username: string, email: string) => ({
      ...masCli(['manage', 'verify-email', username, email]),
      note: 'verify-email does nothing since MAS 0.13; add-email stores the address as verified',
    }),

    /** The documented one-off backup (reference/playbook.md §4), written to a .partial file and renamed only when pg_dumpall succeeded. */
    backupOneOff(out = `${base}/postgres.sql.gz`): PlannedCommand {
      const o = quoteArg(out);
      const tmp = quoteArg(`${out}.partial`);
      const rc = quoteArg(`${out}.partial.rc`);
      const dump = `/usr/bin/docker exec --env-file=${quoteArg(`${base}/postgres/env-postgres-psql`)} matrix-postgres /usr/local/bin/pg_dumpall -h matrix-postgres`;
      const script =
        `set -e; (${dump}; echo $? >${rc}) | gzip -c >${tmp}; code=$(cat ${rc}); rm -f ${rc}; ` +
        `if [ "$code" != 0 ]; then rm -f ${tmp}; echo "pg_dumpall failed (exit $code)" >&2; exit "$code"; fi; mv ${tmp} ${o}`;
      return { where: 'server', command: { script }, display: script, become: true, secrets: [], produces: out };
    },
    /** The Postgres role's dump-all script: writes <dir>/latest-dump.sql.zst (works without docker in the lab too). */
    backupDumpAll: (dir: string) => server([`${pgBin}/dump-all`, dir], [], { produces: `${dir.replace(/\/+$/, '')}/latest-dump.sql.zst` }),

    /** A SQL query through cli-non-interactive; `$1…$n` in `sql` become properly escaped literals. */
    sql(database: string, sql: string, params: ReadonlyArray<string | number | boolean | null> = []): PlannedCommand {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new CommandUnavailable(`invalid database name ${JSON.stringify(database)}`);
      const text = bindSql(sql, params);
      const external = layout.database;
      if (external) {
        // No playbook-managed Postgres, so no cli-non-interactive: the server's psql against the
        // configured database; the password arrives on stdin, never on a command line.
        const conn = database === MAS_DB ? external.mas : { ...external.synapse, database: database === SYNAPSE_DB ? external.synapse.database : database };
        const psql = commandLine(['psql', '-h', conn.host, '-p', conn.port, '-U', conn.user, '-d', conn.database, ...QUERY_FLAGS, text]);
        const script = `command -v psql >/dev/null || { echo "psql is not installed on this server: the wizard reaches your external PostgreSQL with it (apt install postgresql-client)" >&2; exit 127; }; IFS= read -r PGPASSWORD; export PGPASSWORD; exec ${psql}`;
        return {
          where: 'server',
          command: { script },
          display: script,
          become: true,
          secrets: conn.password ? [conn.password] : [],
          stdin: `${conn.password}\n`,
        };
      }
      return server([`${pgBin}/cli-non-interactive`, '-d', database, ...QUERY_FLAGS, text]);
    },

    service: (action: 'is-active' | 'start' | 'stop', unit: string) => server([layout.systemctl, action, unit]),
    /** When the unit last became active and inactive (monotonic µs; parsers/systemd.ts), read-only. */
    // --property=, not -p: the redactor masks the word after a bare -p (register-user's password flag).
    serviceTimes: (unit: string) => server([layout.systemctl, 'show', unit, '--property=ActiveEnterTimestampMonotonic,InactiveEnterTimestampMonotonic']),
    /** A unit's recent log, for the diagnosis beside a failure (read-only). */
    journal: (unit: string, lines = 80) => server([input.layout?.journalctl ?? 'journalctl', '-u', unit, '-n', String(lines), '--no-pager']),

    /** Removes a container left by an interrupted `docker run --rm --name=…` (docker exit 125, "name … already in use"). */
    removeContainer(name: string): PlannedCommand {
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw new CommandUnavailable(`invalid container name ${JSON.stringify(name)}`);
      return server(['docker', 'rm', '-f', name]);
    },
  };
}

export type Catalogue = ReturnType<typeof catalogue>;

/** A SQL string literal: quotes doubled (standard_conforming_strings), NUL refused. */
export function sqlLiteral(value: string | number | boolean | null): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new CommandUnavailable(`cannot pass ${value} as a SQL number`);
    return String(value);
  }
  if (value.includes('\0')) throw new CommandUnavailable('a SQL value cannot contain a NUL byte');
  return `'${value.replaceAll("'", "''")}'`;
}

/** Replace $1…$n placeholders (outside nothing clever: the catalogue's queries are ours). */
export function bindSql(sql: string, params: ReadonlyArray<string | number | boolean | null>): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i < 0 || i >= params.length) throw new CommandUnavailable(`SQL placeholder $${n} has no value`);
    return sqlLiteral(params[i]);
  });
}
