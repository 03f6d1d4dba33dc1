import { promises as dns } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkDns,
  checkHostname,
  checkPathPrefix,
  checkUrl,
  defaultHostname,
  dnsFinding,
  HOSTNAME_KEY,
  PREFIX_KEY,
  prefixFinding,
  publicBase,
  urlEdits,
  type Resolver,
} from '../../source/mas/url.js';
import { startZoneServer } from './dns-zone-server.js';

describe('MAS path prefix', () => {
  it('accepts / and paths without a trailing slash', () => {
    for (const p of ['/', '/auth', '/a/b-c_d.e~', '/mas2']) expect(checkPathPrefix(p), p).toBeNull();
  });
  it.each([
    ['', 'empty'],
    ['auth', 'must start with /'],
    ['/auth/', 'must not end with /'],
    ['/my auth', 'spaces'],
    ['/auth?x=1', 'query'],
    ['/auth#top', 'fragment'],
    ['/a/../b', '. or ..'],
    ['/a//b', 'empty segment'],
    ['/a"b', 'position 3'],
  ])('refuses %j (%s)', (prefix, why) => {
    expect(checkPathPrefix(prefix)).toContain(why);
  });
});

describe('MAS hostname', () => {
  it('accepts RFC 1123 names', () => {
    for (const h of ['matrix.example.org', 'auth.example.com', 'a-1.b2.example.co.uk', `${'a'.repeat(63)}.example.org`]) expect(checkHostname(h), h).toBeNull();
  });
  it.each([
    ['', 'empty'],
    ['localhost', 'fully qualified'],
    ['auth.example.org.', 'trailing dot'],
    ['a..example.org', 'label 2 is empty'],
    ['-a.example.org', 'must not start or end with -'],
    ['a_b.example.org', 'letters, digits and -'],
    [`${'a'.repeat(64)}.org`, 'longer than 63'],
    ['10.0.0.1', 'not an IP address'],
    [`${'abcdefghi.'.repeat(26)}org`, 'too long'],
  ])('refuses %j (%s)', (host, why) => {
    expect(checkHostname(host)).toContain(why);
  });
});

describe('URL edits', () => {
  it('writes nothing for the defaults and builds the public base', () => {
    expect(defaultHostname('example.org')).toBe('matrix.example.org');
    expect(urlEdits({ hostname: 'matrix.example.org', prefix: '/auth' }, 'example.org')).toEqual([]);
    expect(publicBase('matrix.example.org', '/auth')).toBe('https://matrix.example.org/auth/');
    expect(publicBase('auth.example.org', '/')).toBe('https://auth.example.org/');
  });
  it('sets only what differs, and removes a key set earlier when going back to the default', () => {
    expect(urlEdits({ hostname: 'Auth.Example.org', prefix: '/' }, 'example.org')).toEqual([
      { op: 'set', key: HOSTNAME_KEY, value: 'auth.example.org', comment: expect.stringContaining('CNAME') },
      { op: 'set', key: PREFIX_KEY, value: '/' },
    ]);
    expect(urlEdits({ hostname: 'matrix.example.org', prefix: '/auth' }, 'example.org', { hostname: true, prefix: true })).toEqual([
      { op: 'remove', key: HOSTNAME_KEY },
      { op: 'remove', key: PREFIX_KEY },
    ]);
  });
  it('refuses bad input with the key and the reason, changing nothing', () => {
    expect(() => urlEdits({ hostname: 'auth.example.org', prefix: '/auth/' }, 'example.org')).toThrow(`${PREFIX_KEY}: must not end with /`);
    expect(() => urlEdits({ hostname: 'bad_host.org', prefix: '/' }, 'example.org')).toThrow(HOSTNAME_KEY);
    expect(checkUrl({ hostname: 'x', prefix: 'y' })).toEqual({ hostname: expect.any(String), prefix: 'must start with /' });
  });
  it('makes the mas.path-prefix-invalid finding', () => {
    expect(prefixFinding('/auth/', 'must not end with /', 'vars.yml:9')).toMatchObject({ id: 'mas.path-prefix-invalid', severity: 'block' });
  });
});

describe('CNAME check through the real node:dns resolver against a loopback DNS zone', () => {
  let server: Awaited<ReturnType<typeof startZoneServer>>;
  let resolver: Resolver;
  beforeAll(async () => {
    server = await startZoneServer({
      'matrix.example.org': { a: ['203.0.113.7'], aaaa: ['2001:db8::7'] },
      'auth.example.org': { cname: 'matrix.example.org' },
      'flat.example.org': { a: ['203.0.113.7'], aaaa: ['2001:db8::7'] },
      'elsewhere.example.org': { a: ['198.51.100.1'] },
      'wrongcname.example.org': { cname: 'other.example.net' },
      'other.example.net': { a: ['198.51.100.2'] },
    });
    const r = new dns.Resolver({ timeout: 500, tries: 1 });
    r.setServers([server.address]);
    resolver = r;
  });
  afterAll(async () => {
    await server.close();
  });

  it('the default hostname needs no check', async () => {
    expect(await checkDns('matrix.example.org', 'example.org', resolver)).toEqual({ status: 'default' });
  });
  it('finds a CNAME to matrix.<domain>', async () => {
    expect(await checkDns('auth.example.org', 'example.org', resolver)).toMatchObject({ status: 'ok', how: 'cname' });
  });
  it('accepts the same A/AAAA addresses (flattened CNAME)', async () => {
    expect(await checkDns('flat.example.org', 'example.org', resolver)).toMatchObject({ status: 'ok', how: 'same-addresses' });
  });
  it('reports a missing record, other addresses and a CNAME elsewhere', async () => {
    const none = await checkDns('nothing.example.org', 'example.org', resolver);
    expect(none).toEqual({ status: 'missing', detail: 'nothing.example.org has no DNS record yet' });
    expect(await checkDns('elsewhere.example.org', 'example.org', resolver)).toMatchObject({
      status: 'missing',
      detail: expect.stringContaining('198.51.100.1'),
    });
    expect(await checkDns('wrongcname.example.org', 'example.org', resolver)).toMatchObject({
      status: 'missing',
      detail: expect.stringContaining('other.example.net'),
    });
    const f = dnsFinding('nothing.example.org', 'example.org', none, 'vars.yml');
    expect(f).toMatchObject({ id: 'mas.hostname-needs-dns', severity: 'warn', fix: expect.stringContaining('CNAME matrix.example.org') });
  });
  it('says "unknown" when the resolver cannot be reached', async () => {
    const dead = new dns.Resolver({ timeout: 200, tries: 1 });
    dead.setServers(['127.0.0.1:9']);
    const res = await checkDns('auth.example.org', 'example.org', dead);
    expect(res.status).toBe('unknown');
    expect(dnsFinding('auth.example.org', 'example.org', res, 'x')?.detail).toContain('DNS lookup failed');
  });
});
