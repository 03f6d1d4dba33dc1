// The playbook's INI inventory (`inventory/hosts`): which hosts are `matrix_servers`
// and how Ansible reaches them (ansible_host, ansible_port, ansible_user, become, ...).
// Only what the wizard needs; every error names the file and line.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AbortError } from '../errors.js';

export interface InventoryHost {
  name: string;
  /** Groups the host is listed in directly (children resolved by groupHosts). */
  groups: string[];
  /** Host-line vars over `[group:vars]` over `[all:vars]`. Values as written, quotes removed. */
  vars: Record<string, string>;
  file: string;
  /** Line of the host's first appearance. */
  line: number;
}

export interface Inventory {
  file: string;
  hosts: InventoryHost[];
  /** group -> child groups (`[group:children]`). */
  children: Record<string, string[]>;
}

export class InventoryError extends AbortError {
  constructor(
    readonly file: string,
    readonly line: number | null,
    message: string,
  ) {
    super(line === null ? `${file}: ${message}` : `${file}:${line}: ${message}`);
  }
}

/** Splits `name k=v k2="a b" k3='c'` like Ansible's INI parser (shlex rules, # starts a comment). */
function tokenize(text: string, file: string, line: number): string[] {
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) current += text[++i];
      else current += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inToken = true;
      continue;
    }
    if (c === '#' && !inToken) break;
    if (/\s/.test(c)) {
      if (inToken) {
        tokens.push(current);
        current = '';
        inToken = false;
      }
      continue;
    }
    if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
      inToken = true;
      continue;
    }
    current += c;
    inToken = true;
  }
  if (quote) throw new InventoryError(file, line, `unterminated ${quote} quote`);
  if (inToken) tokens.push(current);
  return tokens;
}

function parseAssignment(token: string, file: string, line: number): [string, string] {
  const eq = token.indexOf('=');
  if (eq <= 0) throw new InventoryError(file, line, `expected key=value, found ${JSON.stringify(token)}`);
  return [token.slice(0, eq), token.slice(eq + 1)];
}

export function parseInventory(text: string, file = 'inventory/hosts'): Inventory {
  const hosts = new Map<string, InventoryHost>();
  const hostVars = new Map<string, Record<string, string>>();
  const groupVars: Record<string, Record<string, string>> = {};
  const children: Record<string, string[]> = {};
  let section: { group: string; kind: 'hosts' | 'vars' | 'children' } = { group: 'ungrouped', kind: 'hosts' };

  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    const header = /^\[([^\]:]+)(?::(vars|children))?\]$/.exec(trimmed);
    if (trimmed.startsWith('[')) {
      if (!header) throw new InventoryError(file, line, `bad section header ${JSON.stringify(trimmed)} (expected [group], [group:vars] or [group:children])`);
      section = { group: header[1], kind: (header[2] as 'vars' | 'children' | undefined) ?? 'hosts' };
      return;
    }
    const tokens = tokenize(trimmed, file, line);
    if (tokens.length === 0) return;
    if (section.kind === 'vars') {
      for (const t of tokens) {
        const [k, v] = parseAssignment(t, file, line);
        (groupVars[section.group] ??= {})[k] = v;
      }
      return;
    }
    if (section.kind === 'children') {
      (children[section.group] ??= []).push(tokens[0]);
      return;
    }
    const [name, ...assignments] = tokens;
    if (name.includes('=')) throw new InventoryError(file, line, `expected a host name before the variables, found ${JSON.stringify(name)}`);
    let host = hosts.get(name);
    if (!host) {
      host = { name, groups: [], vars: {}, file, line };
      hosts.set(name, host);
      hostVars.set(name, {});
    }
    if (!host.groups.includes(section.group)) host.groups.push(section.group);
    for (const t of assignments) {
      const [k, v] = parseAssignment(t, file, line);
      hostVars.get(name)![k] = v;
    }
  });

  const inventory: Inventory = { file, hosts: [...hosts.values()], children };
  for (const host of inventory.hosts) {
    const merged: Record<string, string> = { ...groupVars.all };
    for (const group of allGroupsOf(inventory, host)) Object.assign(merged, groupVars[group]);
    host.vars = { ...merged, ...hostVars.get(host.name) };
  }
  return inventory;
}

/** Direct groups plus every parent group through `:children`. */
export function allGroupsOf(inventory: Inventory, host: InventoryHost): string[] {
  const found = new Set(host.groups);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [parent, kids] of Object.entries(inventory.children)) {
      if (!found.has(parent) && kids.some((k) => found.has(k))) {
        found.add(parent);
        grew = true;
      }
    }
  }
  return [...found];
}

export function groupHosts(inventory: Inventory, group: string): InventoryHost[] {
  return inventory.hosts.filter((h) => allGroupsOf(inventory, h).includes(group));
}

export function readInventory(playbookDir: string): Inventory {
  const file = path.join(playbookDir, 'inventory', 'hosts');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InventoryError(
      file,
      null,
      `cannot read the inventory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); run the wizard from the playbook checkout or pass --playbook DIR`,
    );
  }
  return parseInventory(text, file);
}

/** The Matrix server to work on: `name` when given, else the only host in [matrix_servers]. */
export function pickMatrixServer(inventory: Inventory, name?: string): InventoryHost {
  const servers = groupHosts(inventory, 'matrix_servers');
  if (name !== undefined) {
    const host = servers.find((h) => h.name === name);
    if (host) return host;
    const known = servers.map((h) => h.name).join(', ') || 'none';
    throw new InventoryError(inventory.file, null, `host ${JSON.stringify(name)} is not in [matrix_servers] (found: ${known})`);
  }
  if (servers.length === 1) return servers[0];
  if (servers.length === 0)
    throw new InventoryError(inventory.file, null, 'no host in [matrix_servers]; add your server there (see the playbook docs, "inventory/hosts")');
  throw new InventoryError(inventory.file, null, `several hosts in [matrix_servers] (${servers.map((h) => h.name).join(', ')}); choose one with --host NAME`);
}
