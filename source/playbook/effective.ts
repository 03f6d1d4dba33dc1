// The value the playbook would really use for a variable: the operator's vars.yml, else
// group_vars/matrix_servers (the playbook's effective defaults), else the role defaults,
// else what reference/playbook.md documents. A Jinja expression or a `!vault` value is
// "cannot judge" — a distinct answer, never a guess.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isScalar } from 'yaml';
import type { Checkout } from './checkout.js';
import { locateKey, parseVars, type ParsedVars } from './vars-file.js';

export interface VarsLayer {
  /** Shown in findings, e.g. "inventory/host_vars/matrix.example.org/vars.yml". */
  label: string;
  kind: 'vars' | 'group_vars' | 'role';
  parsed: ParsedVars;
}

export type Effective =
  | { kind: 'value'; value: unknown; from: VarsLayer['kind'] | 'documented'; source: string }
  | { kind: 'cannot-judge'; reason: 'jinja' | 'vault'; raw: string; from: VarsLayer['kind']; source: string }
  | { kind: 'unset' };

/**
 * Effective defaults documented in reference/playbook.md §1.1 and §5 (group_vars over role
 * defaults), used when the checkout's own files are not at hand (`preflight --vars FILE`).
 */
export const DOCUMENTED_DEFAULTS: Record<string, unknown> = {
  matrix_homeserver_implementation: 'synapse',
  matrix_authentication_service_enabled: false,
  matrix_authentication_service_migration_in_progress: false,
  matrix_authentication_service_path_prefix: '/auth',
  matrix_authentication_service_config_secrets_encryption: '',
  matrix_authentication_service_config_upstream_oauth2_providers: [],
  exim_relay_enabled: true,
  matrix_synapse_ext_password_provider_shared_secret_auth_enabled: false,
  matrix_synapse_ext_password_provider_rest_auth_enabled: false,
  matrix_synapse_ext_password_provider_ldap_enabled: false,
  matrix_synapse_enable_registration: false,
  matrix_synapse_enable_registration_captcha: false,
  matrix_synapse_cas_config_enabled: false,
  matrix_synapse_allow_guest_access: false,
  matrix_synapse_oidc_enabled: false,
  matrix_synapse_oidc_providers: [],
  matrix_bridge_postmoogle_enabled: false,
  matrix_bot_matrix_reminder_bot_enabled: false,
  matrix_corporal_enabled: false,
  matrix_bridge_hookshot_enabled: false,
  matrix_bridges_encryption_enabled: false,
  matrix_appservice_double_puppet_enabled: false,
  matrix_playbook_reverse_proxy_type: '',
  matrix_synapse_admin_enabled: false,
  matrix_ketesa_enabled: false,
  matrix_playbook_docker_installation_enabled: true,
  postgres_enabled: true,
};

const ROLE_DEFAULTS = [
  'roles/custom/matrix-authentication-service/defaults/main.yml',
  'roles/custom/matrix-synapse/defaults/main.yml',
  'roles/custom/matrix-base/defaults/main.yml',
];

function layerFrom(file: string, label: string, kind: VarsLayer['kind']): VarsLayer | null {
  if (!existsSync(file)) return null;
  try {
    return { label, kind, parsed: parseVars(readFileSync(file, 'utf8'), label) };
  } catch {
    return null; // a playbook file we cannot read as YAML is skipped; documented defaults still apply
  }
}

/** The layers for one host, highest priority first. */
export function layersFor(varsFile: ParsedVars, varsLabel: string, checkout?: Checkout): VarsLayer[] {
  const layers: VarsLayer[] = [{ label: varsLabel, kind: 'vars', parsed: varsFile }];
  if (checkout) {
    if (checkout.groupVarsFile) {
      const g = layerFrom(checkout.groupVarsFile, 'group_vars/matrix_servers', 'group_vars');
      if (g) layers.push(g);
    }
    // Role defaults only count under group_vars (which overrides many of them, e.g. enabled=true
    // in the role but false effectively); without group_vars the documented defaults are truer.
    for (const rel of checkout.groupVarsFile ? ROLE_DEFAULTS : []) {
      const r = layerFrom(path.join(checkout.dir, rel), rel, 'role');
      if (r) layers.push(r);
    }
  }
  return layers;
}

const hasJinja = (s: string) => /\{\{|\{%/.test(s.replace(/\{%-?\s*raw\s*-?%\}[\s\S]*?\{%-?\s*endraw\s*-?%\}/g, ''));

export function effective(layers: readonly VarsLayer[], key: string): Effective {
  for (const layer of layers) {
    const loc = locateKey(layer.parsed, key);
    if (!loc) continue;
    const source = `${layer.label}:${loc.line}`;
    const value = layer.parsed.values[key];
    if (loc.tag === '!vault') return { kind: 'cannot-judge', reason: 'vault', raw: String(value), from: layer.kind, source };
    if (typeof value === 'string' && hasJinja(value)) return { kind: 'cannot-judge', reason: 'jinja', raw: value, from: layer.kind, source };
    if (isScalar(loc.node) || loc.node === null || value !== undefined) return { kind: 'value', value: value ?? null, from: layer.kind, source };
  }
  if (key in DOCUMENTED_DEFAULTS) return { kind: 'value', value: DOCUMENTED_DEFAULTS[key], from: 'documented', source: 'documented default (reference/playbook.md)' };
  return { kind: 'unset' };
}

/** Ansible's `| bool`: yes/on/true/1 → true; no/off/false/0/'' → false; anything else cannot be judged. */
export function toBool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === null || value === undefined) return false;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : null;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (['yes', 'on', 'true', '1', 'y'].includes(v)) return true;
    if (['no', 'off', 'false', '0', 'n', ''].includes(v)) return false;
  }
  return null;
}

/** Boolean view of an effective value: true/false, 'cannot-judge', or undefined when unset (treat as the documented default). */
export function effectiveBool(layers: readonly VarsLayer[], key: string): { value: boolean | 'cannot-judge' | undefined; source: string } {
  const e = effective(layers, key);
  if (e.kind === 'unset') return { value: undefined, source: '' };
  if (e.kind === 'cannot-judge') return { value: 'cannot-judge', source: e.source };
  const b = toBool(e.value);
  return { value: b === null ? 'cannot-judge' : b, source: e.source };
}
