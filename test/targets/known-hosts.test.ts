// known_hosts matching against keys made by the real ssh-keygen, and fingerprints
// compared with `ssh-keygen -lf`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KnownHostsFile, checkHostKey, fingerprint, hostKeyName, parseKnownHosts } from '../../source/targets/known-hosts.js';

let dir: string;
const keys: Record<string, { line: string; blob: Buffer; type: string }> = {};

function makeKey(name: string, type: string): void {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file]);
  const line = readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  keys[name] = { line, blob: Buffer.from(line.split(' ')[1], 'base64'), type: line.split(' ')[0] };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-kh-'));
  makeKey('a', 'ed25519');
  makeKey('b', 'ed25519');
  makeKey('c', 'ecdsa');
  makeKey('r', 'rsa');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fingerprint', () => {
  it('matches ssh-keygen -lf for ed25519, ecdsa and rsa keys', () => {
    for (const name of ['a', 'c', 'r']) {
      const expected = execFileSync('ssh-keygen', ['-lf', path.join(dir, `${name}.pub`)], { encoding: 'utf8' }).split(' ')[1];
      expect(fingerprint(keys[name].blob)).toBe(expected);
    }
  });
});

describe('checkHostKey', () => {
  it('plain names, [host]:port, comma lists and wildcards', () => {
    const entries = parseKnownHosts(
      [`matrix.example.org,192.0.2.1 ${keys.a.line}`, `[matrix.example.org]:2222 ${keys.b.line}`, `*.lab.example ${keys.c.line}`].join('\n'),
    );
    expect(checkHostKey(entries, 'matrix.example.org', 22, keys.a.blob).status).toBe('trusted');
    expect(checkHostKey(entries, '192.0.2.1', 22, keys.a.blob).status).toBe('trusted');
    expect(checkHostKey(entries, 'MATRIX.example.org', 22, keys.a.blob).status).toBe('trusted');
    expect(checkHostKey(entries, 'matrix.example.org', 2222, keys.b.blob).status).toBe('trusted');
    // Port 2222's key is not valid on port 22, and vice versa.
    expect(checkHostKey(entries, 'matrix.example.org', 2222, keys.a.blob)).toMatchObject({ status: 'changed', entry: { line: 2 } });
    expect(checkHostKey(entries, 'x.lab.example', 22, keys.c.blob).status).toBe('trusted');
    expect(checkHostKey(entries, 'other.example.org', 22, keys.a.blob).status).toBe('unknown');
  });

  it('negated patterns exclude a host', () => {
    const entries = parseKnownHosts(`*.example.org,!evil.example.org ${keys.a.line}`);
    expect(checkHostKey(entries, 'good.example.org', 22, keys.a.blob).status).toBe('trusted');
    expect(checkHostKey(entries, 'evil.example.org', 22, keys.a.blob).status).toBe('unknown');
  });

  it('hashed entries written by the real ssh-keygen -H', () => {
    const file = path.join(dir, 'hashed');
    writeFileSync(file, `matrix.example.org ${keys.a.line}\n[127.0.0.1]:2022 ${keys.b.line}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('matrix.example.org');
    const entries = parseKnownHosts(text);
    expect(entries.every((e) => e.hosts.startsWith('|1|'))).toBe(true);
    expect(checkHostKey(entries, 'matrix.example.org', 22, keys.a.blob).status).toBe('trusted');
    expect(checkHostKey(entries, '127.0.0.1', 2022, keys.b.blob).status).toBe('trusted');
    expect(checkHostKey(entries, 'matrix.example.org', 22, keys.b.blob).status).toBe('changed');
    expect(checkHostKey(entries, 'matrix.example.net', 22, keys.a.blob).status).toBe('unknown');
  });

  it('@revoked refuses the key anywhere; @cert-authority lines are not host keys', () => {
    const entries = parseKnownHosts(`@revoked * ${keys.a.line}\n@cert-authority *.example.org ${keys.b.line}\nmatrix.example.org ${keys.a.line}`);
    expect(checkHostKey(entries, 'matrix.example.org', 22, keys.a.blob)).toMatchObject({ status: 'revoked', entry: { line: 1 } });
    expect(checkHostKey(entries, 'x.example.org', 22, keys.b.blob).status).toBe('unknown');
  });

  it('a key of another type than the known one counts as changed', () => {
    const entries = parseKnownHosts(`matrix.example.org ${keys.a.line}`);
    expect(checkHostKey(entries, 'matrix.example.org', 22, keys.r.blob).status).toBe('changed');
  });

  it('skips comments, blank and malformed lines, keeping real line numbers', () => {
    const entries = parseKnownHosts(`# c\n\nbroken-line\nmatrix.example.org ${keys.a.line} comment here\n`);
    expect(entries).toHaveLength(1);
    expect(entries[0].line).toBe(4);
  });
});

describe('KnownHostsFile.append', () => {
  it('creates the file 0600 and writes lines OpenSSH accepts (plain and hashed)', () => {
    const file = path.join(dir, 'sub', 'known_hosts');
    const kh = new KnownHostsFile(file);
    kh.append('Matrix.Example.org', 22, keys.a.blob);
    kh.append('127.0.0.1', 2022, keys.b.blob, { hash: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(`matrix.example.org ${keys.a.line}`);
    expect(lines[1]).toMatch(/^\|1\|[^|]+\|[^ ]+ ssh-ed25519 /);
    // ssh-keygen -F finds both, so OpenSSH reads our lines the same way.
    expect(execFileSync('ssh-keygen', ['-F', 'matrix.example.org', '-f', file], { encoding: 'utf8' })).toContain(keys.a.line.split(' ')[1]);
    expect(execFileSync('ssh-keygen', ['-F', '[127.0.0.1]:2022', '-f', file], { encoding: 'utf8' })).toContain(keys.b.line.split(' ')[1]);
    expect(kh.check('matrix.example.org', 22, keys.a.blob).status).toBe('trusted');
    expect(kh.check('127.0.0.1', 2022, keys.b.blob).status).toBe('trusted');
    expect(hostKeyName('H', 2022)).toBe('[h]:2022');
  });

  it('a missing file means every host is unknown', () => {
    expect(new KnownHostsFile(path.join(dir, 'none')).check('x', 22, keys.a.blob).status).toBe('unknown');
  });
});
