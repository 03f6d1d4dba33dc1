// Where and how to reach the Matrix server: the inventory line merged with ~/.ssh/config
// the way Ansible + OpenSSH would (inventory vars win; ssh config fills the rest and
// resolves aliases), and a factory that opens the matching Target.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SSHConfig from 'ssh-config';
import type { InventoryHost } from '../playbook/inventory.js';
import { SshError } from './ssh-error.js';
import type { SshEndpoint } from './ssh.js';

export type BecomePassword =
  | { kind: 'none' }
  | { kind: 'literal'; value: string }
  /** A vault or Jinja value the wizard cannot evaluate: ask the operator. */
  | { kind: 'ask'; reason: string };

export interface BecomeSpec {
  enabled: boolean;
  user?: string;
  password: BecomePassword;
}

export type HostSpec =
  | { kind: 'local'; inventoryName: string; become: BecomeSpec }
  | ({ kind: 'ssh'; inventoryName: string; become: BecomeSpec; jump: SshEndpoint | null } & SshEndpoint);

export interface ResolveOptions {
  /** Default ~/.ssh/config; missing = empty. */
  sshConfigFile?: string;
  home?: string;
  localUser?: string;
}

const truthy = (v: string | undefined) => v !== undefined && /^(true|yes|on|1)$/i.test(v.trim());

function isTemplated(value: string): boolean {
  return /\{\{|\{%/.test(value) || value.trimStart().startsWith('!vault') || value.includes('$ANSIBLE_VAULT');
}

function loadSshConfig(file: string): SSHConfig {
  if (!existsSync(file)) return SSHConfig.parse('');
  try {
    return SSHConfig.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SshError('config', `cannot read ${file}: ${(err as Error).message}`);
  }
}

/** `Match exec` is not run (it would execute commands from the config); Host blocks apply. */
function computeFor(config: SSHConfig, alias: string): Record<string, string | string[]> {
  return config.compute(alias, { ignoreCase: true, matchExec: false });
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

function expandPath(p: string, ctx: { home: string; localUser: string; host: string; user: string }): string {
  const expanded = p.replace(/%([%dhru])/g, (_, t: string) => ({ '%': '%', d: ctx.home, h: ctx.host, r: ctx.user, u: ctx.localUser })[t]!);
  return expanded.startsWith('~/') ? path.join(ctx.home, expanded.slice(2)) : expanded;
}

function parsePort(value: string | undefined, where: string): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new SshError('config', `invalid port ${JSON.stringify(value)} (${where})`);
  return port;
}

function endpointFromConfig(
  config: SSHConfig,
  alias: string,
  overrides: { host?: string; port?: number; user?: string; identityFiles?: string[] },
  o: Required<ResolveOptions>,
): { endpoint: SshEndpoint; proxyJump?: string } {
  const c = computeFor(config, alias);
  const host = overrides.host ?? first(c.hostname) ?? alias;
  const port = overrides.port ?? parsePort(first(c.port), `Port for ${alias} in ${o.sshConfigFile}`) ?? 22;
  const username = overrides.user ?? first(c.user) ?? o.localUser;
  const ctx = { home: o.home, localUser: o.localUser, host, user: username };
  const fromConfig = c.identityfile === undefined ? [] : ([] as string[]).concat(c.identityfile);
  const identityFiles = (overrides.identityFiles ?? fromConfig).map((f) => expandPath(f, ctx));
  const jump = first(c.proxyjump);
  return { endpoint: { host: host.replace(/%h/g, alias), port, username, identityFiles }, proxyJump: jump && jump.toLowerCase() !== 'none' ? jump : undefined };
}

/** Resolves an inventory host to a HostSpec. Errors name the inventory line. */
export function resolveHostSpec(host: InventoryHost, options: ResolveOptions = {}): HostSpec {
  const home = options.home ?? os.homedir();
  const o: Required<ResolveOptions> = {
    home,
    sshConfigFile: options.sshConfigFile ?? path.join(home, '.ssh', 'config'),
    localUser: options.localUser ?? os.userInfo().username,
  };
  const v = host.vars;
  const where = `${host.file}:${host.line}`;
  const rawPassword = v.ansible_become_password ?? v.ansible_become_pass;
  const become: BecomeSpec = {
    enabled: truthy(v.ansible_become),
    user: v.ansible_become_user,
    password:
      rawPassword === undefined || rawPassword === ''
        ? { kind: 'none' }
        : isTemplated(rawPassword)
          ? { kind: 'ask', reason: `ansible_become_password on ${where} is a vault/Jinja value the wizard does not evaluate` }
          : { kind: 'literal', value: rawPassword },
  };
  if (v.ansible_become_method && v.ansible_become_method !== 'sudo') {
    throw new SshError('config', `ansible_become_method=${v.ansible_become_method} (${where}) is not supported; the wizard uses sudo`);
  }
  if (v.ansible_connection === 'local') return { kind: 'local', inventoryName: host.name, become };
  if (v.ansible_connection && !['ssh', 'smart', 'paramiko'].includes(v.ansible_connection)) {
    throw new SshError('config', `ansible_connection=${v.ansible_connection} (${where}) is not supported; use ssh or local`);
  }
  const config = loadSshConfig(o.sshConfigFile);
  const alias = v.ansible_host ?? host.name;
  const { endpoint, proxyJump } = endpointFromConfig(
    config,
    alias,
    {
      // Inventory values win, as Ansible passes them to ssh on the command line.
      port: parsePort(v.ansible_port ?? v.ansible_ssh_port, `ansible_port on ${where}`),
      user: v.ansible_ssh_user ?? v.ansible_user,
      identityFiles: v.ansible_ssh_private_key_file ? [v.ansible_ssh_private_key_file] : undefined,
    },
    o,
  );
  let jump: SshEndpoint | null = null;
  if (proxyJump) {
    if (proxyJump.includes(','))
      throw new SshError('config', `ProxyJump ${proxyJump} for ${alias} in ${o.sshConfigFile} has several hops; only one is supported`);
    const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(proxyJump);
    if (!m) throw new SshError('config', `cannot read ProxyJump ${JSON.stringify(proxyJump)} for ${alias} in ${o.sshConfigFile}`);
    const jumpAlias = m[2].replace(/^\[|\]$/g, '');
    const resolved = endpointFromConfig(config, jumpAlias, { user: m[1], port: parsePort(m[3], `ProxyJump for ${alias}`) }, o);
    if (resolved.proxyJump) throw new SshError('config', `the jump host ${jumpAlias} has its own ProxyJump; only one hop is supported`);
    jump = resolved.endpoint;
  }
  return { kind: 'ssh', inventoryName: host.name, become, jump, ...endpoint };
}
