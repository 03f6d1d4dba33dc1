// Synapse's OIDC providers (the playbook's `matrix_synapse_oidc_providers`, Synapse format)
// → MAS upstream providers, following `mas-cli config generate --synapse-config`
// (MAS crates/syn2mas/src/synapse_reader/config/oidc.rs, mas.md §1.4), plus the link syn2mas
// needs between the two: `synapse_idp_id` (current) or `--upstreamProviderMapping` (legacy).
import type { VarsEdit } from '../playbook/vars-edit.js';
import { isAnsibleReference, unwrapRaw } from './jinja-raw.js';
import { AUTH_METHODS, checkProvider, isPlainObject, newProviderId, type FieldError, type Provider } from './providers.js';

export type Generation = 'current' | 'legacy';

export interface ConvertedProvider {
  /** Synapse's auth_provider id as stored in user_external_ids: "oidc-<idp_id>" (or "oidc"). */
  synapseIdpId: string;
  provider: Provider;
}

export interface ConvertResult {
  converted: ConvertedProvider[];
  /** Legacy only: entries for matrix_authentication_service_syn2mas_process_extra_arguments. */
  mappingArgs: string[];
  /** Things that did not carry over, per Synapse provider, in words. */
  warnings: string[];
  /** Synapse entries that could not become a valid MAS provider, with field errors. */
  failures: { synapseIdpId: string; errors: FieldError[] }[];
  /** Client secrets (literal values only) for the redactor. */
  secrets: string[];
}

/** Synapse prefixes idp ids with "oidc-", except a missing id or the literal "oidc". */
export function synapseAuthProvider(idpId: unknown): string {
  if (idpId === undefined || idpId === null || idpId === '' || idpId === 'oidc') return 'oidc';
  return `oidc-${String(idpId)}`;
}

// Synapse filters MAS has no equivalent for; localpart_from_email is rewritten below.
const UNSUPPORTED_FILTERS = ['mxc_to_http', 'format_ts'];

/** A Synapse Jinja mapping template as a MAS template: same `user` variable, one filter rewritten. */
export function translateTemplate(synapse: string): { template: string; warning?: string } {
  // Filters chain left to right, so `x | localpart_from_email` is exactly `x | split('@') | first`.
  const template = unwrapRaw(synapse).replace(/\|\s*localpart_from_email\b/g, "| split('@') | first");
  const bad = UNSUPPORTED_FILTERS.find((f) => new RegExp(`\\|\\s*${f}\\b`).test(template));
  return bad ? { template, warning: `uses the Synapse-only filter ${bad}, which MAS does not have` } : { template };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Convert one Synapse provider entry (any shape) into a MAS provider candidate. */
function convertOne(entry: Record<string, unknown>, id: string, generation: Generation, warn: (m: string) => void): Record<string, unknown> {
  const out: Record<string, unknown> = { id };
  const idp = synapseAuthProvider(entry.idp_id);
  if (generation === 'current') out.synapse_idp_id = idp;
  if (str(entry.issuer)) out.issuer = entry.issuer;
  if (str(entry.idp_name)) out.human_name = entry.idp_name;
  if (str(entry.idp_brand)) out.brand_name = entry.idp_brand;
  if (entry.client_id !== undefined) out.client_id = String(entry.client_id);
  if (str(entry.client_secret)) out.client_secret = entry.client_secret;
  if (entry.client_secret_path !== undefined) warn('client_secret_path is not supported by MAS: paste the secret into client_secret');
  if (entry.client_secret_jwt_key !== undefined) warn('client_secret_jwt_key is not supported by MAS and was dropped');
  if (entry.attribute_requirements !== undefined) warn('attribute_requirements has no MAS equivalent and was dropped (use a MAS policy instead)');
  if (entry.id_token_signing_alg_values_supported !== undefined)
    warn('id_token_signing_alg_values_supported was dropped; set id_token_signed_response_alg if needed');
  // MAS's own converter maps this inverted (mas.md §1.4); the wizard leaves the MAS default and says so.
  if (entry.backchannel_logout_enabled === true)
    warn('backchannel_logout_enabled: choose on_backchannel_logout (logout_browser_only or logout_all) in the form');
  if (entry.enable_registration === false) warn('enable_registration: false has no MAS equivalent; new users can still register through this provider');

  const method = entry.client_auth_method;
  if (typeof method === 'string' && (AUTH_METHODS as readonly string[]).includes(method)) out.token_endpoint_auth_method = method;
  else {
    if (method !== undefined) warn(`client_auth_method ${String(method)} is unknown; using the default`);
    out.token_endpoint_auth_method = out.client_secret !== undefined ? 'client_secret_basic' : 'none';
  }
  out.discovery_mode = entry.discover === false ? 'disabled' : entry.skip_verification === true ? 'insecure' : 'oidc';
  if (entry.pkce_method !== undefined) {
    if (['auto', 'always', 'never'].includes(String(entry.pkce_method))) out.pkce_method = entry.pkce_method;
    else warn(`pkce_method ${String(entry.pkce_method)} is unknown; using auto`);
  }
  const scopes = Array.isArray(entry.scopes) ? entry.scopes.map(String) : ['openid'];
  out.scope = scopes.join(' ');
  const profile = entry.user_profile_method ?? 'auto';
  out.fetch_userinfo = profile === 'userinfo_endpoint' ? true : scopes.includes('openid');
  if (profile !== 'auto' && profile !== 'userinfo_endpoint') warn(`user_profile_method ${String(profile)} is unknown; treated as auto`);
  for (const k of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri']) if (str(entry[k])) out[k] = entry[k];

  if (isPlainObject(entry.additional_authorization_parameters)) {
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(entry.additional_authorization_parameters)) {
      if (k === 'response_mode') {
        const mode = String(v).toLowerCase();
        if (mode === 'query' || mode === 'form_post') out.response_mode = mode;
        else warn(`response_mode ${String(v)} is not query or form_post and was dropped`);
      } else params[k] = String(v);
    }
    if (Object.keys(params).length > 0) out.additional_authorization_parameters = params;
  }
  if (entry.forward_login_hint === true) {
    const params = (out.additional_authorization_parameters ?? {}) as Record<string, string>;
    params.login_hint ??= '{{ params.login_hint }}';
    out.additional_authorization_parameters = params;
  }

  const mapping = isPlainObject(entry.user_mapping_provider) ? entry.user_mapping_provider : {};
  const module = mapping.module;
  if (
    module !== undefined &&
    module !== 'synapse.handlers.oidc.JinjaOidcMappingProvider' &&
    module !== 'synapse.handlers.oidc_handler.JinjaOidcMappingProvider'
  ) {
    warn(`user mapping module ${String(module)} is not the Jinja one; set the claims imports by hand`);
    return out;
  }
  const cfg = isPlainObject(mapping.config) ? mapping.config : {};
  const confirm = cfg.confirm_localpart === true;
  const claims: Record<string, unknown> = {};
  const tpl = (name: string, value: unknown): string | undefined => {
    if (!str(value)) return undefined;
    const t = translateTemplate(value as string);
    if (t.warning) warn(`${name} ${t.warning}`);
    return t.template;
  };
  const subject = str(cfg.subject_template)
    ? tpl('subject_template', cfg.subject_template)
    : str(cfg.subject_claim)
      ? `{{ user.${String(cfg.subject_claim)} }}`
      : undefined;
  if (subject) claims.subject = { template: subject };
  const localpart = tpl('localpart_template', cfg.localpart_template);
  if (localpart) claims.localpart = { action: confirm ? 'suggest' : 'require', template: localpart };
  const display = tpl('display_name_template', cfg.display_name_template);
  if (display) claims.displayname = { action: confirm ? 'suggest' : 'force', template: display };
  const email = tpl('email_template', cfg.email_template);
  if (email) claims.email = { action: confirm ? 'suggest' : 'force', template: email };
  if (cfg.picture_claim !== undefined || cfg.extra_attributes !== undefined) warn('picture_claim / extra_attributes have no MAS equivalent and were dropped');
  if (Object.keys(claims).length > 0) out.claims_imports = claims;
  return out;
}

/**
 * Convert `matrix_synapse_oidc_providers` (the parsed YAML value). `newId` makes each MAS id
 * (a fresh ULID by default); pass a fixed one in tests.
 */
export function convertSynapseOidc(value: unknown, generation: Generation, newId: () => string = newProviderId): ConvertResult {
  const result: ConvertResult = { converted: [], mappingArgs: [], warnings: [], failures: [], secrets: [] };
  if (value === undefined || value === null) return result;
  if (!Array.isArray(value)) {
    result.warnings.push('matrix_synapse_oidc_providers is not a list; nothing converted');
    return result;
  }
  value.forEach((entry, i) => {
    if (!isPlainObject(entry)) {
      result.warnings.push(`entry ${i + 1} is not a mapping; skipped`);
      return;
    }
    const idp = synapseAuthProvider(entry.idp_id);
    const warn = (m: string) => result.warnings.push(`${idp}: ${m}`);
    if (typeof entry.client_secret === 'string' && entry.client_secret !== '' && !isAnsibleReference(entry.client_secret)) {
      result.secrets.push(entry.client_secret);
    }
    const candidate = convertOne(entry, newId(), generation, warn);
    const checked = checkProvider(candidate);
    if (!checked.ok) {
      result.failures.push({ synapseIdpId: idp, errors: checked.errors });
      return;
    }
    result.converted.push({ synapseIdpId: idp, provider: checked.provider });
    if (generation === 'legacy') result.mappingArgs.push(`--upstreamProviderMapping ${idp}:${checked.provider.id}`);
  });
  const seen = new Set<string>();
  for (const c of result.converted) {
    if (seen.has(c.synapseIdpId)) result.warnings.push(`${c.synapseIdpId}: two Synapse providers share this id; syn2mas uses the first`);
    seen.add(c.synapseIdpId);
  }
  return result;
}

/** The `matrix_synapse_oidc_*` keys present in vars.yml, as remove edits for the cut-over. */
export function oidcRemovalEdits(varsKeys: Iterable<string>): VarsEdit[] {
  return [...varsKeys]
    .filter((k) => k.startsWith('matrix_synapse_oidc_'))
    .sort()
    .map((key) => ({ op: 'remove', key }));
}

/** The legacy playbook's variable for the mapping arguments (playbook.md §2.2). */
export const LEGACY_MAPPING_KEY = 'matrix_authentication_service_syn2mas_process_extra_arguments';
