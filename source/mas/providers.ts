// MAS `upstream_oauth2.providers[]` (mas.md §1.1–1.3): a zod schema for every field plus the
// rules MAS enforces when it loads its config, and the checks MAS leaves to luck (endpoints
// with discovery off, duplicate ids). Values here are MAS's view: templates are bare
// (`{{ user.sub }}`); toVarsValue() adds the {% raw %} wrapping vars.yml needs.
import { z } from 'zod';
import { ulid } from 'ulid';
import type { VarsValue } from '../playbook/vars-edit.js';
import type { Finding } from '../preflight/finding.js';
import { unwrapRaw, wrapRaw } from './jinja-raw.js';

export const PROVIDERS_KEY = 'matrix_authentication_service_config_upstream_oauth2_providers';

export const AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'sign_in_with_apple'] as const;
export const JWS_ALGS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'none',
  'EdDSA',
  'ES256K',
  'Ed25519',
  'Ed448',
] as const;
export const DISCOVERY_MODES = ['oidc', 'insecure', 'disabled'] as const;
export const PKCE_METHODS = ['auto', 'always', 'never'] as const;
export const RESPONSE_MODES = ['query', 'form_post'] as const;
export const IMPORT_ACTIONS = ['ignore', 'suggest', 'force', 'require'] as const;
export const ON_CONFLICT = ['fail', 'add', 'replace', 'set'] as const;
export const BACKCHANNEL = ['do_nothing', 'logout_browser_only', 'logout_all'] as const;

/** Methods that need a client secret, and methods that must not have one (rules 2–3). */
const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);
/** Methods that need token_endpoint_auth_signing_alg; the rest must not have it (rules 4–5). */
const ALG_METHODS = new Set(['client_secret_jwt', 'private_key_jwt']);

// Canonical upper-case Crockford base32; the first character is 0–7 because a ULID is 128 bits.
const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
// RFC 6749 §3.3 scope-token characters.
const SCOPE_TOKEN_RE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

const urlString = z.string().refine((s) => URL.canParse(s), { message: 'not a valid URL' });

/** A MiniJinja template: only checks that {{ }} and {% %} pairs are closed, the typo MAS reports last. */
const template = z.string().superRefine((s, ctx) => {
  const opens = (s.match(/\{\{/g) ?? []).length + (s.match(/\{%/g) ?? []).length;
  const closes = (s.match(/\}\}/g) ?? []).length + (s.match(/%\}/g) ?? []).length;
  if (opens !== closes) ctx.addIssue({ code: 'custom', message: 'template has an unclosed {{ … }} or {% … %}' });
});

const action = z.enum(IMPORT_ACTIONS, { message: `must be one of ${IMPORT_ACTIONS.join(', ')}` });
const alg = z.enum(JWS_ALGS, { message: 'not a JWS algorithm MAS knows (e.g. RS256, ES256, HS256)' });

const claimsImports = z.object({
  subject: z.object({ template: template.nullish() }).optional(),
  skip_confirmation: z.boolean().optional(),
  localpart: z
    .object({
      action: action.optional(),
      template: template.nullish(),
      on_conflict: z.enum(ON_CONFLICT, { message: `must be one of ${ON_CONFLICT.join(', ')}` }).optional(),
    })
    .optional(),
  displayname: z.object({ action: action.optional(), template: template.nullish() }).optional(),
  email: z.object({ action: action.optional(), template: template.nullish() }).optional(),
  account_name: z.object({ template: template.nullish() }).optional(),
});

const signInWithApple = z.object({
  private_key_file: z.string().nullish(),
  private_key: z.string().nullish(),
  team_id: z.string().min(1, 'required for Sign in with Apple'),
  key_id: z.string().min(1, 'required for Sign in with Apple'),
});

const providerShape = z.object({
  enabled: z.boolean().optional(),
  id: z.string().regex(ULID_RE, 'must be a ULID: 26 characters of upper-case Crockford base32 (0-9, A-Z without I, L, O, U), starting with 0-7'),
  synapse_idp_id: z.string().min(1, 'must not be empty (leave it out instead)').nullish(),
  issuer: urlString.nullish(),
  human_name: z.string().nullish(),
  brand_name: z.string().nullish(),
  client_id: z.string({ message: 'required' }).min(1, 'required'),
  client_secret_file: z.string().min(1).nullish(),
  client_secret: z.string().min(1, 'must not be empty').nullish(),
  token_endpoint_auth_method: z.enum(AUTH_METHODS, { message: `required, one of ${AUTH_METHODS.join(', ')}` }),
  sign_in_with_apple: signInWithApple.nullish(),
  token_endpoint_auth_signing_alg: alg.nullish(),
  id_token_signed_response_alg: alg.optional(),
  scope: z
    .string()
    .refine((s) => s.split(' ').every((t) => SCOPE_TOKEN_RE.test(t)), {
      message: 'space-separated scope tokens, e.g. "openid profile email" (no quotes, backslashes or double spaces)',
    })
    .optional(),
  discovery_mode: z.enum(DISCOVERY_MODES, { message: `must be one of ${DISCOVERY_MODES.join(', ')}` }).optional(),
  pkce_method: z.enum(PKCE_METHODS, { message: `must be one of ${PKCE_METHODS.join(', ')}` }).optional(),
  fetch_userinfo: z.boolean().optional(),
  userinfo_signed_response_alg: alg.nullish(),
  authorization_endpoint: urlString.nullish(),
  userinfo_endpoint: urlString.nullish(),
  token_endpoint: urlString.nullish(),
  jwks_uri: urlString.nullish(),
  response_mode: z.enum(RESPONSE_MODES, { message: `must be one of ${RESPONSE_MODES.join(', ')}` }).nullish(),
  claims_imports: claimsImports.optional(),
  additional_authorization_parameters: z.record(z.string(), template).optional(),
  forward_login_hint: z.boolean().optional(),
  on_backchannel_logout: z.enum(BACKCHANNEL, { message: `must be one of ${BACKCHANNEL.join(', ')}` }).optional(),
  registration_token_required: z.boolean().optional(),
});

type Issue = { path: string[]; message: string };
type Loose = Partial<z.infer<typeof providerShape>>;

/**
 * MAS's load-time rules (UpstreamOAuth2Config::validate) and the wizard's own. They run on
 * the raw input too, so an operator sees every problem at once, not only the type errors.
 */
function ruleIssues(p: Loose): Issue[] {
  const out: Issue[] = [];
  const issue = (path: string[], message: string) => out.push({ path, message });
  const discovery = p.discovery_mode ?? 'oidc';
  const hasSecret = p.client_secret != null || p.client_secret_file != null;
  // 1. issuer is needed for discovery
  if (discovery !== 'disabled' && p.issuer == null)
    issue(['issuer'], 'required while discovery is enabled (set discovery_mode to disabled to use fixed endpoints)');
  // Not checked by MAS at load: it only logs an error at sync and logins fail.
  if (discovery === 'disabled') {
    if (p.authorization_endpoint == null) issue(['authorization_endpoint'], 'required when discovery is disabled');
    if (p.token_endpoint == null) issue(['token_endpoint'], 'required when discovery is disabled');
  }
  if (p.client_secret != null && p.client_secret_file != null) issue(['client_secret_file'], 'cannot specify both client_secret and client_secret_file');
  // Rules 2–6 depend on the method; an unknown one is already a type error of its own.
  const method = p.token_endpoint_auth_method;
  if (method !== undefined && (AUTH_METHODS as readonly string[]).includes(method)) methodRules(p, method, hasSecret, issue);
  claimsRules(p, issue);
  return out;
}

function methodRules(p: Loose, method: string, hasSecret: boolean, issue: (path: string[], message: string) => void) {
  // 2–3. client secret vs method
  if (SECRET_METHODS.has(method) && !hasSecret) issue(['client_secret'], `required for ${method}`);
  if (!SECRET_METHODS.has(method) && hasSecret) issue([p.client_secret != null ? 'client_secret' : 'client_secret_file'], `not allowed with ${method}`);
  // 4–5. signing alg vs method
  if (ALG_METHODS.has(method) && p.token_endpoint_auth_signing_alg == null) issue(['token_endpoint_auth_signing_alg'], `required for ${method}`);
  if (!ALG_METHODS.has(method) && p.token_endpoint_auth_signing_alg != null) issue(['token_endpoint_auth_signing_alg'], `not allowed with ${method}`);
  // 6. Sign in with Apple block
  if (method === 'sign_in_with_apple' && p.sign_in_with_apple == null)
    issue(['sign_in_with_apple', 'team_id'], 'required for sign_in_with_apple (team id and key id)');
  if (method !== 'sign_in_with_apple' && p.sign_in_with_apple != null) issue(['sign_in_with_apple'], `not allowed with ${method}`);
  if (method === 'sign_in_with_apple' && p.sign_in_with_apple && p.sign_in_with_apple.private_key == null && p.sign_in_with_apple.private_key_file == null) {
    issue(['sign_in_with_apple', 'private_key_file'], 'a private key (file or inline) is required for Sign in with Apple');
  }
}

function claimsRules(p: Loose, issue: (path: string[], message: string) => void) {
  // 7. skip_confirmation
  const ci = p.claims_imports;
  const localpartAction = ci?.localpart?.action ?? 'ignore';
  if (ci?.skip_confirmation) {
    if (localpartAction !== 'require') issue(['claims_imports', 'localpart', 'action'], 'must be require when skip_confirmation is on');
    if (ci.displayname?.action === 'suggest') issue(['claims_imports', 'displayname', 'action'], 'must not be suggest when skip_confirmation is on');
    if (ci.email?.action === 'suggest') issue(['claims_imports', 'email', 'action'], 'must not be suggest when skip_confirmation is on');
  }
  // 8. on_conflict other than fail needs an imported localpart
  const onConflict = ci?.localpart?.on_conflict ?? 'fail';
  if (onConflict !== 'fail' && localpartAction !== 'force' && localpartAction !== 'require') {
    issue(['claims_imports', 'localpart', 'on_conflict'], `${onConflict} needs localpart action force or require`);
  }
}

/** The provider schema with the load-time rules, for callers that want one zod schema. */
export const providerSchema = providerShape.superRefine((p, ctx) => {
  for (const i of ruleIssues(p)) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
});

export type Provider = z.infer<typeof providerShape>;

export interface FieldError {
  /** Dotted path inside the provider, e.g. "claims_imports.localpart.action". */
  path: string;
  message: string;
}

export function newProviderId(): string {
  return ulid();
}

/** Validate one provider (templates bare or raw-wrapped); errors carry the field path. */
export function checkProvider(input: unknown): { ok: true; provider: Provider } | { ok: false; errors: FieldError[] } {
  const raw = unwrapTemplates(input);
  const result = providerShape.safeParse(raw);
  const rules = isPlainObject(raw) ? ruleIssues(raw as Loose) : [];
  if (result.success && rules.length === 0) return { ok: true, provider: result.data };
  const errors: FieldError[] = result.success
    ? []
    : result.error.issues.map((i) => ({
        path: i.path.map(String).join('.') || '(provider)',
        message: i.code === 'invalid_type' && i.input === undefined ? 'required' : i.message,
      }));
  for (const r of rules) {
    const path = r.path.join('.');
    if (!errors.some((e) => e.path === path)) errors.push({ path, message: r.message });
  }
  return { ok: false, errors };
}

// Keys MAS knows; anything else it ignores without a word (mas.md §1.1, last paragraph).
const KNOWN: Record<string, string[]> = {
  '': Object.keys(providerShape.shape),
  claims_imports: Object.keys(claimsImports.shape),
  'claims_imports.subject': ['template'],
  'claims_imports.localpart': ['action', 'template', 'on_conflict'],
  'claims_imports.displayname': ['action', 'template'],
  'claims_imports.email': ['action', 'template'],
  'claims_imports.account_name': ['template'],
  sign_in_with_apple: Object.keys(signInWithApple.shape),
};
const REMOVED: Record<string, string> = {
  'claims_imports.email.set_email_verification': 'removed in MAS 0.13 (every imported email now counts as verified)',
  jwks: "not a provider field: private_key_jwt signs with MAS's own secrets.keys",
};

/** Keys MAS would silently ignore, with a reason where one is known. */
export function unknownKeys(input: unknown): { path: string; note: string }[] {
  const out: { path: string; note: string }[] = [];
  const walk = (value: unknown, at: string) => {
    if (!isPlainObject(value)) return;
    for (const key of Object.keys(value)) {
      const path = at ? `${at}.${key}` : key;
      if (!KNOWN[at]?.includes(key)) out.push({ path, note: REMOVED[path] ?? 'unknown key, ignored by MAS' });
      else if (KNOWN[path]) walk(value[key], path);
    }
  };
  walk(input, '');
  return out;
}

/**
 * Validate the whole providers list as read from vars.yml; gives `mas.provider-invalid`
 * (block) and `mas.unknown-provider-keys` (warn) findings.
 */
export function validateProviders(list: unknown, source: string): { providers: Provider[]; findings: Finding[] } {
  const findings: Finding[] = [];
  if (list === undefined || list === null) return { providers: [], findings };
  if (!Array.isArray(list)) {
    return { providers: [], findings: [invalidFinding([`${PROVIDERS_KEY}: must be a list of providers`], source)] };
  }
  const problems: string[] = [];
  const unknown: string[] = [];
  const providers: Provider[] = [];
  list.forEach((entry, i) => {
    const res = checkProvider(entry);
    if (res.ok) providers.push(res.provider);
    else problems.push(...res.errors.map((e) => `providers[${i}].${e.path}: ${e.message}`));
    unknown.push(...unknownKeys(entry).map((u) => `providers[${i}].${u.path}: ${u.note}`));
  });
  problems.push(...duplicateProblems(providers));
  if (problems.length > 0) findings.push(invalidFinding(problems, source));
  if (unknown.length > 0) {
    findings.push({
      id: 'mas.unknown-provider-keys',
      severity: 'warn',
      title: 'Upstream provider settings that MAS ignores',
      detail: `MAS does not reject unknown keys; these have no effect:\n${unknown.join('\n')}`,
      fix: 'Remove or rename these keys; a typo here silently falls back to the default.',
      source,
    });
  }
  return { providers, findings };
}

/** Duplicate ids and synapse_idp_ids: MAS and syn2mas silently use the first match. */
export function duplicateProblems(providers: Provider[]): string[] {
  const out: string[] = [];
  const seen = (key: 'id' | 'synapse_idp_id') => {
    const at = new Map<string, number>();
    providers.forEach((p, i) => {
      const v = p[key];
      if (v == null) return;
      if (at.has(v)) out.push(`providers[${i}].${key}: same as providers[${at.get(v)}] ("${v}")`);
      else at.set(v, i);
    });
  };
  seen('id');
  seen('synapse_idp_id');
  return out;
}

function invalidFinding(problems: string[], source: string): Finding {
  return {
    id: 'mas.provider-invalid',
    severity: 'block',
    title: 'An upstream OAuth2 provider is not valid for MAS',
    detail: problems.join('\n'),
    fix: `Correct ${PROVIDERS_KEY} in vars.yml (or re-enter the provider in the wizard's providers step).`,
    source,
  };
}

// Only these hold MAS templates; other strings (client_secret: "{{ vault_x }}") are Ansible's.
const TEMPLATE_PATHS = [
  ['claims_imports', 'subject', 'template'],
  ['claims_imports', 'localpart', 'template'],
  ['claims_imports', 'displayname', 'template'],
  ['claims_imports', 'email', 'template'],
  ['claims_imports', 'account_name', 'template'],
];

function mapTemplates(input: unknown, f: (s: string) => string): unknown {
  if (!isPlainObject(input)) return input;
  const out = structuredClone(input) as Record<string, unknown>;
  for (const path of TEMPLATE_PATHS) {
    let node: unknown = out;
    for (const key of path.slice(0, -1)) node = isPlainObject(node) ? node[key] : undefined;
    const last = path[path.length - 1];
    if (isPlainObject(node) && typeof node[last] === 'string') node[last] = f(node[last] as string);
  }
  const params = out.additional_authorization_parameters;
  if (isPlainObject(params)) {
    for (const k of Object.keys(params)) if (typeof params[k] === 'string') params[k] = f(params[k] as string);
  }
  return out;
}

function unwrapTemplates(input: unknown): unknown {
  return mapTemplates(input, unwrapRaw);
}

/** The value to write as PROVIDERS_KEY: nulls dropped, MAS templates wrapped in {% raw %}. */
export function toVarsValue(providers: Provider[]): VarsValue {
  return providers.map((p) => dropNulls(mapTemplates(p, wrapRaw)) as VarsValue);
}

function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = dropNulls(v);
  return out;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where the provider's redirect URI lives, to register at the identity provider. */
export function callbackUrl(publicBase: string, id: string): string {
  return `${publicBase.replace(/\/?$/, '/')}upstream/callback/${id}`;
}

/** Literal secrets inside providers (not Ansible references), for the redactor. */
export function providerSecrets(providers: Provider[]): string[] {
  const literal = (v: string | null | undefined): v is string => typeof v === 'string' && v !== '' && !/^\s*\{\{[\s\S]*\}\}\s*$/.test(v);
  return providers.flatMap((p) => [p.client_secret, p.sign_in_with_apple?.private_key].filter(literal));
}
