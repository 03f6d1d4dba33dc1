// Where MAS is served: `https://<hostname><prefix>/`. The playbook's effective defaults are
// `matrix.<domain>` and `/auth` (playbook.md §1.1), which need no DNS change; a custom
// hostname needs a CNAME (or the same addresses) as matrix.<domain> (playbook.md §8).
import { promises as dnsPromises } from 'node:dns';
import type { VarsEdit } from '../playbook/vars-edit.js';
import type { Finding } from '../preflight/finding.js';

export const HOSTNAME_KEY = 'matrix_authentication_service_hostname';
export const PREFIX_KEY = 'matrix_authentication_service_path_prefix';
export const DEFAULT_PREFIX = '/auth';

export function defaultHostname(domain: string): string {
  return `matrix.${domain}`;
}

/** The problem with a path prefix, or null when it is fine. */
export function checkPathPrefix(prefix: string): string | null {
  if (prefix === '/') return null;
  if (prefix === '') return 'empty: use / for the root or a path such as /auth';
  if (!prefix.startsWith('/')) return 'must start with /';
  if (prefix.endsWith('/')) return 'must not end with / (use /auth, not /auth/)';
  if (/\s/.test(prefix)) return 'must not contain spaces';
  if (prefix.includes('?')) return 'must not contain a query (?)';
  if (prefix.includes('#')) return 'must not contain a fragment (#)';
  if (prefix.includes('//')) return 'must not contain an empty segment (//)';
  const segments = prefix.split('/').slice(1);
  if (segments.some((s) => s === '..' || s === '.')) return 'must not contain . or .. segments';
  const bad = [...prefix].findIndex((c) => !/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]/.test(c));
  if (bad >= 0) return `character at position ${bad + 1} is not allowed in a URL path`;
  return null;
}

/** The problem with a hostname (RFC 1123 labels, fully qualified, no trailing dot), or null. */
export function checkHostname(hostname: string): string | null {
  if (hostname === '') return 'empty';
  if (hostname.endsWith('.')) return 'remove the trailing dot';
  if (hostname.length > 253) return `too long (${hostname.length} characters, at most 253)`;
  const labels = hostname.split('.');
  if (labels.length < 2) return 'must be a fully qualified name such as auth.example.com';
  for (const [i, label] of labels.entries()) {
    const where = `label ${i + 1} ("${label}")`;
    if (label.length === 0) return `label ${i + 1} is empty (two dots in a row)`;
    if (label.length > 63) return `${where} is longer than 63 characters`;
    if (!/^[A-Za-z0-9-]+$/.test(label)) return `${where} may only hold letters, digits and -`;
    if (label.startsWith('-') || label.endsWith('-')) return `${where} must not start or end with -`;
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1])) return 'must be a name, not an IP address';
  return null;
}

/** `http.public_base` as the playbook builds it. */
export function publicBase(hostname: string, prefix: string): string {
  return `https://${hostname}${prefix === '/' ? '' : prefix}/`;
}

/** The subset of node:dns the CNAME check needs; injectable so tests need no internet. */
export interface Resolver {
  resolveCname(hostname: string): Promise<string[]>;
  resolve4(hostname: string): Promise<string[]>;
  resolve6(hostname: string): Promise<string[]>;
}

export type DnsCheck =
  | { status: 'default' }
  | { status: 'ok'; how: 'cname' | 'same-addresses'; detail: string }
  | { status: 'missing'; detail: string }
  | { status: 'unknown'; detail: string };

const NO_RECORD = new Set(['ENODATA', 'ENOTFOUND', 'NXDOMAIN']);

async function records(fn: () => Promise<string[]>): Promise<{ list: string[]; error?: string }> {
  try {
    return { list: await fn() };
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    if (NO_RECORD.has(code)) return { list: [] };
    return { list: [], error: code || String(e) };
  }
}

const norm = (name: string) => name.toLowerCase().replace(/\.$/, '');

/**
 * Is a custom MAS hostname pointed at matrix.<domain>? A CNAME to it counts, and so do
 * A/AAAA records equal to matrix.<domain>'s (some DNS hosts flatten CNAMEs).
 */
export async function checkDns(hostname: string, domain: string, resolver: Resolver = new dnsPromises.Resolver()): Promise<DnsCheck> {
  const target = defaultHostname(domain);
  if (norm(hostname) === norm(target)) return { status: 'default' };
  const cname = await records(() => resolver.resolveCname(hostname));
  if (cname.list.some((c) => norm(c) === norm(target))) {
    return { status: 'ok', how: 'cname', detail: `${hostname} is a CNAME to ${target}` };
  }
  const [own4, own6, tgt4, tgt6] = await Promise.all([
    records(() => resolver.resolve4(hostname)),
    records(() => resolver.resolve6(hostname)),
    records(() => resolver.resolve4(target)),
    records(() => resolver.resolve6(target)),
  ]);
  const failed = [cname, own4, own6, tgt4, tgt6].find((r) => r.error);
  const own = [...own4.list, ...own6.list].map(norm).sort();
  const tgt = [...tgt4.list, ...tgt6.list].map(norm).sort();
  if (own.length > 0 && own.length === tgt.length && own.every((a, i) => a === tgt[i])) {
    return { status: 'ok', how: 'same-addresses', detail: `${hostname} has the same addresses as ${target} (${own.join(', ')})` };
  }
  if (failed && own.length === 0) {
    return { status: 'unknown', detail: `DNS lookup failed (${failed.error}); check by hand that ${hostname} is a CNAME to ${target}` };
  }
  if (cname.list.length > 0) {
    return { status: 'missing', detail: `${hostname} is a CNAME to ${cname.list.join(', ')}, not to ${target}` };
  }
  if (own.length > 0) {
    return { status: 'missing', detail: `${hostname} points at ${own.join(', ')}, but ${target} is at ${tgt.join(', ') || 'no address'}` };
  }
  return { status: 'missing', detail: `${hostname} has no DNS record yet` };
}

export interface MasUrl {
  hostname: string;
  prefix: string;
}

/** Field-level problems of a URL choice; empty when both fields are fine. */
export function checkUrl(url: MasUrl): { hostname?: string; prefix?: string } {
  const out: { hostname?: string; prefix?: string } = {};
  const h = checkHostname(url.hostname);
  const p = checkPathPrefix(url.prefix);
  if (h) out.hostname = h;
  if (p) out.prefix = p;
  return out;
}

/**
 * vars.yml changes for a URL choice: a key is set only when it differs from the playbook's
 * default, and removed when the operator goes back to the default. Throws on bad input.
 */
export function urlEdits(url: MasUrl, domain: string, existing: { hostname?: boolean; prefix?: boolean } = {}): VarsEdit[] {
  const problems = checkUrl(url);
  if (problems.hostname) throw new Error(`${HOSTNAME_KEY}: ${problems.hostname}`);
  if (problems.prefix) throw new Error(`${PREFIX_KEY}: ${problems.prefix}`);
  const edits: VarsEdit[] = [];
  const hostname = url.hostname.toLowerCase();
  if (hostname !== defaultHostname(domain).toLowerCase()) {
    edits.push({ op: 'set', key: HOSTNAME_KEY, value: hostname, comment: `needs a DNS CNAME to ${defaultHostname(domain)}` });
  } else if (existing.hostname) {
    edits.push({ op: 'remove', key: HOSTNAME_KEY });
  }
  if (url.prefix !== DEFAULT_PREFIX) edits.push({ op: 'set', key: PREFIX_KEY, value: url.prefix });
  else if (existing.prefix) edits.push({ op: 'remove', key: PREFIX_KEY });
  return edits;
}

export function prefixFinding(prefix: string, problem: string, source: string): Finding {
  return {
    id: 'mas.path-prefix-invalid',
    severity: 'block',
    title: 'The MAS path prefix is not valid',
    detail: `${PREFIX_KEY} is "${prefix}": ${problem}. The playbook does not check it; MAS would be served at a broken URL.`,
    fix: `Set ${PREFIX_KEY} to / or to a path without a trailing slash, such as ${DEFAULT_PREFIX}.`,
    source,
  };
}

export function dnsFinding(hostname: string, domain: string, check: DnsCheck, source: string): Finding | null {
  if (check.status === 'default' || check.status === 'ok') return null;
  return {
    id: 'mas.hostname-needs-dns',
    severity: 'warn',
    title: `${hostname} does not point at ${defaultHostname(domain)} yet`,
    detail: `${check.detail}. Until it does, logins through MAS fail and the certificate for ${hostname} cannot be issued.`,
    fix: `Add a DNS record: ${hostname}. CNAME ${defaultHostname(domain)}. — or keep the default ${defaultHostname(domain)}${DEFAULT_PREFIX}.`,
    source,
  };
}
