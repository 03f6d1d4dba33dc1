// known_hosts checking the way OpenSSH does it, because ssh2 accepts any host key
// unless told otherwise. Handles plain, wildcard/negated, `[host]:port` and hashed
// (`|1|salt|HMAC-SHA1`) entries; `@revoked` keys are refused; `@cert-authority`
// lines are skipped (ssh2 does not negotiate host certificates).
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface KnownHostEntry {
  line: number;
  marker: 'revoked' | 'cert-authority' | null;
  /** The first field as written (host patterns or a hashed name). */
  hosts: string;
  keyType: string;
  key: Buffer;
}

export type HostKeyCheck =
  | { status: 'trusted'; entry: KnownHostEntry }
  | { status: 'unknown' }
  | { status: 'changed'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry };

/** The name OpenSSH stores for a host: `host` on port 22, `[host]:port` otherwise. */
export function hostKeyName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** The key type named inside an SSH public key blob (its first string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:` + unpadded base64 of the SHA-256 of the key blob, exactly as `ssh-keygen -l` prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'] = null;
    if (fields[0].startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return; // unknown marker: OpenSSH skips the line too
    }
    if (fields.length < 3) return;
    const key = Buffer.from(fields[2], 'base64');
    if (key.length === 0) return;
    entries.push({ line: i + 1, marker, hosts: fields[0], keyType: fields[1], key });
  });
  return entries;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${body}$`, 'i');
}

/** Whether a known_hosts host field names this host (`name` as from hostKeyName). */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    const negated = pattern.startsWith('!');
    const p = negated ? pattern.slice(1) : pattern;
    if (globToRegExp(p).test(name)) {
      if (negated) return false; // a matching negation overrides everything
      matched = true;
    }
  }
  return matched;
}

/** Checks a presented host key against known_hosts entries. */
export function checkHostKey(entries: readonly KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyCheck {
  const name = hostKeyName(host, port);
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && hostFieldMatches(e.hosts, name));
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === null);
  const same = plain.find((e) => e.key.equals(key));
  if (same) return { status: 'trusted', entry: same };
  // A different key under the same name: OpenSSH's "REMOTE HOST IDENTIFICATION HAS CHANGED".
  // Known key types are offered first when connecting, so a key of another type counts too.
  const other = plain.find((e) => e.keyType === keyTypeOf(key)) ?? plain[0];
  if (other) return { status: 'changed', entry: other };
  return { status: 'unknown' };
}

/** The key types known for a host, so they can be negotiated first (as OpenSSH does). */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const name = hostKeyName(host, port);
  return [...new Set(entries.filter((e) => e.marker === null && hostFieldMatches(e.hosts, name)).map((e) => e.keyType))];
}

/** A known_hosts file: read fresh for every check (another ssh may have added to it). */
export class KnownHostsFile {
  constructor(readonly file: string) {}

  entries(): KnownHostEntry[] {
    // Missing file = nothing known (every host is "unknown"); any other read error fails closed.
    if (!existsSync(this.file)) return [];
    return parseKnownHosts(readFileSync(this.file, 'utf8'));
  }

  check(host: string, port: number, key: Buffer): HostKeyCheck {
    return checkHostKey(this.entries(), host, port, key);
  }

  /** Appends a line for this host, hashed like `HashKnownHosts yes` when asked; file 0600, dir 0700. */
  append(host: string, port: number, key: Buffer, options: { hash?: boolean } = {}): string {
    const name = hostKeyName(host, port);
    let field = name;
    if (options.hash) {
      const salt = randomBytes(20);
      field = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
    }
    const line = `${field} ${keyTypeOf(key)} ${key.toString('base64')}`;
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const existing = existsSync(this.file) ? readFileSync(this.file, 'utf8') : '';
    const prefix = existing !== '' && !existing.endsWith('\n') ? '\n' : '';
    appendFileSync(this.file, `${prefix}${line}\n`, { mode: 0o600 });
    return line;
  }
}
