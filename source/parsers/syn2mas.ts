// Reads what syn2mas prints, line by line, into facts the wizard can act on:
// - current `mas-cli syn2mas check|migrate [--dry-run]` (reference/mas.md §3.3–3.5, §8):
//   the `===== Errors =====` / `===== Warnings =====` blocks, per-stage counts and timings,
//   periodic progress, the dry-run closing warning, `Error: …` with its causes;
// - the legacy npm tool `@vector-im/syn2mas` ≤ 0.15 (mas.md §3.2; real outputs in
//   shared/data/mas/legacy-syn2mas-example): advisor lines, per-user progress, fatals.
// Every item comes with a plain explanation and, where the cause is known, the fix.
import { LineSplitter } from './lines.js';

export type Syn2masSeverity = 'error' | 'warning';

export interface Syn2masItem {
  severity: Syn2masSeverity;
  /** The tool's own words, whole (continuation lines joined with a space). */
  text: string;
  /** Stable id of the recognised cause, or `syn2mas.unrecognised`. */
  kind: string;
  explanation: string;
  fix?: string;
}

export interface Syn2masStage {
  entity: string;
  migrated: number;
  skipped: number;
  seconds: number;
}

export interface Syn2masProgress {
  entity: string;
  migrated: number;
  skipped: number;
  approxTotal: number | null;
  percent: number | null;
}

export interface Syn2masRebuild {
  kind: 'index' | 'constraint';
  name: string;
  seconds: number;
}

export interface Syn2masFatal {
  message: string;
  causes: string[];
  kind: string;
  explanation: string;
  fix?: string;
}

export interface LegacyReport {
  /** Advisor and migrate WARN/ERROR/FATAL lines, explained. */
  items: Syn2masItem[];
  usersProcessed: number;
  usersMigrated: number;
  /** "Completed migration[ dry-run] of N users with F fatals and W warnings". */
  completed: { dryRun: boolean; users: number; fatals: number; warnings: number } | null;
  /** Synapse auth providers the tool had no mapping for ("Unknown upstream provider X"). */
  unknownProviders: string[];
  /** "Found N existing users in MAS. Refusing to continue." */
  existingMasUsers: number | null;
  /** The last user the tool started on: after a failed real run it may be half-migrated. */
  lastUser: string | null;
}

export interface Syn2masReport {
  tool: 'mas-cli' | 'legacy' | 'unknown';
  errors: Syn2masItem[];
  warnings: Syn2masItem[];
  /** `check` printed "Check completed successfully with no errors or warnings." */
  checkClean: boolean;
  /** `Error: …` (current tool) or the legacy tool's uncaught error, explained. */
  fatal: Syn2masFatal | null;
  /** The table named by "The MAS database is not empty: rows found in at least `X`". */
  masDbNotEmpty: string | null;
  stages: Syn2masStage[];
  rebuilds: Syn2masRebuild[];
  /** The latest periodic progress line, or `still setting up`. */
  progress: Syn2masProgress | null;
  settingUp: boolean;
  /** WARN "Migration ran in dry-run mode, deleting all imported data" was seen. */
  dryRunFinished: boolean;
  /** WARN "Partial syn2mas migration has already been done; resetting." was seen. */
  partialReset: boolean;
  /** Timestamps (ms since epoch) of "Starting new syn2mas migration" and the last log line. */
  migrationStartedAt: number | null;
  lastTimestamp: number | null;
  legacy: LegacyReport;
}

/** What an exit code of `mas-cli syn2mas` means (mas.md §0, §3.3). */
export function syn2masExitMeaning(code: number | null, subcommand: 'check' | 'migrate', legacy = false): { ok: boolean; proceed: 'yes' | 'acknowledge' | 'no'; meaning: string } {
  if (code === null) return { ok: false, proceed: 'no', meaning: 'syn2mas did not report an exit status (connection lost or killed): its outcome is unknown, look at the log and the MAS database before going on.' };
  if (legacy) {
    return code === 0
      ? { ok: true, proceed: 'yes', meaning: 'The legacy syn2mas tool finished without fatal errors.' }
      : { ok: false, proceed: 'no', meaning: `The legacy syn2mas tool failed (exit ${code}). A real run may have left some users half-migrated in MAS.` };
  }
  switch (code) {
    case 0:
      return subcommand === 'check'
        ? { ok: true, proceed: 'yes', meaning: 'The check found no errors and no warnings.' }
        : { ok: true, proceed: 'yes', meaning: 'The migration finished successfully.' };
    case 10:
      return { ok: false, proceed: 'no', meaning: 'syn2mas found errors that prevent migrating right now; each one is listed with what to change.' };
    case 11:
      return subcommand === 'check'
        ? { ok: true, proceed: 'acknowledge', meaning: 'The check found only warnings: migrating is possible, but read and acknowledge each warning first.' }
        : { ok: false, proceed: 'no', meaning: 'Unexpected exit 11 from migrate (only check uses 11).' };
    case 1:
      return { ok: false, proceed: 'no', meaning: 'syn2mas stopped with an error (shown after "Error:"); nothing was migrated for good.' };
    default:
      return { ok: false, proceed: 'no', meaning: `syn2mas exited with unexpected code ${code}.` };
  }
}

interface Rule {
  re: RegExp;
  kind: string;
  explain: (m: RegExpMatchArray) => { explanation: string; fix?: string };
}

/** `oidc-keycloak` stays as it is; a bare `keycloak` gets the `oidc-` prefix Synapse uses. */
function synapseIdpId(provider: string): string {
  return provider === 'oidc' || provider.startsWith('oidc-') ? provider : `oidc-${provider}`;
}

// Texts of crates/syn2mas/src/synapse_reader/checks.rs (mas.md §3.4) and migrate errors (§3.3, §6.2).
const CURRENT_RULES: Rule[] = [
  {
    re: /must also be configured in the MAS configuration as an upstream provider/,
    kind: 'syn2mas.provider-unmapped',
    explain: (m) => {
      const p = /provider '([^']+)'/.exec(m.input ?? '')?.[1] ?? '<id>';
      return {
        explanation: `Users log in through the Synapse provider '${p}', but no MAS upstream provider says it replaces it, so their logins would be lost.`,
        fix: `add synapse_idp_id: ${synapseIdpId(p)} to the matching provider in matrix_authentication_service_config_upstream_oauth2_providers, then run the check again`,
      };
    },
  },
  {
    re: /missing a mapping for the auth provider with ID "([^"]+)"/,
    kind: 'syn2mas.provider-unmapped',
    explain: (m) => ({
      explanation: `Some users are linked to the Synapse provider "${m[1]}", and no MAS provider has a matching synapse_idp_id.`,
      fix: `add synapse_idp_id: ${synapseIdpId(m[1])} to the matching provider in matrix_authentication_service_config_upstream_oauth2_providers`,
    }),
  },
  {
    re: /missing a password hashing scheme with version '1'/,
    kind: 'syn2mas.password-scheme-missing',
    explain: () => ({
      explanation: 'Migrated Synapse passwords are bcrypt hashes; MAS needs a version-1 bcrypt scheme to check them.',
      fix: 'keep the playbook default password schemes (version 1 = bcrypt with the Synapse pepper); remove any override of matrix_authentication_service_config_passwords_schemes',
    }),
  },
  {
    re: /Password scheme version '1' in the MAS config must use the Bcrypt algorithm/,
    kind: 'syn2mas.password-scheme-not-bcrypt',
    explain: () => ({
      explanation: 'Password scheme version 1 must be bcrypt, because that is how Synapse stored the passwords.',
      fix: 'set the version-1 scheme to algorithm: bcrypt (the playbook default does this)',
    }),
  },
  {
    re: /must have the same secret as the `pepper` value from Synapse/,
    kind: 'syn2mas.password-pepper-mismatch',
    explain: () => ({
      explanation: 'MAS would check migrated passwords with a different pepper than Synapse used: every migrated password would be rejected.',
      fix: 'make the version-1 scheme secret equal matrix_synapse_password_config_pepper byte for byte (no trailing newline in a secret file)',
    }),
  },
  {
    re: /Guest support is enabled in the Synapse configuration/,
    kind: 'synapse.guest-access',
    explain: () => ({ explanation: 'MAS has no guest accounts.', fix: 'set matrix_synapse_allow_guest_access: false and re-run the playbook for Synapse' }),
  },
  {
    re: /`enable_3pid_changes` explicitly enabled/,
    kind: 'syn2mas.3pid-changes',
    explain: () => ({ explanation: 'With MAS, email changes are handled by MAS, not Synapse.', fix: 'remove enable_3pid_changes from the Synapse configuration (matrix_synapse_configuration_extension_yaml)' }),
  },
  {
    re: /`login_via_existing_session.enabled` set to true/,
    kind: 'syn2mas.login-via-existing-session',
    explain: () => ({ explanation: 'Logging in through an existing session is a Synapse feature MAS replaces.', fix: 'remove login_via_existing_session from the Synapse configuration' }),
  },
  {
    re: /MAS configuration has the wrong `matrix\.homeserver` set \("([^"]*)"\), it should match Synapse's `server_name` \("([^"]*)"\)/,
    kind: 'syn2mas.homeserver-mismatch',
    explain: (m) => ({
      explanation: `MAS thinks the server is "${m[1]}" but Synapse is "${m[2]}": user IDs would not match.`,
      fix: `set matrix_authentication_service_config_matrix_homeserver: ${m[2]} (the playbook default is matrix_domain)`,
    }),
  },
  {
    re: /associated to the OpenID Connect or OAuth2 provider '([^']+)' but the Synapse configuration does not contain this provider/,
    kind: 'syn2mas.provider-missing-in-synapse',
    explain: (m) => ({
      explanation: `Users are still linked to '${m[1]}', a login provider that is no longer in the Synapse configuration.`,
      fix: 'keep that provider in matrix_synapse_oidc_providers until syn2mas has run (allowed while matrix_authentication_service_migration_in_progress: true), or, on MAS 1.11 or newer, add --ignore-missing-auth-providers to matrix_authentication_service_syn2mas_command_extra_options to skip those links',
    }),
  },
  {
    re: /mapping entries from a previously-configured MAS instance/,
    kind: 'db.oauth-delegated-rows',
    explain: () => ({
      explanation: 'An earlier MAS run left "oauth-delegated" login links in the Synapse database.',
      fix: "after a backup, run on the Synapse database: DELETE FROM user_external_ids WHERE auth_provider = 'oauth-delegated';",
    }),
  },
  {
    re: /Synapse config has registration enabled/,
    kind: 'synapse.registration-enabled',
    explain: () => ({ explanation: 'Registration must be handled by MAS after the migration.', fix: 'set matrix_synapse_enable_registration: false (the playbook refuses it with MAS anyway); use MAS registration settings instead' }),
  },
  {
    re: /`user_consent` enabled/,
    kind: 'syn2mas.user-consent',
    explain: () => ({ explanation: 'Synapse user consent does not carry over to MAS.', fix: 'disable user_consent after migration; set a tos_uri in the MAS branding configuration if you need terms of service' }),
  },
  {
    re: /contains (CAS|SAML2|JWT|non-standard password provider plugin) auth configuration/,
    kind: 'syn2mas.other-auth',
    explain: (m) => ({
      explanation: `${m[1]} logins are not migrated automatically.`,
      fix: `configure the ${m[1]} source as an upstream OAuth 2.0 provider in MAS, or accept that those users must log in another way`,
    }),
  },
  {
    re: /registration CAPTCHA enabled, but no CAPTCHA has been configured in MAS/,
    kind: 'synapse.registration-captcha',
    explain: () => ({ explanation: 'The Synapse CAPTCHA is not carried over.', fix: 'set matrix_authentication_service_config_captcha_service and its keys if registration should stay protected' }),
  },
  {
    re: /Synapse database contains (\d+) guests/,
    kind: 'db.guests-present',
    explain: (m) => ({ explanation: `${m[1]} guest accounts will be migrated but MAS does not support guests; they will not be able to use their accounts.`, fix: 'acknowledge, or deactivate the guest accounts first' }),
  },
  {
    re: /Synapse database contains (\d+) non-email 3PIDs/,
    kind: 'db.non-email-3pids',
    explain: (m) => ({ explanation: `${m[1]} phone numbers (or other non-email identifiers) are kept but MAS cannot use them to log in or recover accounts.`, fix: 'acknowledge; affected users should add an email address' }),
  },
  {
    re: /The MAS database is not empty: rows found in at least `([^`]+)`/,
    kind: 'db.mas-not-empty',
    explain: (m) => ({
      explanation: `The MAS database already holds data (table ${m[1]}): syn2mas only runs into an empty database. Usually MAS ran before, or someone registered a user in MAS.`,
      fix: 'check that the wizard points at the right MAS database; if it is the right one and holds nothing you need, drop and recreate it (after a backup), then run the check again',
    }),
  },
  {
    re: /Failed to acquire syn2mas lock|another syn2mas instance is already running/,
    kind: 'syn2mas.locked',
    explain: () => ({ explanation: 'Another syn2mas run holds the migration lock.', fix: 'wait for the other run to end (see the wizard job list) before starting again' }),
  },
  {
    re: /failed to extract localpart of FullUserId\("([^"]+)"\)[\s\S]*?wrong server name: expected "([^"]+)", got "([^"]+)"/,
    kind: 'db.foreign-server-users',
    explain: (m) => ({
      explanation: `The Synapse users table holds ${m[1]}, whose server name "${m[3]}" is not "${m[2]}". syn2mas cannot migrate it.`,
      fix: 'clean up users with a foreign server name in the Synapse database before migrating (see the preflight finding db.foreign-server-users)',
    }),
  },
  {
    re: /user (\S+) was not found for migration but a row in (\S+) was found for them/,
    kind: 'syn2mas.orphan-rows',
    explain: (m) => ({
      explanation: `The Synapse table ${m[2]} has a row for ${m[1]}, who is not in the users table.`,
      fix: `remove the orphan rows for ${m[1]} from ${m[2]} in the Synapse database (after a backup)`,
    }),
  },
  {
    re: /could not obtain lock on relation|error whilst locking Synapse table/,
    kind: 'syn2mas.synapse-running',
    explain: () => ({ explanation: 'Synapse is still using its tables: a real migration needs Synapse stopped.', fix: 'stop Synapse and all its workers, then run the migration again' }),
  },
  {
    re: /could not connect to Synapse Postgres database/,
    kind: 'syn2mas.synapse-db-unreachable',
    explain: () => ({ explanation: 'syn2mas could not reach the Synapse database.', fix: 'check that Postgres is running and the Synapse database settings in homeserver.yaml are right' }),
  },
  {
    re: /syn2mas does not support the (\S+) database driver/,
    kind: 'syn2mas.sqlite',
    explain: (m) => ({ explanation: `Synapse uses the ${m[1]} database; syn2mas only reads PostgreSQL.`, fix: 'migrate Synapse to PostgreSQL first' }),
  },
];

// Legacy @vector-im/syn2mas ≤ 0.15 texts (mas.md §3.2 and the recorded outputs).
const LEGACY_RULES: Rule[] = [
  {
    re: /Unknown upstream provider (\S+)/,
    kind: 'syn2mas.legacy-unknown-provider',
    explain: (m) => m[1] === 'oauth-delegated'
      ? {
          explanation: 'The Synapse database has "oauth-delegated" links left by an earlier MAS run: this migration was (partly) done before.',
          fix: "the migration is one-shot: drop and recreate the MAS database, and delete those rows in Synapse (DELETE FROM user_external_ids WHERE auth_provider = 'oauth-delegated';) before a new run",
        }
      : {
          explanation: `Users are linked to the Synapse login provider '${m[1]}', and the legacy tool was not told which MAS provider replaces it.`,
          fix: `add --upstreamProviderMapping ${m[1]}:<ULID of the MAS provider> to matrix_authentication_service_syn2mas_process_extra_arguments (the provider must already be in the MAS database: run mas-cli config sync first)`,
        },
  },
  {
    re: /Found (\d+) existing users in MAS\. Refusing to continue/,
    kind: 'db.mas-not-empty',
    explain: (m) => ({
      explanation: `The MAS database already has ${m[1]} users. The legacy tool commits user by user, so a failed earlier real run leaves users half-migrated and blocks every re-run.`,
      fix: 'drop and recreate the MAS database (after a backup), fix the cause of the earlier failure, then run again',
    }),
  },
  {
    re: /Could not find upstream provider (\S+) in MAS database/,
    kind: 'syn2mas.legacy-provider-not-synced',
    explain: (m) => ({ explanation: `The MAS provider ${m[1]} named in --upstreamProviderMapping is not in the MAS database yet.`, fix: 'run mas-cli config sync (start MAS once with the provider configured), then run syn2mas again' }),
  },
  {
    re: /Upstream provider mapping is not in correct format/,
    kind: 'syn2mas.legacy-mapping-format',
    explain: () => ({ explanation: 'An --upstreamProviderMapping argument is malformed.', fix: 'write it as <synapse auth_provider>:<MAS provider ULID>, e.g. oidc-keycloak:01JQQABN00CV67WJEZC968JWF5' }),
  },
  {
    re: /column "([^"]+)" of relation "([^"]+)" does not exist/,
    kind: 'syn2mas.legacy-schema-mismatch',
    explain: (m) => ({
      explanation: `The legacy tool (for MAS ≤ 0.15) wrote to ${m[2]}.${m[1]}, which this MAS database no longer has: the MAS version is too new for it. Users processed so far stay in MAS.`,
      fix: 'use mas-cli syn2mas (playbook tag matrix-authentication-service-mas-cli-syn2mas) for MAS 0.16 and newer; drop and recreate the MAS database first',
    }),
  },
  {
    re: /ZodError/,
    kind: 'syn2mas.legacy-config-invalid',
    explain: () => ({ explanation: 'The legacy tool could not read its configuration files.', fix: 'see the quoted path and message; an all-digit secrets.encryption must be quoted in YAML so it stays a string' }),
  },
  {
    re: /Migration failed with (\d+) fatals/,
    kind: 'syn2mas.legacy-fatals',
    explain: (m) => ({ explanation: `The run stopped with ${m[1]} fatal problems (listed above).`, fix: 'fix each fatal problem, then run again' }),
  },
  {
    re: /Synapse config contains OIDC auth configuration which will need mapping/,
    kind: 'syn2mas.legacy-oidc-needs-mapping',
    explain: () => ({ explanation: 'Synapse logs users in through OIDC; the legacy tool needs each provider mapped to a MAS provider.', fix: 'configure the provider in MAS, sync it, and pass --upstreamProviderMapping oidc-<idp_id>:<MAS provider ULID>' }),
  },
  {
    re: /An upstream OpenID Provider will need to be configured for the (\d+) users with auth provider (\S+)/,
    kind: 'syn2mas.legacy-oidc-needs-mapping',
    explain: (m) => ({ explanation: `${m[1]} users log in through '${m[2]}'.`, fix: `pass --upstreamProviderMapping ${m[2]}:<MAS provider ULID>` }),
  },
];

const UNRECOGNISED = { kind: 'syn2mas.unrecognised', explanation: 'syn2mas reported this; the wizard has no specific advice for it.' };

/** Explains one check item (or error text) from the current or the legacy tool. */
export function explainSyn2mas(severity: Syn2masSeverity, text: string): Syn2masItem {
  for (const rule of [...CURRENT_RULES, ...LEGACY_RULES]) {
    const m = text.match(rule.re);
    if (m) return { severity, text, kind: rule.kind, ...rule.explain(m) };
  }
  return { severity, text, ...UNRECOGNISED };
}

// `2025-11-14T00:29:04.945731Z  INFO syn2mas::migration:321 95 users migrated (0 skipped) in 0.0s`
const CURRENT_LOG = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)\s+(TRACE|DEBUG|INFO|WARN|ERROR)\s+(\S+)\s?(.*)$/;
// `[2026-11-28T18:31:36.181] [FATAL] migrate - message`
const LEGACY_LOG = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)\] \[(TRACE|DEBUG|INFO|WARN|ERROR|FATAL|MARK)\] (\S+) - (.*)$/;
const STAGE = /^(\d+) (users|third-party IDs|upstream links \(external IDs\)|non-refreshable access tokens|refreshable token pairs|devices) migrated \((\d+) skipped\) in ([\d.]+)s/;
const STAGE_ENTITY: Record<string, string> = {
  users: 'users',
  'third-party IDs': 'threepids',
  'upstream links (external IDs)': 'external_ids',
  'non-refreshable access tokens': 'nonrefreshable_access_tokens',
  'refreshable token pairs': 'refreshable_tokens',
  devices: 'devices',
};
const PROGRESS = /^migrating (\w+): (\d+) \((\d+) skipped\)(?: \/~(\d+)(?: \(~?([\d.]+)%\))?)?/;
const REBUILT = /^(index|constraint) (\S+) rebuilt in ([\d.]+)s/;

type Block = 'errors' | 'warnings' | null;

// log4js's coloured layout with its ESC bytes gone, as forced-YAML Ansible output has it
// (real-outputs.md §1): `[32m[2026-…] [INFO] migrate - [39mText`. ESC-prefixed codes are
// stripped by the line splitter already.
const BARE_LOG4JS = /^\[(?:3\d|9\d)m(\[\d{4}-\d\d-\d\dT[^\]]*\] \[[A-Z]+\] \S+ - )\[39m/;

function withoutBareColours(line: string): string {
  return line.startsWith('[') ? line.replace(BARE_LOG4JS, '$1') : line;
}

/** Feed lines (or chunks) as they arrive; read `report` at any time, `end()` when done. */
export class Syn2masParser {
  readonly report: Syn2masReport = {
    tool: 'unknown', errors: [], warnings: [], checkClean: false, fatal: null, masDbNotEmpty: null,
    stages: [], rebuilds: [], progress: null, settingUp: false, dryRunFinished: false, partialReset: false,
    migrationStartedAt: null, lastTimestamp: null,
    legacy: { items: [], usersProcessed: 0, usersMigrated: 0, completed: null, unknownProviders: [], existingMasUsers: null, lastUser: null },
  };

  private block: Block = null;
  private item: string[] | null = null;
  /** Collecting `Error: …` and its `Caused by:` list. */
  private fatalLines: string[] | null = null;
  /** A legacy ERROR/FATAL event whose continuation lines (stack, ZodError dump) are still coming. */
  private legacyEvent: { level: string; lines: string[] } | null = null;
  private readonly splitter = new LineSplitter((l) => this.line(l));

  feed(chunk: string): void { this.splitter.feed(chunk); }

  line(raw: string): void {
    const line = withoutBareColours(raw);
    const legacy = LEGACY_LOG.exec(line);
    if (legacy) { this.closeAll(); this.legacyLine(legacy[1], legacy[2], legacy[4]); return; }
    if (this.legacyEvent) {
      if (line.startsWith('#') && line.includes('----')) { this.closeLegacyEvent(); return; }
      this.legacyEvent.lines.push(line);
      return;
    }
    const log = CURRENT_LOG.exec(line);
    if (log) { this.closeAll(); this.currentLine(log[1], log[2], log[4]); return; }

    if (/^===== Errors =====/.test(line)) { this.closeAll(); this.block = 'errors'; this.report.tool = 'mas-cli'; return; }
    if (/^===== Warnings =====/.test(line)) { this.closeAll(); this.block = 'warnings'; this.report.tool = 'mas-cli'; return; }
    if (line.startsWith('Check completed successfully with no errors or warnings')) {
      this.closeAll(); this.report.checkClean = true; this.report.tool = 'mas-cli'; return;
    }
    if (line.startsWith('Error: ')) { this.closeAll(); this.fatalLines = [line.slice(7)]; return; }
    if (this.fatalLines) { this.fatalLines.push(line); return; }

    if (this.block) {
      const bullet = /^\s*[•*-]\s+(.*)$/.exec(line);
      if (bullet) { this.closeItem(); this.item = [bullet[1].trim()]; return; }
      if (line.trim() === '') { this.closeItem(); return; }
      if (this.item) { this.item.push(line.trim()); return; }
      // The block's intro sentence ("These issues prevent …") carries no item.
    }
  }

  end(): Syn2masReport {
    this.splitter.flush();
    this.closeAll();
    return this.report;
  }

  private currentLine(ts: string, level: string, message: string): void {
    this.report.tool = 'mas-cli';
    const t = Date.parse(ts);
    if (!Number.isNaN(t)) this.report.lastTimestamp = t;
    let m: RegExpExecArray | null;
    if (message.startsWith('Starting new syn2mas migration')) { this.report.migrationStartedAt = t; return; }
    if ((m = STAGE.exec(message))) {
      this.report.stages.push({ entity: STAGE_ENTITY[m[2]], migrated: Number(m[1]), skipped: Number(m[3]), seconds: Number(m[4]) });
      this.report.settingUp = false;
      return;
    }
    if ((m = PROGRESS.exec(message))) {
      this.report.settingUp = false;
      this.report.progress = {
        entity: m[1], migrated: Number(m[2]), skipped: Number(m[3]),
        approxTotal: m[4] !== undefined ? Number(m[4]) : null, percent: m[5] !== undefined ? Number(m[5]) : null,
      };
      return;
    }
    if (message.startsWith('still setting up')) { this.report.settingUp = true; return; }
    if ((m = REBUILT.exec(message))) { this.report.rebuilds.push({ kind: m[1] as 'index' | 'constraint', name: m[2], seconds: Number(m[3]) }); return; }
    if (message.startsWith('Migration ran in dry-run mode')) { this.report.dryRunFinished = true; return; }
    if (message.startsWith('Partial syn2mas migration has already been done')) { this.report.partialReset = true; return; }
    // One problem in two ERROR lines ("Failed to acquire …" / "This likely means that another … is running!"): one item.
    if (level === 'ERROR' && /Failed to acquire syn2mas lock/.test(message)) {
      this.addItem('error', message);
    }
  }

  private legacyLine(_ts: string, level: string, message: string): void {
    this.report.tool = 'legacy';
    const lg = this.report.legacy;
    let m: RegExpExecArray | null;
    if ((m = /^Processing user (\S+)/.exec(message))) { lg.usersProcessed++; lg.lastUser = m[1]; return; }
    if (message.startsWith('Migrated user ')) { lg.usersMigrated++; return; }
    if ((m = /^Completed migration( dry-run)? of (\d+) users with (\d+) fatals and (\d+) warnings/.exec(message))) {
      lg.completed = { dryRun: m[1] !== undefined, users: Number(m[2]), fatals: Number(m[3]), warnings: Number(m[4]) };
      return;
    }
    if (level === 'WARN') { this.legacyItem('warning', message); return; }
    if (level === 'ERROR' || level === 'FATAL') { this.legacyEvent = { level, lines: [message] }; }
  }

  private legacyItem(severity: Syn2masSeverity, text: string): void {
    const item = explainSyn2mas(severity, text);
    const lg = this.report.legacy;
    lg.items.push(item);
    const unknown = /Unknown upstream provider (\S+)/.exec(text);
    if (unknown && !lg.unknownProviders.includes(unknown[1])) lg.unknownProviders.push(unknown[1]);
    const existing = /Found (\d+) existing users in MAS/.exec(text);
    if (existing) lg.existingMasUsers = Number(existing[1]);
    (severity === 'error' ? this.report.errors : this.report.warnings).push(item);
  }

  private closeLegacyEvent(): void {
    const ev = this.legacyEvent;
    if (!ev) return;
    this.legacyEvent = null;
    const first = ev.lines[0];
    if (ev.level === 'FATAL') { this.legacyItem('error', first); return; }
    // An uncaught error: the first line, plus the ZodError's own message when there is one.
    const whole = ev.lines.join('\n');
    const zod = /"path": \[([^\]]*)\][\s\S]*?"message": "([^"]+)"/.exec(whole);
    const message = zod ? `${first.replace(/:?\s*\[$/, '')}: ${zod[2]} at ${zod[1].replace(/[\s"]+/g, '').split(',').join('.')}` : first;
    const item = explainSyn2mas('error', message);
    if (zod && zod[1].replace(/[\s"]+/g, '') === 'secrets,encryption') {
      item.fix = 'secrets.encryption must be a YAML string: quote it (e.g. encryption: "0000…"), an unquoted all-digit value is read as a number';
    }
    this.report.fatal = { message, causes: [], kind: item.kind, explanation: item.explanation, fix: item.fix };
    if (!/Migration failed with/.test(message)) this.report.errors.push(item);
  }

  private addItem(severity: Syn2masSeverity, text: string): void {
    const item = explainSyn2mas(severity, text);
    (severity === 'error' ? this.report.errors : this.report.warnings).push(item);
  }

  private closeItem(): void {
    if (!this.item || !this.block) { this.item = null; return; }
    this.addItem(this.block === 'errors' ? 'error' : 'warning', this.item.join(' '));
    this.item = null;
  }

  private closeFatal(): void {
    const lines = this.fatalLines;
    if (!lines) return;
    this.fatalLines = null;
    const message = lines[0];
    const causes = lines.slice(1).map((l) => l.trim()).filter((l) => l !== '' && l !== 'Caused by:').map((l) => l.replace(/^\d+:\s*/, ''));
    const item = explainSyn2mas('error', [message, ...causes].join(' — '));
    this.report.fatal = { message, causes, kind: item.kind, explanation: item.explanation, fix: item.fix };
    const notEmpty = /The MAS database is not empty: rows found in at least `([^`]+)`/.exec(message);
    if (notEmpty) this.report.masDbNotEmpty = notEmpty[1];
  }

  private closeAll(): void {
    this.closeItem();
    this.block = null;
    this.closeFatal();
    this.closeLegacyEvent();
  }
}

/** Parses a whole captured output at once. */
export function parseSyn2masOutput(text: string): Syn2masReport {
  const p = new Syn2masParser();
  p.feed(text);
  return p.end();
}

/**
 * The report of one registered syn2mas command result (parsers/ansible.ts `commandResults`):
 * MAS 0.16+ writes its logs and report to stderr and only the clean-check line to stdout;
 * the legacy tool writes everything to stdout. Both streams are read, stderr first.
 */
export function syn2masFromResult(result: { stdout: string; stderr: string }): Syn2masReport {
  const p = new Syn2masParser();
  p.feed(result.stderr);
  if (result.stderr && !result.stderr.endsWith('\n')) p.feed('\n');
  p.feed(result.stdout);
  return p.end();
}

export interface DowntimeEstimate {
  /** Seconds the dry run spent migrating (first to last log line of the migration). */
  measuredSeconds: number;
  /** A cautious estimate for the real run's downtime, Synapse stop/start included. */
  estimateSeconds: number;
  basis: string;
}

/**
 * From a dry run's report: the real run migrates the same rows, but takes EXCLUSIVE
 * locks and stops Synapse and MAS first. Margin ×1.5 plus 60 s for stopping and
 * starting the services; the basis says which numbers it came from.
 */
export function estimateDowntime(report: Syn2masReport): DowntimeEstimate | null {
  let measured: number | null = null;
  let basis: string;
  if (report.migrationStartedAt !== null && report.lastTimestamp !== null && report.lastTimestamp >= report.migrationStartedAt) {
    measured = (report.lastTimestamp - report.migrationStartedAt) / 1000;
    basis = 'time between "Starting new syn2mas migration" and the last line of the dry run';
  } else if (report.stages.length > 0) {
    measured = report.stages.reduce((s, st) => s + st.seconds, 0) + report.rebuilds.reduce((s, r) => s + r.seconds, 0);
    basis = 'sum of the per-stage and rebuild timings of the dry run';
  } else return null;
  return { measuredSeconds: measured, estimateSeconds: Math.ceil(measured * 1.5 + 60), basis: `${basis}, ×1.5 margin, plus 60 s to stop and start Synapse and MAS` };
}
