// What each syn2mas check item and error means and how to fix it: the texts of MAS's
// synapse_reader/checks.rs and migrate errors (current tool) and of the legacy npm tool. A new
// MAS message is one row in CURRENT_RULES or LEGACY_RULES; the parser (syn2mas.ts) only reads.
import type { Syn2masItem, Syn2masSeverity } from './syn2mas.js';
import { SYN2MAS_TAG } from '../playbook/commands.js';

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
    explain: () => ({
      explanation: 'With MAS, email changes are handled by MAS, not Synapse.',
      fix: 'remove enable_3pid_changes from the Synapse configuration (matrix_synapse_configuration_extension_yaml)',
    }),
  },
  {
    re: /`login_via_existing_session.enabled` set to true/,
    kind: 'syn2mas.login-via-existing-session',
    explain: () => ({
      explanation: 'Logging in through an existing session is a Synapse feature MAS replaces.',
      fix: 'remove login_via_existing_session from the Synapse configuration',
    }),
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
    explain: () => ({
      explanation: 'Registration must be handled by MAS after the migration.',
      fix: 'set matrix_synapse_enable_registration: false (the playbook refuses it with MAS anyway); use MAS registration settings instead',
    }),
  },
  {
    re: /`user_consent` enabled/,
    kind: 'syn2mas.user-consent',
    explain: () => ({
      explanation: 'Synapse user consent does not carry over to MAS.',
      fix: 'disable user_consent after migration; set a tos_uri in the MAS branding configuration if you need terms of service',
    }),
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
    explain: () => ({
      explanation: 'The Synapse CAPTCHA is not carried over.',
      fix: 'set matrix_authentication_service_config_captcha_service and its keys if registration should stay protected',
    }),
  },
  {
    re: /Synapse database contains (\d+) guests/,
    kind: 'db.guests-present',
    explain: (m) => ({
      explanation: `${m[1]} guest accounts will be migrated but MAS does not support guests; they will not be able to use their accounts.`,
      fix: 'acknowledge, or deactivate the guest accounts first',
    }),
  },
  {
    re: /Synapse database contains (\d+) non-email 3PIDs/,
    kind: 'db.non-email-3pids',
    explain: (m) => ({
      explanation: `${m[1]} phone numbers (or other non-email identifiers) are kept but MAS cannot use them to log in or recover accounts.`,
      fix: 'acknowledge; affected users should add an email address',
    }),
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
    explain: () => ({
      explanation: 'Another syn2mas run holds the migration lock.',
      fix: 'wait for the other run to end (see the wizard job list) before starting again',
    }),
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
    explain: () => ({
      explanation: 'Synapse is still using its tables: a real migration needs Synapse stopped.',
      fix: 'stop Synapse and all its workers, then run the migration again',
    }),
  },
  {
    re: /could not connect to Synapse Postgres database/,
    kind: 'syn2mas.synapse-db-unreachable',
    explain: () => ({
      explanation: 'syn2mas could not reach the Synapse database.',
      fix: 'check that Postgres is running and the Synapse database settings in homeserver.yaml are right',
    }),
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
    explain: (m) =>
      m[1] === 'oauth-delegated'
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
    explain: (m) => ({
      explanation: `The MAS provider ${m[1]} named in --upstreamProviderMapping is not in the MAS database yet.`,
      fix: 'run mas-cli config sync (start MAS once with the provider configured), then run syn2mas again',
    }),
  },
  {
    re: /Upstream provider mapping is not in correct format/,
    kind: 'syn2mas.legacy-mapping-format',
    explain: () => ({
      explanation: 'An --upstreamProviderMapping argument is malformed.',
      fix: 'write it as <synapse auth_provider>:<MAS provider ULID>, e.g. oidc-keycloak:01JQQABN00CV67WJEZC968JWF5',
    }),
  },
  {
    re: /column "([^"]+)" of relation "([^"]+)" does not exist/,
    kind: 'syn2mas.legacy-schema-mismatch',
    explain: (m) => ({
      explanation: `The legacy tool (for MAS ≤ 0.15) wrote to ${m[2]}.${m[1]}, which this MAS database no longer has: the MAS version is too new for it. Users processed so far stay in MAS.`,
      fix: `use mas-cli syn2mas (playbook tag ${SYN2MAS_TAG.current}) for MAS 0.16 and newer; drop and recreate the MAS database first`,
    }),
  },
  {
    re: /ZodError/,
    kind: 'syn2mas.legacy-config-invalid',
    explain: () => ({
      explanation: 'The legacy tool could not read its configuration files.',
      fix: 'see the quoted path and message; an all-digit secrets.encryption must be quoted in YAML so it stays a string',
    }),
  },
  {
    re: /Migration failed with (\d+) fatals/,
    kind: 'syn2mas.legacy-fatals',
    explain: (m) => ({ explanation: `The run stopped with ${m[1]} fatal problems (listed above).`, fix: 'fix each fatal problem, then run again' }),
  },
  {
    re: /Synapse config contains OIDC auth configuration which will need mapping/,
    kind: 'syn2mas.legacy-oidc-needs-mapping',
    explain: () => ({
      explanation: 'Synapse logs users in through OIDC; the legacy tool needs each provider mapped to a MAS provider.',
      fix: 'configure the provider in MAS, sync it, and pass --upstreamProviderMapping oidc-<idp_id>:<MAS provider ULID>',
    }),
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
