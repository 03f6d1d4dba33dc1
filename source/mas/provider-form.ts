// The provider form as plain data: one string per field, named by its dotted MAS path, so
// a validation error lands on the field the operator is typing in. The screen renders
// PROVIDER_FIELDS; formToProvider() turns what was typed into a checked Provider.
import {
  AUTH_METHODS,
  BACKCHANNEL,
  DISCOVERY_MODES,
  IMPORT_ACTIONS,
  JWS_ALGS,
  ON_CONFLICT,
  PKCE_METHODS,
  RESPONSE_MODES,
  checkProvider,
  type FieldError,
  type Provider,
  isPlainObject,
} from './providers.js';

export type ProviderForm = Record<string, string>;

export interface FieldSpec {
  path: string;
  label: string;
  kind: 'text' | 'secret' | 'choice' | 'bool';
  /** For choice fields; '' means "not set" (MAS default). */
  options?: readonly string[];
  help: string;
  /** Hidden fields are neither shown nor written. */
  shown?: (form: ProviderForm) => boolean;
}

const needsSecret = (f: ProviderForm) => ['client_secret_basic', 'client_secret_post', 'client_secret_jwt'].includes(f.token_endpoint_auth_method);
const needsAlg = (f: ProviderForm) => ['client_secret_jwt', 'private_key_jwt'].includes(f.token_endpoint_auth_method);
const isApple = (f: ProviderForm) => f.token_endpoint_auth_method === 'sign_in_with_apple';
const opt = (values: readonly string[]) => ['', ...values];

export const PROVIDER_FIELDS: FieldSpec[] = [
  { path: 'id', label: 'Provider id (ULID)', kind: 'text', help: 'Fixed once users link to it; part of the callback URL.' },
  { path: 'human_name', label: 'Button label', kind: 'text', help: 'Shown on the login page, e.g. "Company SSO".' },
  {
    path: 'brand_name',
    label: 'Brand',
    kind: 'choice',
    options: opt(['google', 'github', 'gitlab', 'apple', 'facebook', 'twitter', 'discord']),
    help: 'Logo on the button.',
  },
  {
    path: 'synapse_idp_id',
    label: 'Synapse idp id',
    kind: 'text',
    help: 'oidc-<idp_id> from Synapse, so syn2mas can move linked users. Empty for a new provider.',
  },
  { path: 'issuer', label: 'Issuer URL', kind: 'text', help: 'Must equal "issuer" in <issuer>/.well-known/openid-configuration.' },
  {
    path: 'discovery_mode',
    label: 'Discovery',
    kind: 'choice',
    options: DISCOVERY_MODES,
    help: 'oidc (strict), insecure (no checks), disabled (fixed endpoints below).',
  },
  { path: 'client_id', label: 'Client id', kind: 'text', help: 'From the identity provider.' },
  {
    path: 'token_endpoint_auth_method',
    label: 'Client auth method',
    kind: 'choice',
    options: AUTH_METHODS,
    help: 'How MAS proves itself at the token endpoint.',
  },
  { path: 'client_secret', label: 'Client secret', kind: 'secret', shown: needsSecret, help: 'Stored in vars.yml only; never shown again.' },
  {
    path: 'token_endpoint_auth_signing_alg',
    label: 'Client auth signing alg',
    kind: 'choice',
    options: JWS_ALGS,
    shown: needsAlg,
    help: 'Required for the JWT methods.',
  },
  { path: 'sign_in_with_apple.team_id', label: 'Apple team id', kind: 'text', shown: isApple, help: 'From the Apple Developer portal.' },
  { path: 'sign_in_with_apple.key_id', label: 'Apple key id', kind: 'text', shown: isApple, help: 'From the Apple Developer portal.' },
  { path: 'sign_in_with_apple.private_key_file', label: 'Apple private key file', kind: 'text', shown: isApple, help: 'Path inside the MAS container.' },
  { path: 'scope', label: 'Scopes', kind: 'text', help: 'Space-separated; default "openid".' },
  { path: 'pkce_method', label: 'PKCE', kind: 'choice', options: opt(PKCE_METHODS), help: 'auto uses PKCE when discovery says it is supported.' },
  { path: 'fetch_userinfo', label: 'Fetch userinfo', kind: 'bool', help: 'Also read claims from the userinfo endpoint.' },
  { path: 'response_mode', label: 'Response mode', kind: 'choice', options: opt(RESPONSE_MODES), help: 'Apple needs form_post.' },
  { path: 'id_token_signed_response_alg', label: 'ID token alg', kind: 'choice', options: opt(JWS_ALGS), help: 'Default RS256.' },
  { path: 'userinfo_signed_response_alg', label: 'Userinfo alg', kind: 'choice', options: opt(JWS_ALGS), help: 'Empty: userinfo is plain JSON.' },
  { path: 'authorization_endpoint', label: 'Authorization endpoint', kind: 'text', help: 'Overrides discovery; required when discovery is disabled.' },
  { path: 'token_endpoint', label: 'Token endpoint', kind: 'text', help: 'Overrides discovery; required when discovery is disabled.' },
  { path: 'userinfo_endpoint', label: 'Userinfo endpoint', kind: 'text', help: 'Overrides discovery.' },
  { path: 'jwks_uri', label: 'JWKS URI', kind: 'text', help: 'Overrides discovery; without it signed tokens cannot be checked.' },
  { path: 'claims_imports.subject.template', label: 'Subject template', kind: 'text', help: 'Default {{ user.sub }}. Never change it once users are linked.' },
  {
    path: 'claims_imports.localpart.action',
    label: 'Username: import',
    kind: 'choice',
    options: opt(IMPORT_ACTIONS),
    help: 'ignore, suggest, force (if present), require (fail if missing).',
  },
  { path: 'claims_imports.localpart.template', label: 'Username template', kind: 'text', help: 'Default {{ user.preferred_username }}.' },
  {
    path: 'claims_imports.localpart.on_conflict',
    label: 'Username taken',
    kind: 'choice',
    options: opt(ON_CONFLICT),
    help: 'fail (default); add/replace/set link to the existing account.',
  },
  {
    path: 'claims_imports.displayname.action',
    label: 'Display name: import',
    kind: 'choice',
    options: opt(IMPORT_ACTIONS),
    help: 'How to use the display name claim.',
  },
  { path: 'claims_imports.displayname.template', label: 'Display name template', kind: 'text', help: 'Default {{ user.name }}.' },
  { path: 'claims_imports.email.action', label: 'Email: import', kind: 'choice', options: opt(IMPORT_ACTIONS), help: 'How to use the email claim.' },
  { path: 'claims_imports.email.template', label: 'Email template', kind: 'text', help: 'Default {{ user.email }}.' },
  { path: 'claims_imports.account_name.template', label: 'Account name template', kind: 'text', help: 'Shown to users for the linked account.' },
  { path: 'claims_imports.skip_confirmation', label: 'Skip confirmation', kind: 'bool', help: 'Needs username import = require, no "suggest" below.' },
  { path: 'additional_authorization_parameters', label: 'Extra auth parameters', kind: 'text', help: 'key=value; key=value (values are MAS templates).' },
  { path: 'on_backchannel_logout', label: 'Back-channel logout', kind: 'choice', options: opt(BACKCHANNEL), help: 'What an IdP logout does in MAS.' },
  { path: 'registration_token_required', label: 'Registration token', kind: 'bool', help: 'Ask new users for a registration token.' },
  { path: 'enabled', label: 'Enabled', kind: 'bool', help: 'A disabled provider is hidden from the login page.' },
];

export function visibleFields(form: ProviderForm): FieldSpec[] {
  return PROVIDER_FIELDS.filter((f) => !f.shown || f.shown(form));
}

/** A new provider's form: a fresh ULID and the common choices; everything else MAS's default. */
export function emptyForm(id: string): ProviderForm {
  const form: ProviderForm = Object.fromEntries(PROVIDER_FIELDS.map((f) => [f.path, '']));
  return {
    ...form,
    id,
    discovery_mode: 'oidc',
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'openid profile email',
    'claims_imports.localpart.action': 'require',
    'claims_imports.displayname.action': 'suggest',
    'claims_imports.email.action': 'suggest',
  };
}

function parseParams(text: string): { value?: Record<string, string>; error?: string } {
  const value: Record<string, string> = {};
  const entries = text
    .split(';')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  for (const [i, entry] of entries.entries()) {
    const eq = entry.indexOf('=');
    if (eq <= 0) return { error: `entry ${i + 1} needs the form key=value` };
    value[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  return { value };
}

function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

/** Build and check the provider; every error names a form field (its dotted path). */
export function formToProvider(form: ProviderForm): { ok: true; provider: Provider } | { ok: false; errors: FieldError[] } {
  const raw: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  for (const field of visibleFields(form)) {
    const text = form[field.path] ?? '';
    const value = field.kind === 'secret' ? text : text.trim();
    if (value === '') continue;
    if (field.kind === 'bool') {
      if (value !== 'true' && value !== 'false') errors.push({ path: field.path, message: 'must be true or false' });
      else setPath(raw, field.path, value === 'true');
    } else if (field.path === 'additional_authorization_parameters') {
      const parsed = parseParams(value);
      if (parsed.error) errors.push({ path: field.path, message: parsed.error });
      else setPath(raw, field.path, parsed.value);
    } else {
      setPath(raw, field.path, value);
    }
  }
  const res = checkProvider(raw);
  if (res.ok && errors.length === 0) return res;
  const all = [...errors, ...(res.ok ? [] : res.errors)];
  // Errors on a whole block (e.g. sign_in_with_apple) belong to its first shown field.
  return { ok: false, errors: all.map((e) => ({ ...e, path: fieldFor(e.path, form) })) };
}

function fieldFor(path: string, form: ProviderForm): string {
  const shown = visibleFields(form).map((f) => f.path);
  if (shown.includes(path)) return path;
  return shown.find((p) => p.startsWith(`${path}.`) || path.startsWith(`${p}.`)) ?? path;
}

/** The form for an existing provider (for review and editing). Secrets are carried, never shown. */
export function providerToForm(provider: Provider): ProviderForm {
  const form = emptyForm(provider.id);
  for (const f of PROVIDER_FIELDS) form[f.path] = '';
  for (const field of PROVIDER_FIELDS) {
    let node: unknown = provider;
    for (const key of field.path.split('.')) node = isPlainObject(node) ? node[key] : undefined;
    if (node == null) continue;
    if (field.path === 'additional_authorization_parameters' && isPlainObject(node)) {
      form[field.path] = Object.entries(node)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join('; ');
    } else {
      form[field.path] = String(node);
    }
  }
  return form;
}
