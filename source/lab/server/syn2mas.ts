// `mas-cli syn2mas check|migrate [--dry-run]` of MAS ≥ 0.16 (mas.md §3.3–3.5): the same checks and
// texts, the Errors/Warnings blocks, exit codes 0/10/11/1, and a real copy of users, passwords,
// emails, other 3PIDs, upstream links, compat sessions and tokens into the MAS tables.
import { ulidToUUID, ulid } from 'ulid';
import { CliError, Db, isActive, lit, log, readYaml } from './context.js';
import type { MasConfig } from './mas-config.js';

const MAS_TABLES = [
  'users',
  'user_passwords',
  'user_emails',
  'user_unsupported_third_party_ids',
  'upstream_oauth_links',
  'compat_sessions',
  'compat_access_tokens',
  'compat_refresh_tokens',
];

interface Synapse {
  serverName: string;
  raw: Record<string, any>;
  db: Db;
}

function loadSynapse(files: string[]): Synapse {
  if (!files.length) throw new CliError('Please specify the path to the Synapse configuration file(s).');
  const raw: Record<string, any> = {};
  for (const f of files) Object.assign(raw, readYaml(f));
  const database = raw.database ?? {};
  if (database.name !== 'psycopg2') throw new CliError(`syn2mas does not support the ${database.name ?? 'sqlite3'} database driver`);
  const a = database.args ?? {};
  return {
    serverName: String(raw.server_name),
    raw,
    db: new Db({ host: String(a.host), port: Number(a.port ?? 5432), user: String(a.user), database: String(a.database ?? a.dbname) }),
  };
}

/** Synapse's auth_provider ids for its configured OIDC providers (mas.md §2.1: "oidc-<idp_id>", or "oidc"). */
function synapseProviders(raw: Record<string, any>): Map<string, string> {
  const map = new Map<string, string>();
  for (const p of (raw.oidc_providers ?? []) as Array<Record<string, any>>) {
    const id = !p.idp_id || p.idp_id === 'oidc' ? 'oidc' : `oidc-${p.idp_id}`;
    map.set(id, String(p.issuer ?? ''));
  }
  if (raw.oidc_config?.enabled) map.set('oidc', String(raw.oidc_config.issuer ?? ''));
  return map;
}

function checks(mas: MasConfig, syn: Synapse, ignoreMissing: boolean): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const hs = syn.raw;
  const v1 = mas.schemes.find((s) => s.version === 1);
  if (!v1) errors.push("MAS config is missing a password hashing scheme with version '1'");
  else if (v1.algorithm !== 'bcrypt')
    errors.push(
      "Password scheme version '1' in the MAS config must use the Bcrypt algorithm, so that Synapse passwords can be imported and will be compatible.",
    );
  else if ((v1.secret ?? '') !== String(hs.password_config?.pepper ?? ''))
    errors.push(
      "Password scheme version '1' in the MAS config must have the same secret as the `pepper` value from Synapse, so that Synapse passwords can be imported and will be compatible.",
    );
  if (hs.allow_guest_access === true)
    errors.push(
      "Guest support is enabled in the Synapse configuration. Guests aren't supported by MAS, but if you don't have any then you could disable the option. See https://github.com/element-hq/matrix-authentication-service/issues/1445",
    );
  if (hs.enable_3pid_changes === true) errors.push('Synapse config has `enable_3pid_changes` explicitly enabled, which must be disabled or removed.');
  if (hs.login_via_existing_session?.enabled === true)
    errors.push('Synapse config has `login_via_existing_session.enabled` set to true, which must be disabled.');
  if (mas.homeserver !== syn.serverName)
    errors.push(
      `MAS configuration has the wrong \`matrix.homeserver\` set ("${mas.homeserver}"), it should match Synapse's \`server_name\` ("${syn.serverName}")`,
    );
  if (hs.enable_registration === true)
    warnings.push('Synapse config has registration enabled. This must be disabled after migration before bringing Synapse back online.');
  if (hs.user_consent) warnings.push('Synapse config has `user_consent` enabled. This should be disabled after migration.');
  if (hs.user_consent && !mas.raw.branding?.tos_uri)
    warnings.push(
      'Synapse config has `user_consent` enabled but MAS has not been configured with terms of service. You may wish to set up a `tos_uri` in your MAS branding configuration to replace the user consent.',
    );
  const external: Array<[boolean, string]> = [
    [hs.cas_config?.enabled, 'CAS'],
    [hs.saml2_config?.enabled, 'SAML2'],
    [hs.jwt_config?.enabled, 'JWT'],
    [hs.password_config?.enabled !== false && hs.password_config?.localdb_enabled === false, 'non-standard password provider plugin'],
  ];
  for (const [on, what] of external)
    if (on)
      warnings.push(
        `Synapse config contains ${what} auth configuration which will need to be manually mapped as an upstream OAuth 2.0 provider during migration.`,
      );
  if (hs.enable_registration_captcha === true && !mas.raw.captcha?.service)
    warnings.push('Synapse config has a registration CAPTCHA enabled, but no CAPTCHA has been configured in MAS. You may wish to manually configure this.');

  const providers = synapseProviders(hs);
  const used = syn.db.query<{ auth_provider: string; n: number }>(
    'SELECT auth_provider, count(DISTINCT user_id)::int AS n FROM user_external_ids GROUP BY auth_provider ORDER BY auth_provider',
  );
  const masIdpIds = new Set(mas.providers.map((p) => String(p.synapse_idp_id ?? '')).filter(Boolean));
  for (const { auth_provider: p, n } of used) {
    if (p === 'oauth-delegated') {
      errors.push(
        `Synapse database has ${n} mapping entries from a previously-configured MAS instance. If this is from a previous migration attempt, run the following SQL query against the Synapse database: \`DELETE FROM user_external_ids WHERE auth_provider = 'oauth-delegated';\` and then run the migration again.`,
      );
    } else if (!providers.has(p)) {
      const text = `Synapse database contains ${n} users associated to the OpenID Connect or OAuth2 provider '${p}' but the Synapse configuration does not contain this provider.`;
      (ignoreMissing ? warnings : errors).push(text);
    } else if (!masIdpIds.has(p)) {
      errors.push(
        `Synapse config contains an OpenID Connect or OAuth2 provider '${p}' (issuer: "${providers.get(p)}") used by ${n} users which must also be configured in the MAS configuration as an upstream provider.`,
      );
    }
  }
  const [counts] = syn.db.query<{ guests: number; other3pids: number }>(
    "SELECT (SELECT count(*) FROM users WHERE is_guest <> 0)::int AS guests, (SELECT count(*) FROM user_threepids WHERE medium <> 'email')::int AS other3pids",
  );
  if (counts!.guests)
    warnings.push(
      `Synapse database contains ${counts!.guests} guests which will be migrated are not supported by MAS. See https://github.com/element-hq/matrix-authentication-service/issues/1445`,
    );
  if (counts!.other3pids)
    warnings.push(
      `Synapse database contains ${counts!.other3pids} non-email 3PIDs (probably phone numbers), which will be migrated but are not supported by MAS.`,
    );
  return { errors, warnings };
}

/** The report on stderr, byte for byte as MAS prints it (real-outputs.md §2): Errors first, each item followed by a blank line. */
function printSummary(errors: string[], warnings: string[]): void {
  const block = (title: string, intro: string, items: string[]) => `\n\n===== ${title} =====\n${intro}\n\n${items.map((i) => `• ${i}\n\n`).join('')}`;
  if (errors.length) process.stderr.write(block('Errors', 'These issues prevent migrating from Synapse to MAS right now:', errors));
  if (warnings.length)
    process.stderr.write(block('Warnings', 'These potential issues should be considered before migrating from Synapse to MAS right now:', warnings));
}

function assertMasEmpty(mas: MasConfig): void {
  for (const table of MAS_TABLES) {
    if (mas.db.query(`SELECT 1 FROM ${table} LIMIT 1`).length)
      throw new CliError(`The MAS database is not empty: rows found in at least \`${table}\`. Please drop and recreate the database, then try again.`);
  }
}

/** `config sync` before migrate: upsert the configured upstream providers (no prune). */
export function syncProviders(mas: MasConfig): void {
  log('INFO', 'mas_cli::sync:101', 'Acquiring configuration lock');
  log('INFO', 'mas_cli::sync:108', 'Syncing providers and clients defined in config to database prune=false dry_run=false');
  for (const p of mas.providers) {
    const id = ulidToUUID(String(p.id)).toLowerCase();
    const exists = mas.db.query(`SELECT 1 FROM upstream_oauth_providers WHERE upstream_oauth_provider_id = ${lit(id)}`).length > 0;
    log('INFO', `mas_cli::sync:${exists ? 226 : 198}`, `${exists ? 'Updating' : 'Adding'} provider provider.id=${p.id}`);
    mas.db.exec(`INSERT INTO upstream_oauth_providers (upstream_oauth_provider_id, issuer, human_name, brand_name, scope, client_id, encrypted_client_secret, token_endpoint_auth_method, created_at, discovery_mode, pkce_mode, claims_imports)
      VALUES (${lit(id)}, ${lit(p.issuer ?? null)}, ${lit(p.human_name ?? null)}, ${lit(p.brand_name ?? null)}, ${lit(String(p.scope ?? 'openid'))}, ${lit(String(p.client_id ?? ''))}, NULL, ${lit(String(p.token_endpoint_auth_method ?? 'client_secret_basic'))}, now(), ${lit(String(p.discovery_mode ?? 'oidc'))}, ${lit(String(p.pkce_method ?? 'auto'))}, ${lit(JSON.stringify(p.claims_imports ?? {}))})
      ON CONFLICT (upstream_oauth_provider_id) DO UPDATE SET issuer = EXCLUDED.issuer, scope = EXCLUDED.scope, client_id = EXCLUDED.client_id;`);
  }
}

const newId = (ms: number) => ulidToUUID(ulid(ms)).toLowerCase();
const ts = (ms: number | string | null | undefined) => (ms === null || ms === undefined ? 'NULL' : `to_timestamp(${Number(ms) / 1000})`);

function migrate(mas: MasConfig, syn: Synapse, dryRun: boolean): void {
  const started = Date.now();
  const secs = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  const suffix = `:${syn.serverName}`;
  const users = syn.db.query<{
    name: string;
    password_hash: string | null;
    creation_ts: number;
    admin: number;
    is_guest: number;
    deactivated: number;
    locked: boolean;
    appservice_id: string | null;
  }>('SELECT name, password_hash, creation_ts, admin, is_guest, deactivated, locked, appservice_id FROM users ORDER BY creation_ts, name');
  const sql: string[] = ['BEGIN;'];
  // What the real tool keeps per Synapse user (migration.rs UserInfo): its MAS id (none for appservice
  // users, which are read but never written) and the flags that decide what else is copied.
  const infos = new Map<string, { id: string | null; admin: boolean; guest: boolean; deactivated: boolean }>();
  let usersMigrated = 0;
  let usersSkipped = 0;
  for (const u of users) {
    if (!u.name.endsWith(suffix)) {
      const other = u.name.slice(u.name.indexOf(':') + 1);
      throw new CliError('failed to migrate users', [
        `failed to extract localpart of FullUserId("${u.name}"): wrong server name: expected "${syn.serverName}", got "${other}"`,
      ]);
    }
    const flags = { admin: u.admin !== 0, guest: u.is_guest !== 0, deactivated: u.deactivated !== 0 };
    if (u.appservice_id) {
      infos.set(u.name, { id: null, ...flags });
      usersSkipped += 1;
      continue;
    }
    const id = newId(u.creation_ts * 1000);
    infos.set(u.name, { id, ...flags });
    usersMigrated += 1;
    const created = ts(u.creation_ts * 1000);
    // Guests are copied like everyone else, with is_guest kept (migration.rs transform_user).
    sql.push(
      `INSERT INTO users (user_id, username, created_at, locked_at, deactivated_at, can_request_admin, is_guest) VALUES (${lit(id)}, ${lit(u.name.slice(1, -suffix.length))}, ${created}, ${u.locked ? created : 'NULL'}, ${u.deactivated ? created : 'NULL'}, ${u.admin !== 0}, ${u.is_guest !== 0});`,
    );
    if (u.password_hash)
      sql.push(
        `INSERT INTO user_passwords (user_password_id, user_id, hashed_password, created_at, version) VALUES (${lit(newId(u.creation_ts * 1000))}, ${lit(id)}, ${lit(u.password_hash)}, ${created}, 1);`,
      );
  }
  const need = (mxid: string, table: string) => {
    const info = infos.get(mxid);
    if (!info) throw new CliError('failed to migrate', [`user ${mxid} was not found for migration but a row in ${table} was found for them`]);
    return info;
  };
  log('INFO', 'syn2mas::migration:321', `${usersMigrated} users migrated (${usersSkipped} skipped) in ${secs()}`);

  // Rows of appservice users are skipped and counted as such in every table.
  const threepids = syn.db.query<{ user_id: string; medium: string; address: string; added_at: number }>(
    'SELECT user_id, medium, address, added_at FROM user_threepids ORDER BY added_at',
  );
  let n3 = 0;
  let skipped3 = 0;
  for (const t of threepids) {
    const u = need(t.user_id, 'user_threepids');
    if (u.id === null) {
      skipped3 += 1;
      continue;
    }
    n3 += 1;
    if (t.medium === 'email')
      sql.push(
        `INSERT INTO user_emails (user_email_id, user_id, email, created_at) VALUES (${lit(newId(Number(t.added_at)))}, ${lit(u.id)}, ${lit(t.address.toLowerCase())}, ${ts(t.added_at)});`,
      );
    else
      sql.push(
        `INSERT INTO user_unsupported_third_party_ids (user_id, medium, address, created_at) VALUES (${lit(u.id)}, ${lit(t.medium)}, ${lit(t.address)}, ${ts(t.added_at)});`,
      );
  }
  log('INFO', 'syn2mas::migration:438', `${n3} third-party IDs migrated (${skipped3} skipped) in ${secs()}`);

  const byIdp = new Map(mas.providers.filter((p) => p.synapse_idp_id).map((p) => [String(p.synapse_idp_id), ulidToUUID(String(p.id)).toLowerCase()]));
  const links = syn.db.query<{ auth_provider: string; external_id: string; user_id: string }>(
    'SELECT auth_provider, external_id, user_id FROM user_external_ids ORDER BY user_id',
  );
  let nLinks = 0;
  let skippedLinks = 0;
  for (const l of links) {
    const u = need(l.user_id, 'user_external_ids');
    if (u.id === null) {
      skippedLinks += 1;
      continue;
    }
    const provider = byIdp.get(l.auth_provider);
    if (!provider)
      throw new CliError('failed to migrate external IDs', [
        `missing a mapping for the auth provider with ID "${l.auth_provider}" (used by ${l.user_id} and maybe other users)`,
      ]);
    nLinks += 1;
    sql.push(
      `INSERT INTO upstream_oauth_links (upstream_oauth_link_id, upstream_oauth_provider_id, user_id, subject, created_at) VALUES (${lit(newId(Date.now()))}, ${lit(provider)}, ${lit(u.id)}, ${lit(l.external_id)}, now());`,
    );
  }
  log('INFO', 'syn2mas::migration:545', `${nLinks} upstream links (external IDs) migrated (${skippedLinks} skipped) in ${secs()}`);

  // Devices become compat sessions; tokens attach to the session of their device. Guests and
  // deactivated users get neither (their tokens count as skipped, their devices are not counted at all).
  const devices = syn.db.query<{
    user_id: string;
    device_id: string;
    last_seen: number | null;
    ip: string | null;
    user_agent: string | null;
    display_name: string | null;
  }>(
    "SELECT user_id, device_id, last_seen, ip, user_agent, display_name FROM devices WHERE NOT coalesce(hidden, false) AND device_id <> 'guest_device' ORDER BY user_id, device_id",
  );
  const sessions = new Map<string, string>();
  const sessionSql = (
    mxid: string,
    deviceId: string | null,
    created: number | null,
    extra?: { ip: string | null; ua: string | null; lastSeen: number | null; name: string | null },
  ) => {
    const u = infos.get(mxid)!;
    const sid = newId(created ?? Date.now());
    let ip = extra?.ip ?? null;
    if (ip !== null && !/^[0-9a-fA-F:.]+$/.test(ip)) {
      log('WARN', 'syn2mas::migration:612', `Failed to parse device IP, ignoring user_id=${mxid} device_id=${deviceId} ip=${ip}`);
      ip = null;
    }
    sql.push(
      `INSERT INTO compat_sessions (compat_session_id, user_id, device_id, created_at, is_synapse_admin, last_active_at, last_active_ip, user_agent, human_name) VALUES (${lit(sid)}, ${lit(u.id)}, ${lit(deviceId)}, ${ts(created ?? Date.now())}, ${u.admin}, ${ts(extra?.lastSeen)}, ${ip === null ? 'NULL' : `${lit(ip)}::inet`}, ${lit(extra?.ua ?? null)}, ${lit(extra?.name ?? null)});`,
    );
    return sid;
  };
  let nDevices = 0;
  let skippedDevices = 0;
  for (const d of devices) {
    const u = need(d.user_id, 'devices');
    if (u.id === null) {
      skippedDevices += 1;
      continue;
    }
    if (u.guest || u.deactivated) continue;
    nDevices += 1;
    sessions.set(
      `${d.user_id}\u0000${d.device_id}`,
      sessionSql(d.user_id, d.device_id, d.last_seen, { ip: d.ip, ua: d.user_agent, lastSeen: d.last_seen, name: d.display_name }),
    );
  }
  const tokens = syn.db.query<{
    id: number;
    user_id: string;
    device_id: string | null;
    token: string;
    last_validated: number | null;
    refresh_token_id: number | null;
    rt_token: string | null;
    rt_next: number | null;
  }>(
    'SELECT a.id, a.user_id, a.device_id, a.token, a.last_validated, a.refresh_token_id, r.token AS rt_token, r.next_token_id AS rt_next FROM access_tokens a LEFT JOIN refresh_tokens r ON r.id = a.refresh_token_id WHERE a.puppets_user_id IS NULL ORDER BY a.id',
  );
  const tally = { plain: 0, pairs: 0, plainSkipped: 0, pairsSkipped: 0 };
  for (const t of tokens) {
    const u = need(t.user_id, 'access_tokens');
    const pair = t.refresh_token_id !== null && t.rt_token !== null && t.rt_next === null;
    if (u.id === null || u.guest || u.deactivated) {
      if (pair) tally.pairsSkipped += 1;
      else tally.plainSkipped += 1;
      continue;
    }
    const key = `${t.user_id}\u0000${t.device_id}`;
    const sid = (t.device_id && sessions.get(key)) || sessionSql(t.user_id, t.device_id, t.last_validated);
    if (t.device_id && !sessions.has(key)) sessions.set(key, sid);
    const atId = newId(Number(t.last_validated ?? Date.now()));
    sql.push(
      `INSERT INTO compat_access_tokens (compat_access_token_id, compat_session_id, access_token, created_at) VALUES (${lit(atId)}, ${lit(sid)}, ${lit(t.token)}, ${ts(t.last_validated ?? Date.now())});`,
    );
    if (pair) {
      sql.push(
        `INSERT INTO compat_refresh_tokens (compat_refresh_token_id, compat_session_id, compat_access_token_id, refresh_token, created_at) VALUES (${lit(newId(Date.now()))}, ${lit(sid)}, ${lit(atId)}, ${lit(t.rt_token)}, now());`,
      );
      tally.pairs += 1;
    } else tally.plain += 1;
  }
  log('INFO', 'syn2mas::migration:690', `${tally.plain} non-refreshable access tokens migrated (${tally.plainSkipped} skipped) in ${secs()}`);
  log('INFO', 'syn2mas::migration:781', `${tally.pairs} refreshable token pairs migrated (${tally.pairsSkipped} skipped) in ${secs()}`);
  log('INFO', 'syn2mas::migration:860', `${nDevices} devices migrated (${skippedDevices} skipped) in ${secs()}`);
  if (dryRun) sql.push(`TRUNCATE ${MAS_TABLES.join(', ')} CASCADE;`);
  sql.push('COMMIT;');
  mas.db.exec(sql.join('\n'));
  for (const c of ['users_pkey', 'user_emails_pkey', 'compat_sessions_pkey']) log('INFO', 'syn2mas::mas_writer:574', `index ${c} rebuilt in 0.0s`);
  for (const c of ['users_username_unique', 'compat_sessions_device_id_unique']) log('INFO', 'syn2mas::mas_writer:614', `constraint ${c} rebuilt in 0.0s`);
  if (dryRun) log('WARN', 'syn2mas::mas_writer:1032', 'Migration ran in dry-run mode, deleting all imported data');
}

export function syn2mas(mas: MasConfig, args: string[]): number {
  const synapseConfigs: string[] = [];
  let ignoreMissing = false;
  let sub: string | undefined;
  let dryRun = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--synapse-config=')) synapseConfigs.push(a.slice(17));
    else if (a === '--synapse-config') synapseConfigs.push(args[++i] ?? '');
    else if (a === '--ignore-missing-auth-providers') ignoreMissing = true;
    else if (a === '--dry-run') dryRun = true;
    else if (a === 'check' || a === 'migrate') sub = a;
    else throw new CliError(`unexpected argument '${a}' found`, [], 2);
  }
  if (!sub) throw new CliError("'mas-cli syn2mas' requires a subcommand but one was not provided\n  [subcommands: check, migrate, help]", [], 2);
  const syn = loadSynapse(synapseConfigs);
  try {
    syn.db.query('SELECT 1');
  } catch (error) {
    throw new CliError('could not connect to Synapse Postgres database', [(error as Error).message]);
  }
  // `check` logs nothing of its own: only the report (stderr) or, when clean, one line on stdout.
  if (sub === 'migrate') syncProviders(mas);
  assertMasEmpty(mas);
  const { errors, warnings } = checks(mas, syn, ignoreMissing);
  printSummary(errors, warnings);
  if (errors.length) return 10;
  if (sub === 'check') {
    if (warnings.length) return 11;
    process.stdout.write('Check completed successfully with no errors or warnings.\n');
    return 0;
  }
  // A real run takes EXCLUSIVE NOWAIT locks on Synapse's tables: a running Synapse holds conflicting locks.
  if (!dryRun && isActive('matrix-synapse')) {
    throw new CliError('database error whilst locking Synapse table `users`', [
      'error returned from database: could not obtain lock on relation "users"',
      'could not obtain lock on relation "users"',
    ]);
  }
  log('INFO', 'syn2mas::mas_writer:838', 'Starting new syn2mas migration');
  migrate(mas, syn, dryRun);
  return 0;
}
