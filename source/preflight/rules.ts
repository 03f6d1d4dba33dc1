// Offline preflight: what in vars.yml (plus the playbook's defaults) will make the playbook
// run or syn2mas fail, or cost users something, once MAS is enabled. Conditions follow
// reference/playbook.md §1.2, §5 and mas.md §3.4. The rules judge the settings AS IF MAS were
// enabled, because that is what the wizard is about to do. A Jinja/vault value is reported as
// "cannot judge", never guessed.
import type { Checkout, Generation } from '../playbook/checkout.js';
import { effective, effectiveBool, fromOperator, varsLayer, type VarsLayer } from '../playbook/effective.js';
import { locateKey } from '../playbook/vars-file.js';
import type { VarsEdit } from '../playbook/vars-edit.js';
import { PROVIDERS_KEY, validateProviders, isPlainObject } from '../mas/providers.js';
import { SECRET_KEY, existingSecretState, checkSecret, secretFinding } from '../mas/secret.js';
import { PREFIX_KEY, checkPathPrefix, prefixFinding } from '../mas/url.js';
import { synapseAuthProvider } from '../mas/oidc-convert.js';
import type { Finding, Severity } from './finding.js';

export interface RuleInput {
  layers: VarsLayer[];
  checkout?: Checkout;
  generation?: Generation;
}

const F = (id: string, severity: Severity, title: string, detail: string, fix: string, source: string, edits?: VarsEdit[]): Finding => ({
  id,
  severity,
  title,
  detail,
  fix,
  source,
  ...(edits && edits.length ? { edits } : {}),
});

function cannotJudge(id: string, key: string, source: string): Finding {
  return F(
    id,
    'warn',
    `Cannot judge ${key}`,
    `${key} is a Jinja expression or an Ansible Vault value, so its effective value is only known when Ansible runs.`,
    `Check by hand what ${key} evaluates to; the condition behind "${id}" applies if it is true.`,
    source,
  );
}

/** A boolean setting that must be off under MAS: one finding (or a cannot-judge one). */
function mustBeOff(input: RuleInput, id: string, key: string, severity: Severity, title: string, detail: string, fix?: string): Finding[] {
  const b = effectiveBool(input.layers, key);
  if (b.value === 'cannot-judge') return [cannotJudge(id, key, b.source)];
  if (b.value !== true) return [];
  return [F(id, severity, title, detail, fix ?? `Set \`${key}: false\` in vars.yml (the wizard can do it).`, b.source, [{ op: 'set', key, value: false }])];
}

const isOn = (input: RuleInput, key: string) => effectiveBool(input.layers, key).value === true;

function varsKeys(input: RuleInput): string[] {
  return Object.keys(varsLayer(input.layers).parsed.values);
}
function varsSource(input: RuleInput, key: string): string {
  const loc = locateKey(varsLayer(input.layers).parsed, key);
  return loc ? `${varsLayer(input.layers).label}:${loc.line}` : varsLayer(input.layers).label;
}

/** Compare playbook versions such as v2026.05.18.0; null when either cannot be read. */
export function compareVersions(a: string, b: string): number | null {
  const parse = (v: string) => /^v?(\d+(?:\.\d+)*)$/.exec(v.trim())?.[1].split('.').map(Number) ?? null;
  const x = parse(a),
    y = parse(b);
  if (!x || !y) return null;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

const SYNAPSE_BLOCKERS: Array<[id: string, key: string, title: string, detail: string]> = [
  [
    'synapse.password-provider.shared-secret-auth',
    'matrix_synapse_ext_password_provider_shared_secret_auth_enabled',
    'Synapse shared-secret-auth password provider is on',
    'Synapse validation fails as soon as MAS is enabled (even while migrating): password providers make no sense when MAS handles logins. Bots or bridges that logged in with it must use appservice double puppeting or MAS instead.',
  ],
  [
    'synapse.password-provider.rest-auth',
    'matrix_synapse_ext_password_provider_rest_auth_enabled',
    'Synapse REST auth password provider is on',
    'Synapse validation fails as soon as MAS is enabled. Users who log in through the REST backend need an equivalent upstream OAuth2/OIDC provider in MAS.',
  ],
  [
    'synapse.password-provider.ldap',
    'matrix_synapse_ext_password_provider_ldap_enabled',
    'Synapse LDAP password provider is on',
    'Synapse validation fails as soon as MAS is enabled. MAS has no LDAP support: LDAP users need an OIDC bridge to LDAP (e.g. Keycloak, Authelia) as an upstream provider, or they lose access.',
  ],
  [
    'synapse.registration-enabled',
    'matrix_synapse_enable_registration',
    'Synapse open registration is on',
    'Synapse validation fails with MAS enabled. Self-service sign-up moves to MAS (matrix_authentication_service_config_account_password_registration_enabled).',
  ],
  [
    'synapse.registration-captcha',
    'matrix_synapse_enable_registration_captcha',
    'Synapse registration CAPTCHA is on',
    "Synapse validation fails with MAS enabled. Configure MAS's own CAPTCHA (matrix_authentication_service_config_captcha_*) if you want one.",
  ],
  [
    'synapse.cas-enabled',
    'matrix_synapse_cas_config_enabled',
    'Synapse CAS login is on',
    'Synapse validation fails with MAS enabled, and syn2mas cannot map CAS logins: map the CAS server as an upstream OAuth2 provider in MAS.',
  ],
  [
    'synapse.guest-access',
    'matrix_synapse_allow_guest_access',
    'Synapse guest access is on',
    'syn2mas refuses to run ("Guest support is enabled in the Synapse configuration. Guests aren\'t supported by MAS").',
  ],
];

function homeserver(input: RuleInput): Finding[] {
  const e = effective(input.layers, 'matrix_homeserver_implementation');
  if (e.kind === 'cannot-judge') return [cannotJudge('homeserver.not-synapse', 'matrix_homeserver_implementation', e.source)];
  if (e.kind === 'value' && e.value !== 'synapse') {
    return [
      F(
        'homeserver.not-synapse',
        'block',
        'The homeserver is not Synapse',
        `matrix_homeserver_implementation is "${String(e.value)}". MAS integrates only with Synapse, and the syn2mas task aborts for any other homeserver.`,
        'Nothing to migrate here: MAS cannot be used with this homeserver.',
        e.source,
      ),
    ];
  }
  return [];
}

function validatedVersion(input: RuleInput): Finding[] {
  const key = 'matrix_playbook_migration_validated_version';
  const e = effective(input.layers, key);
  const expected = input.checkout?.expectedValidatedVersion ?? null;
  if (e.kind === 'cannot-judge') return [cannotJudge('playbook.validated-version-missing', key, e.source)];
  const value = e.kind === 'value' && e.value !== null ? String(e.value) : '';
  const fixLine = expected ? `\`${key}: ${expected}\`` : `\`${key}: <the version from the playbook's CHANGELOG>\``;
  if (value === '') {
    return [
      F(
        'playbook.validated-version-missing',
        'block',
        "The playbook's validated-version line is missing",
        `${key} is not set. Every playbook run (any tag, including syn2mas) fails until it is.`,
        `Read the CHANGELOG's breaking changes, then add ${fixLine} to vars.yml.`,
        e.kind === 'value' ? e.source : varsLayer(input.layers).label,
        expected ? [{ op: 'set', key, value: expected }] : undefined,
      ),
    ];
  }
  const cmp = expected ? compareVersions(value, expected) : null;
  if (expected && cmp !== null && cmp < 0) {
    return [
      F(
        'playbook.validated-version-missing',
        'block',
        "The playbook's validated version is older than this checkout expects",
        `${key} is ${value}; this checkout expects ${expected}. Every playbook run fails until you confirm the breaking changes in between.`,
        `Read the CHANGELOG entries after ${value}, then set ${fixLine}.`,
        e.kind === 'value' ? e.source : varsLayer(input.layers).label,
        [{ op: 'set', key, value: expected }],
      ),
    ];
  }
  return [];
}

function secret(input: RuleInput): Finding[] {
  const e = effective(input.layers, SECRET_KEY);
  if (e.kind === 'cannot-judge') return []; // a vault value or {{ reference }} is a valid way to give it
  const loc = locateKey(varsLayer(input.layers).parsed, SECRET_KEY);
  const state = existingSecretState(loc ? { tag: loc.tag, value: varsLayer(input.layers).parsed.values[SECRET_KEY] } : undefined);
  if (state === 'invalid') {
    const value = varsLayer(input.layers).parsed.values[SECRET_KEY];
    const check = checkSecret(typeof value === 'string' ? value : String(value));
    return [secretFinding(check.ok ? 'not a string' : check.problem, varsSource(input, SECRET_KEY))];
  }
  if (state === 'missing' && isOn(input, 'matrix_authentication_service_enabled')) {
    return [
      F(
        'mas.secret-invalid',
        'block',
        'MAS is enabled but has no encryption secret',
        `${SECRET_KEY} is empty; the playbook's validation fails ("You need to define a required configuration setting").`,
        'Let the wizard generate one in its secret step (or set it to the output of `openssl rand -hex 32`).',
        varsSource(input, 'matrix_authentication_service_enabled'),
      ),
    ];
  }
  return [];
}

function pathPrefix(input: RuleInput): Finding[] {
  const e = effective(input.layers, PREFIX_KEY);
  if (e.kind !== 'value' || !fromOperator(e)) return [];
  const prefix = typeof e.value === 'string' ? e.value : String(e.value);
  const problem = checkPathPrefix(prefix);
  if (!problem) return [];
  const trimmed = prefix.replace(/\/+$/, '');
  const fixed = trimmed === '' ? '/' : trimmed;
  const finding = prefixFinding(prefix, problem, e.source);
  return [checkPathPrefix(fixed) ? finding : { ...finding, edits: [{ op: 'set', key: PREFIX_KEY, value: fixed }] }];
}

function providers(input: RuleInput): Finding[] {
  const e = effective(input.layers, PROVIDERS_KEY);
  if (e.kind !== 'value' || !fromOperator(e)) return [];
  return validateProviders(e.value, e.source).findings;
}

function oidc(input: RuleInput): Finding[] {
  const b = effectiveBool(input.layers, 'matrix_synapse_oidc_enabled');
  if (b.value === 'cannot-judge') return [cannotJudge('synapse.oidc-needs-conversion', 'matrix_synapse_oidc_enabled', b.source)];
  if (b.value !== true) return [];
  const synapse = effective(input.layers, 'matrix_synapse_oidc_providers');
  const list = synapse.kind === 'value' && Array.isArray(synapse.value) ? synapse.value : [];
  const wanted = list.filter(isPlainObject).map((p) => synapseAuthProvider(p.idp_id));
  const mas = effective(input.layers, PROVIDERS_KEY);
  const masList = mas.kind === 'value' && Array.isArray(mas.value) ? mas.value.filter(isPlainObject) : [];
  const mapped = new Set(masList.map((p) => p.synapse_idp_id).filter((v): v is string => typeof v === 'string'));
  const missing = input.generation === 'legacy' ? (masList.length >= wanted.length ? [] : wanted) : wanted.filter((w) => !mapped.has(w));
  const removal = 'After the real syn2mas run, remove every matrix_synapse_oidc_* line (the wizard does this in its cut-over step).';
  if (missing.length === 0) {
    return [
      F(
        'synapse.oidc-needs-conversion',
        'info',
        'Synapse OIDC is on and mapped to MAS providers',
        `Synapse OIDC stays allowed while matrix_authentication_service_migration_in_progress is true; syn2mas links its users through ${input.generation === 'legacy' ? '--upstreamProviderMapping' : 'synapse_idp_id'}.`,
        removal,
        b.source,
      ),
    ];
  }
  return [
    F(
      'synapse.oidc-needs-conversion',
      'block',
      'Synapse OIDC providers have no MAS counterpart yet',
      `Synapse logs users in through ${missing.join(', ')}. syn2mas fails for users linked to a provider that has no MAS upstream provider with a matching synapse_idp_id, and those users could not log in afterwards.`,
      `Convert them in the wizard's providers step (it writes ${PROVIDERS_KEY} with synapse_idp_id: ${missing.join(', ')}). ${removal}`,
      synapse.kind === 'value' ? synapse.source : b.source,
    ),
  ];
}

function email(input: RuleInput): Finding[] {
  const exim = effectiveBool(input.layers, 'exim_relay_enabled');
  if (exim.value === 'cannot-judge') return [cannotJudge('email.not-configured', 'exim_relay_enabled', exim.source)];
  if (exim.value !== false) return [];
  const transport = effective(input.layers, 'matrix_authentication_service_config_email_transport');
  if (transport.kind === 'cannot-judge') return [];
  if (transport.kind === 'value' && fromOperator(transport) && transport.value !== 'blackhole') return [];
  return [
    F(
      'email.not-configured',
      'warn',
      'MAS will not send email',
      'exim_relay_enabled is false and no matrix_authentication_service_config_email_* transport is set, so MAS uses the `blackhole` transport: verification and recovery mails are silently dropped.',
      "Enable the playbook's exim relay, or set matrix_authentication_service_config_email_transport: smtp with _hostname/_port/_mode/_username/_password. Meanwhile `mas-cli manage add-email` adds addresses without mail.",
      exim.source,
    ),
  ];
}

function services(input: RuleInput): Finding[] {
  const out: Finding[] = [];
  out.push(
    ...mustBeOff(
      input,
      'service.postmoogle',
      'matrix_bridge_postmoogle_enabled',
      'warn',
      'Postmoogle does not survive a restart under MAS',
      'The playbook docs: Postmoogle works once, then fails after a restart with "olm account is marked as shared…".',
      'Accept the breakage, or disable it: `matrix_bridge_postmoogle_enabled: false`.',
    ),
  );
  out.push(
    ...mustBeOff(
      input,
      'service.reminder-bot',
      'matrix_bot_matrix_reminder_bot_enabled',
      'warn',
      'matrix-reminder-bot loses state under MAS',
      'The playbook docs: it loses its state on restart and may send old reminders again.',
      'Accept it, or disable it: `matrix_bot_matrix_reminder_bot_enabled: false`.',
    ),
  );
  out.push(
    ...mustBeOff(
      input,
      'service.corporal',
      'matrix_corporal_enabled',
      'block',
      'matrix-corporal cannot work with MAS',
      'Corporal needs the shared-secret-auth (and REST auth) password providers, which Synapse validation refuses once MAS is enabled.',
      'Disable it: `matrix_corporal_enabled: false` (and manage users through MAS instead).',
    ),
  );
  const leftovers = varsKeys(input).filter((k) => k.startsWith('matrix_bot_matrix_registration_bot_'));
  if (leftovers.length) {
    out.push(
      F(
        'service.registration-bot-leftover',
        'block',
        'Leftover matrix-registration-bot settings',
        `The playbook removed this bot (2026-07-10); its variables (${leftovers.join(', ')}) make every playbook run fail. It also broke MAS user creation.`,
        'Remove these lines from vars.yml (the wizard can do it); MAS registration tokens replace it (`mas-cli manage issue-user-registration-token`).',
        varsSource(input, leftovers[0]),
        leftovers.map((key) => ({ op: 'remove', key })),
      ),
    );
  }
  return out;
}

const NO_MSC4190 = [
  { bridge: 'mautrix_googlechat', enabled: 'matrix_bridge_mautrix_googlechat_enabled', encryption: 'matrix_bridge_mautrix_googlechat_bridge_encryption_allow' },
  { bridge: 'beeper_linkedin', enabled: 'matrix_bridge_beeper_linkedin_enabled', encryption: 'matrix_bridge_beeper_linkedin_bridge_encryption_allow' },
  { bridge: 'wechat', enabled: 'matrix_bridge_wechat_enabled', encryption: 'matrix_bridge_wechat_encryption_allow' },
];

function bridges(input: RuleInput): Finding[] {
  const out: Finding[] = [];
  const global = effectiveBool(input.layers, 'matrix_bridges_encryption_enabled').value === true;
  if (isOn(input, 'matrix_bridge_hookshot_enabled')) {
    const own = effectiveBool(input.layers, 'matrix_bridge_hookshot_encryption_enabled');
    const on = own.value === undefined ? global : own.value;
    if (on === true || on === 'cannot-judge') {
      out.push(
        F(
          'bridge.hookshot-encryption',
          'warn',
          on === true ? 'Hookshot encryption does not work with MAS' : 'Cannot judge Hookshot encryption',
          'Hookshot cannot start with MAS when encryption is on ("Invalid login type", playbook issue #3658); it has no MSC4190 support.',
          'Set `matrix_bridge_hookshot_encryption_enabled: false` (the wizard can do it), or keep Synapse logins for now.',
          own.source || varsSource(input, 'matrix_bridge_hookshot_enabled'),
          [{ op: 'set', key: 'matrix_bridge_hookshot_encryption_enabled', value: false }],
        ),
      );
    }
  }
  for (const b of NO_MSC4190) {
    if (!isOn(input, b.enabled)) continue;
    const own = effectiveBool(input.layers, b.encryption).value;
    if ((own === undefined ? global : own) !== true) continue;
    out.push(
      F(
        'bridge.encryption-without-msc4190',
        'warn',
        `${b.bridge}: end-to-bridge encryption without MSC4190`,
        `${b.bridge} has encryption on but no MSC4190 support, so its encrypted appservice login fails under MAS (mautrix bridges with MSC4190 are switched over automatically).`,
        `Set \`${b.encryption}: false\` (the wizard can do it) or accept that encrypted rooms break for this bridge.`,
        varsSource(input, b.enabled),
        [{ op: 'set', key: b.encryption, value: false }],
      ),
    );
  }
  const fallback = ['matrix_bridge_beeper_linkedin_enabled', 'matrix_bridge_mautrix_discord_enabled', 'matrix_bridge_mautrix_googlechat_enabled'].filter((k) =>
    isOn(input, k),
  );
  const dp = effectiveBool(input.layers, 'matrix_appservice_double_puppet_enabled').value;
  if (fallback.length && dp !== true) {
    out.push(
      F(
        'bridge.double-puppet-shared-secret',
        'warn',
        'Bridges fall back to shared-secret double puppeting',
        `${fallback.join(', ')} use shared-secret-auth for double puppeting while appservice double puppeting is off; that provider must go for MAS, so double puppeting stops.`,
        'Set `matrix_appservice_double_puppet_enabled: true` (the wizard can do it).',
        varsSource(input, fallback[0]),
        [{ op: 'set', key: 'matrix_appservice_double_puppet_enabled', value: true }],
      ),
    );
  }
  const only = ['matrix_bridge_wechat_enabled', 'matrix_bridge_mx_puppet_steam_enabled', 'matrix_bridge_mx_puppet_groupme_enabled'].filter((k) =>
    isOn(input, k),
  );
  if (only.length) {
    out.push(
      F(
        'bridge.double-puppet-shared-secret',
        'warn',
        'Bridges that only know shared-secret double puppeting',
        `${only.join(', ')} can only double-puppet through shared-secret-auth, which cannot stay with MAS: their double puppeting stops.`,
        'Accept the loss of double puppeting for these bridges, or keep Synapse logins.',
        varsSource(input, only[0]),
      ),
    );
  }
  return out;
}

/** Reverse proxies whose container labels carry MAS's routes (group_vars: matrix_*_container_labels_traefik_enabled). */
const LABELLED_PROXIES = ['playbook-managed-traefik', 'other-traefik-container'];

/** The operators' guide: MAS's compatibility layer is routed by Traefik labels; any other web server needs it by hand. */
function ownWebserver(input: RuleInput): Finding[] {
  const key = 'matrix_playbook_reverse_proxy_type';
  const e = effective(input.layers, key);
  if (e.kind === 'cannot-judge') return [cannotJudge('proxy.own-webserver', key, e.source)];
  const value = e.kind === 'value' && e.value !== null ? String(e.value) : '';
  // '' (unset) is refused by the playbook's own validation, so a running server has a value.
  if (value === '' || LABELLED_PROXIES.includes(value)) return [];
  const prefixE = effective(input.layers, PREFIX_KEY);
  const prefix = prefixE.kind === 'value' && typeof prefixE.value === 'string' ? prefixE.value : '/auth';
  const domain = effective(input.layers, 'matrix_domain');
  const host = domain.kind === 'value' && typeof domain.value === 'string' ? `matrix.${domain.value}` : 'matrix.<your domain>';
  return [
    F(
      'proxy.own-webserver',
      'warn',
      'Your own web server must route MAS by hand',
      `${key} is "${value}": only Traefik (playbook-managed-traefik or other-traefik-container) gets MAS's routes from the containers' labels. ` +
        'With any other web server, logins keep going to Synapse unless you add the compatibility layer yourself.',
      `On ${host}, route to the matrix-authentication-service container (port 8080): ${prefix === '/' ? 'everything' : `the path prefix ${prefix}`}, and ` +
        '`/_matrix/client/*/login`, `/_matrix/client/*/logout` and `/_matrix/client/*/refresh` (regex `^/_matrix/client/[^/]+/(login|logout|refresh)`), after the cut-over. ' +
        "See the playbook's docs/configuring-playbook-own-webserver.md.",
      e.kind === 'value' ? e.source : varsLayer(input.layers).label,
    ),
  ];
}

/**
 * The operators' guide at the legacy generation: synapse-admin cannot edit users under MAS (that needs
 * MAS's admin API). Its successor Ketesa (current generation, matrix_ketesa_enabled) has full MAS
 * integration according to the current guide, so it is not flagged.
 */
function synapseAdmin(input: RuleInput): Finding[] {
  const key = 'matrix_synapse_admin_enabled';
  if (input.generation === 'current') return [];
  const b = effectiveBool(input.layers, key);
  if (b.value === 'cannot-judge') return [cannotJudge('service.synapse-admin-limited', key, b.source)];
  if (b.value !== true) return [];
  return [
    F(
      'service.synapse-admin-limited',
      'warn',
      'synapse-admin can no longer edit users',
      'With MAS, synapse-admin can still log in with an access token, browse users and change avatars, but editing users (passwords, etc.) has to go through the MAS admin API, which it cannot use.',
      'Accept it and edit users with `mas-cli manage` or the MAS admin API; a newer playbook replaces synapse-admin with Ketesa, which supports MAS fully.',
      b.source,
    ),
  ];
}

/** An inventory file that could not be read (ansible-vault without a password): said, never blocking. */
function opaqueFiles(input: RuleInput): Finding[] {
  return input.layers
    .filter((l) => l.opaque)
    .map((l) =>
      F(
        'inventory.file-unreadable',
        'info',
        `${l.label} could not be read`,
        `${l.label} is ${l.opaque}. Variables it sets are not seen here; everything else is judged from the other files, and the playbook itself will read it when it runs.`,
        'To have it judged too, point Ansible at the vault password (vault_password_file in ansible.cfg, or ANSIBLE_VAULT_PASSWORD_FILE) and run again.',
        l.label,
      ),
    );
}

export function runRules(input: RuleInput): Finding[] {
  const findings: Finding[] = [
    ...opaqueFiles(input),
    ...homeserver(input),
    ...validatedVersion(input),
    ...secret(input),
    ...pathPrefix(input),
    ...providers(input),
  ];
  for (const [id, key, title, detail] of SYNAPSE_BLOCKERS) findings.push(...mustBeOff(input, id, key, 'block', title, detail));
  const forced = locateKey(varsLayer(input.layers).parsed, 'matrix_synapse_password_config_enabled');
  if (forced && effectiveBool(input.layers.slice(0, 1), 'matrix_synapse_password_config_enabled').value === true) {
    findings.push(
      F(
        'synapse.password-config-forced',
        'block',
        'Synapse password login is forced on',
        'vars.yml sets matrix_synapse_password_config_enabled: true; the playbook turns it off for MAS by default and its validation fails when it is forced on.',
        'Remove the line (the wizard can do it).',
        varsSource(input, 'matrix_synapse_password_config_enabled'),
        [{ op: 'remove', key: 'matrix_synapse_password_config_enabled' }],
      ),
    );
  }
  findings.push(...oidc(input), ...email(input), ...services(input), ...synapseAdmin(input), ...bridges(input), ...ownWebserver(input));
  return findings;
}
