// Server probes: read-only SQL through the server's cli-non-interactive (reference/
// playbook.md §4) and service states, turned into the `db.*` findings whose conditions are
// syn2mas's own checks (mas.md §3.3, §3.4) plus the ones it misses (foreign server names).
import { MAS_DB, SYNAPSE_DB, UNITS, type Catalogue, type PlannedCommand } from '../playbook/commands.js';
import { ok, type Target } from '../targets/target.js';
import type { Finding } from './finding.js';

/** syn2mas's emptiness check looks at exactly these MAS tables (mas_writer/checks.rs). */
export const MAS_CHECKED_TABLES = [
  'users',
  'user_passwords',
  'user_emails',
  'user_unsupported_third_party_ids',
  'upstream_oauth_links',
  'compat_sessions',
  'compat_access_tokens',
  'compat_refresh_tokens',
] as const;

export interface ProbeContext {
  /** Synapse server_name (= matrix_domain). */
  serverName: string;
  /** synapse_idp_id values configured on MAS providers (current generation). */
  mappedIdps: string[];
  /** The inventory's ansible_become: server scripts need sudo only when the login user is not root. */
  become?: boolean;
}

export interface ProbeResult {
  findings: Finding[];
  /** Unit → `systemctl is-active` answer (active, inactive, failed, unknown…). */
  services: Record<string, string>;
  /** Every command run, for the transcript. */
  commands: string[];
}

export class ProbeError extends Error {}

async function query(target: Target, planned: PlannedCommand, log: string[], become: boolean): Promise<string[][]> {
  log.push(planned.display);
  const result = await target.run(planned.command, { become: Boolean(planned.become && become), stdin: planned.stdin });
  if (!ok(result)) {
    const why = result.lost ? 'connection lost' : `exit ${result.code}: ${result.stderr.trim().split('\n').slice(-3).join(' / ')}`;
    throw new ProbeError(`${planned.display} failed (${why})`);
  }
  return result.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

const SRC_SYNAPSE = 'server: postgres database synapse';
const SRC_MAS = 'server: postgres database matrix_authentication_service';

export async function probeServer(target: Target, cat: Catalogue, ctx: ProbeContext): Promise<ProbeResult> {
  const findings: Finding[] = [];
  const commands: string[] = [];
  const services: Record<string, string> = {};
  const become = ctx.become ?? true;
  for (const unit of [UNITS.postgres, UNITS.synapse, UNITS.mas]) {
    const planned = cat.service('is-active', unit);
    commands.push(planned.display);
    const r = await target.run(planned.command, { become: Boolean(planned.become && become) });
    services[unit] = r.lost ? 'unknown (connection lost)' : r.stdout.trim() || (r.code === 0 ? 'active' : 'inactive');
  }
  const guard = async (what: string, source: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      findings.push({
        id: 'server.probe-failed',
        severity: 'warn',
        title: `Could not check ${what}`,
        detail: (e as Error).message,
        fix: 'Make sure Postgres runs on the server (systemctl start matrix-postgres) and run preflight again.',
        source,
      });
    }
  };

  await guard('the MAS database', SRC_MAS, async () => {
    const exists = await query(target, cat.sql('postgres', 'SELECT 1 FROM pg_database WHERE datname = $1', [MAS_DB]), commands, become);
    if (exists.length === 0) return; // created by the playbook on install: empty by definition
    // count rows only in the tables that exist (a never-started MAS has no schema yet)
    const sql = `SELECT t, (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I', t), false, true, '')))[1]::text
      FROM unnest(ARRAY[${MAS_CHECKED_TABLES.map((t) => `'${t}'`).join(',')}]) AS t WHERE to_regclass(t) IS NOT NULL`;
    const rows = (await query(target, cat.sql(MAS_DB, sql), commands, become)).filter(([, n]) => Number(n) > 0);
    if (rows.length) {
      findings.push({
        id: 'db.mas-not-empty',
        severity: 'block',
        title: 'The MAS database is not empty',
        detail: `syn2mas refuses a MAS database with rows (${rows.map(([t, n]) => `${t}: ${n}`).join(', ')}): "The MAS database is not empty". Often a user registered through MAS before the migration.`,
        fix: 'If MAS has never served real users: drop and recreate the matrix_authentication_service database (the playbook recreates it on install), then run preflight again.',
        source: SRC_MAS,
      });
    }
  });

  await guard('the Synapse database', SRC_SYNAPSE, async () => {
    const [[foreign, example]] = await query(
      target,
      cat.sql(SYNAPSE_DB, "SELECT count(*), coalesce(min(name), '') FROM users WHERE substr(name, strpos(name, ':') + 1) <> $1", [ctx.serverName]),
      commands,
      become,
    );
    if (Number(foreign) > 0) {
      findings.push({
        id: 'db.foreign-server-users',
        severity: 'block',
        title: 'Users with another server name',
        detail: `${foreign} Synapse user(s) (e.g. ${example}) do not end in :${ctx.serverName}. syn2mas stops on them ("wrong server name") and its check does not see them.`,
        fix: `Make sure matrix_domain (${ctx.serverName}) is really this server's name; otherwise remove or fix those rows before migrating.`,
        source: `${SRC_SYNAPSE}, table users`,
      });
    }
    const [[delegated]] = await query(
      target,
      cat.sql(SYNAPSE_DB, 'SELECT count(*) FROM user_external_ids WHERE auth_provider = $1', ['oauth-delegated']),
      commands,
      become,
    );
    if (Number(delegated) > 0) {
      findings.push({
        id: 'db.oauth-delegated-rows',
        severity: 'block',
        title: 'Leftovers of an earlier MAS attempt',
        detail: `${delegated} user_external_ids row(s) have auth_provider 'oauth-delegated'; syn2mas refuses to run with them.`,
        fix: `Run on the Synapse database: DELETE FROM user_external_ids WHERE auth_provider = 'oauth-delegated';`,
        source: `${SRC_SYNAPSE}, table user_external_ids`,
      });
    }
    const providers = await query(
      target,
      cat.sql(SYNAPSE_DB, 'SELECT auth_provider, count(*) FROM user_external_ids WHERE auth_provider <> $1 GROUP BY auth_provider ORDER BY auth_provider', [
        'oauth-delegated',
      ]),
      commands,
      become,
    );
    const unmapped = providers.filter(([p]) => !ctx.mappedIdps.includes(p));
    if (unmapped.length) {
      findings.push({
        id: 'db.external-ids-unmapped',
        severity: 'block',
        title: 'Users linked to a login provider MAS does not know',
        detail: `Synapse users log in through ${unmapped.map(([p, n]) => `${p} (${n} user${n === '1' ? '' : 's'})`).join(', ')}, but no MAS upstream provider has that synapse_idp_id. syn2mas fails, and those users could not log in.`,
        fix: `Add a MAS upstream provider with synapse_idp_id ${unmapped.map(([p]) => p).join(', ')} in the wizard's providers step.`,
        source: `${SRC_SYNAPSE}, table user_external_ids`,
      });
    }
    const [[guests]] = await query(target, cat.sql(SYNAPSE_DB, 'SELECT count(*) FROM users WHERE is_guest <> 0'), commands, become);
    if (Number(guests) > 0) {
      findings.push({
        id: 'db.guests-present',
        severity: 'warn',
        title: 'Guest accounts exist',
        detail: `${guests} guest user(s) will be migrated, but MAS does not support guests (syn2mas check warns and exits 11).`,
        fix: 'Accept it when the syn2mas check asks; guests cannot log in through MAS.',
        source: `${SRC_SYNAPSE}, table users`,
      });
    }
    const [[phones]] = await query(target, cat.sql(SYNAPSE_DB, 'SELECT count(*) FROM user_threepids WHERE medium <> $1', ['email']), commands, become);
    if (Number(phones) > 0) {
      findings.push({
        id: 'db.non-email-3pids',
        severity: 'warn',
        title: 'Phone numbers (non-email 3PIDs) exist',
        detail: `${phones} non-email third-party ID(s) will be kept but are not supported by MAS (syn2mas check warns and exits 11).`,
        fix: 'Accept it when the syn2mas check asks; those users log in with their password or upstream provider.',
        source: `${SRC_SYNAPSE}, table user_threepids`,
      });
    }
  });
  return { findings, services, commands };
}
