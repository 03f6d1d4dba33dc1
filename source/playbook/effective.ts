// The value the playbook would really use for a variable, in Ansible's order (highest first):
// every file in inventory/host_vars/<host>/ (vars.yml, vault.yml, … — later names win), the
// host line and [group:vars] of inventory/hosts, the playbook's group_vars/matrix_servers, the
// inventory's group_vars/<group> and group_vars/all, the role defaults, else what
// reference/playbook.md documents. A value that is exactly `{{ other_var }}` is followed to
// other_var. Any other Jinja expression or a `!vault` value is "cannot judge" — a distinct
// answer, never a guess. A file encrypted as a whole with ansible-vault is opened with
// `ansible-vault view` when Ansible has a vault password configured (ansible.cfg or environment);
// without one it is an opaque layer that hides nothing else.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isScalar, stringify } from 'yaml';
import type { Checkout } from './checkout.js';
import { allGroupsOf, parseInventory } from './inventory.js';
import { locateKey, parseVars, type ParsedVars } from './vars-file.js';

export interface VarsLayer {
  /** Shown in findings, e.g. "inventory/host_vars/matrix.example.org/vars.yml". */
  label: string;
  /** vars: the one vars.yml the wizard edits; host_vars/inventory: the operator's other inventory files. */
  kind: 'vars' | 'host_vars' | 'inventory' | 'group_vars' | 'role';
  parsed: ParsedVars;
  /** The layer has no meaningful line numbers (the host line of inventory/hosts). */
  lineless?: boolean;
  /** Why this file could not be read (an ansible-vault file without a password): it hides what it holds, nothing else. */
  opaque?: string;
}

export type Effective =
  | { kind: 'value'; value: unknown; from: VarsLayer['kind'] | 'documented'; source: string }
  | { kind: 'cannot-judge'; reason: 'jinja' | 'vault'; raw: string; from: VarsLayer['kind']; source: string }
  | { kind: 'unset' };

/** Files the operator writes (the inventory), as opposed to the playbook's own defaults. */
export const fromOperator = (e: Effective): boolean => e.kind !== 'unset' && ['vars', 'host_vars', 'inventory'].includes(e.from);

/** The vars.yml layer (the file the wizard edits). */
export function varsLayer(layers: readonly VarsLayer[]): VarsLayer {
  return layers.find((l) => l.kind === 'vars') ?? layers[0];
}

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

const VAULT_HEADER = '$ANSIBLE_VAULT;';
const vaultCache = new Map<string, { stamp: string; layer: VarsLayer }>();

/** Whether Ansible, run in the checkout, has a vault password without asking (it never prompts here). */
function vaultPasswordConfigured(checkoutDir: string, env: NodeJS.ProcessEnv): boolean {
  if (env.ANSIBLE_VAULT_PASSWORD_FILE || env.ANSIBLE_VAULT_IDENTITY_LIST) return true;
  const cfg = env.ANSIBLE_CONFIG ?? path.join(checkoutDir, 'ansible.cfg');
  return existsSync(cfg) && /^\s*(vault_password_file|vault_identity_list)\s*=\s*\S/m.test(readFileSync(cfg, 'utf8'));
}

/** A vars file as Ansible reads it: plain YAML, or decrypted by ansible-vault (cached per file version). */
function readInventoryFile(file: string, label: string, kind: VarsLayer['kind'], checkoutDir: string, env: NodeJS.ProcessEnv): VarsLayer | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  if (!text.startsWith(VAULT_HEADER)) {
    try {
      return { label, kind, parsed: parseVars(text, label) };
    } catch {
      return null;
    }
  }
  const st = statSync(file);
  const stamp = `${st.mtimeMs}:${st.size}:${env.ANSIBLE_VAULT_PASSWORD_FILE ?? ''}`;
  const cached = vaultCache.get(file);
  if (cached?.stamp === stamp) return cached.layer;
  const empty = parseVars('', label);
  let layer: VarsLayer;
  if (!vaultPasswordConfigured(checkoutDir, env)) {
    layer = {
      label,
      kind,
      parsed: empty,
      opaque: 'encrypted with ansible-vault, and no vault password is configured (vault_password_file in ansible.cfg, or ANSIBLE_VAULT_PASSWORD_FILE)',
    };
  } else {
    // setsid: no controlling terminal, so ansible-vault can never stop to ask for a password.
    const r = spawnSync('setsid', ['ansible-vault', 'view', file], {
      cwd: checkoutDir,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    if (r.status === 0) {
      try {
        layer = { label, kind, parsed: parseVars(r.stdout, label) };
      } catch {
        layer = { label, kind, parsed: empty, opaque: 'decrypted, but not a YAML mapping of variables' };
      }
    } else {
      const why =
        (r.stderr || String(r.error ?? ''))
          .trim()
          .split('\n')
          .filter((l) => /ERROR|Decryption failed|password/i.test(l))
          .pop() ?? `exit ${r.status}`;
      layer = { label, kind, parsed: empty, opaque: `encrypted with ansible-vault, and ansible-vault view failed: ${why}` };
    }
  }
  vaultCache.set(file, { stamp, layer });
  return layer;
}

/** group_vars/<group>: a file (`<group>`, `<group>.yml`, `<group>.yaml`) or a directory of files. */
function varsFilesOf(dir: string, name: string): string[] {
  const out: string[] = [];
  for (const candidate of [name, `${name}.yml`, `${name}.yaml`, `${name}.json`]) {
    const p = path.join(dir, candidate);
    if (!existsSync(p)) continue;
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort()) if (/\.(ya?ml|json)$/.test(f) || !f.includes('.')) out.push(path.join(p, f));
    } else out.push(p);
  }
  return out;
}

/** Ansible loads later files over earlier ones: the highest priority comes first here. */
const highestFirst = (files: string[]) => [...files].reverse();

/**
 * The inventory's layers for one host, highest priority first: host_vars/<host> (every file;
 * the given vars.yml in its place), then the host line (and [group:vars]) of inventory/hosts.
 */
function hostLayers(checkout: Checkout, host: string, varsFile: ParsedVars, varsLabel: string, env: NodeJS.ProcessEnv): VarsLayer[] {
  const inv = path.join(checkout.dir, 'inventory');
  const rel = (f: string) => path.relative(checkout.dir, f);
  const layers: VarsLayer[] = [];
  const files = varsFilesOf(path.join(inv, 'host_vars'), host);
  const varsPath = path.join(inv, 'host_vars', host, 'vars.yml');
  if (!files.includes(varsPath)) files.push(varsPath);
  for (const f of highestFirst(files.sort())) {
    if (f === varsPath) {
      layers.push({ label: varsLabel, kind: 'vars', parsed: varsFile });
      continue;
    }
    const l = readInventoryFile(f, rel(f), 'host_vars', checkout.dir, env);
    if (l) layers.push(l);
  }
  try {
    const inventory = parseInventory(readFileSync(checkout.hostsFile, 'utf8'), rel(checkout.hostsFile));
    const h = inventory.hosts.find((x) => x.name === host);
    if (h && Object.keys(h.vars).length)
      layers.push({
        label: `${rel(checkout.hostsFile)}:${h.line}`,
        kind: 'inventory',
        parsed: parseVars(stringify(h.vars), 'inventory/hosts'),
        lineless: true,
      });
  } catch {
    /* an unreadable inventory is reported where the host is picked */
  }
  return layers;
}

/** The inventory's group_vars for the host's groups (all last, it has the lowest priority). */
function inventoryGroupLayers(checkout: Checkout, host: string, env: NodeJS.ProcessEnv): VarsLayer[] {
  const dir = path.join(checkout.dir, 'inventory', 'group_vars');
  if (!existsSync(dir)) return [];
  let groups = ['matrix_servers'];
  try {
    const inventory = parseInventory(readFileSync(checkout.hostsFile, 'utf8'));
    const h = inventory.hosts.find((x) => x.name === host);
    if (h) groups = allGroupsOf(inventory, h).filter((g) => g !== 'all' && g !== 'ungrouped');
  } catch {
    /* keep matrix_servers */
  }
  const layers: VarsLayer[] = [];
  for (const group of [...groups, 'all']) {
    for (const f of highestFirst(varsFilesOf(dir, group))) {
      const l = readInventoryFile(f, path.relative(checkout.dir, f), 'inventory', checkout.dir, env);
      if (l) layers.push(l);
    }
  }
  return layers;
}

/** The layers for one host, highest priority first. */
export function layersFor(varsFile: ParsedVars, varsLabel: string, checkout?: Checkout, host?: string, env: NodeJS.ProcessEnv = process.env): VarsLayer[] {
  const layers: VarsLayer[] = checkout && host ? hostLayers(checkout, host, varsFile, varsLabel, env) : [{ label: varsLabel, kind: 'vars', parsed: varsFile }];
  if (checkout) {
    if (checkout.groupVarsFile) {
      const g = layerFrom(checkout.groupVarsFile, 'group_vars/matrix_servers', 'group_vars');
      if (g) layers.push(g);
    }
    // Role defaults only count under group_vars (which overrides many of them, e.g. enabled=true
    // in the role but false effectively); without group_vars the documented defaults are truer.
    if (host) layers.push(...inventoryGroupLayers(checkout, host, env));
    for (const rel of checkout.groupVarsFile ? ROLE_DEFAULTS : []) {
      const r = layerFrom(path.join(checkout.dir, rel), rel, 'role');
      if (r) layers.push(r);
    }
  }
  return layers;
}

const hasJinja = (s: string) => /\{\{|\{%/.test(s.replace(/\{%-?\s*raw\s*-?%\}[\s\S]*?\{%-?\s*endraw\s*-?%\}/g, ''));

const REFERENCE = /^\s*\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\s*$/;

export function effective(layers: readonly VarsLayer[], key: string, depth = 0): Effective {
  for (const layer of layers) {
    const loc = locateKey(layer.parsed, key);
    if (!loc) continue;
    const source = layer.lineless ? layer.label : `${layer.label}:${loc.line}`;
    const value = layer.parsed.values[key];
    if (loc.tag === '!vault') return { kind: 'cannot-judge', reason: 'vault', raw: String(value), from: layer.kind, source };
    const ref = typeof value === 'string' ? REFERENCE.exec(value) : null;
    if (ref && depth < 10) {
      // `key: "{{ other }}"` (e.g. a vault_* variable): the value is other's, judged the same way.
      const target = effective(layers, ref[1], depth + 1);
      if (target.kind === 'value' && target.from !== 'documented') return { ...target, from: layer.kind, source: `${source} → ${target.source}` };
      if (target.kind === 'cannot-judge') return { ...target, from: layer.kind, source: `${source} → ${target.source}` };
    }
    if (typeof value === 'string' && hasJinja(value)) return { kind: 'cannot-judge', reason: 'jinja', raw: value, from: layer.kind, source };
    if (isScalar(loc.node) || loc.node === null || value !== undefined) return { kind: 'value', value: value ?? null, from: layer.kind, source };
  }
  if (key in DOCUMENTED_DEFAULTS)
    return { kind: 'value', value: DOCUMENTED_DEFAULTS[key], from: 'documented', source: 'documented default (reference/playbook.md)' };
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
