// `mas-cli doctor` always exits 0: the checklist from its output is the verdict.
// Samples follow the exact texts of reference/mas.md §4, current and older versions.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DoctorParser, parseDoctorOutput } from '../../source/parsers/doctor.js';

const load = (name: string) => readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('doctor parser', () => {
  it('a healthy current MAS: every check ✅, healthy', () => {
    const r = parseDoctorOutput(load('doctor-current-healthy.txt'));
    expect(r.items.map((i) => [i.status, i.check])).toEqual([
      ['info', 'doctor.start'],
      ['ok', 'doctor.homeserver-reachable'],
      ['ok', 'doctor.token-delegation'],
      ['ok', 'doctor.synapse-mas-api'],
      ['ok', 'doctor.legacy-login'],
    ]);
    expect(r.healthy).toBe(true);
    expect(r.counts).toEqual({ ok: 4, warn: 0, fail: 0, info: 1 });
    expect(r.items.every((i) => i.todo === undefined)).toBe(true);
    expect(r.items[1].text).toBe('Homeserver is reachable at "http://matrix-synapse:8008/_matrix/client/versions"');
  });

  it('failures: each with its meaning and what to do, continuation lines kept, the emoji-less ERROR counted as a failure', () => {
    const r = parseDoctorOutput(load('doctor-current-problems.txt'));
    expect(r.healthy).toBe(false);
    expect(r.counts).toEqual({ ok: 1, warn: 1, fail: 4, info: 1 });
    const [, issuer, , whoami, api, login, noSpace] = r.items;
    expect(issuer).toMatchObject({ status: 'warn', check: 'doctor.issuer-https' });
    expect(issuer.detail).toEqual(['This means some clients will refuse to use it.']);
    expect(whoami).toMatchObject({ status: 'fail', check: 'doctor.token-delegation' });
    expect(whoami.meaning).toMatch(/accepted a made-up token/);
    expect(whoami.todo).toMatch(/migration_in_progress/);
    expect(api).toMatchObject({ status: 'fail', check: 'doctor.synapse-mas-api' });
    expect(api.meaning).toMatch(/404/);
    expect(api.todo).toMatch(/migration_in_progress/);
    expect(api.detail).toContain('    matrix_authentication_service:');
    expect(login).toMatchObject({
      status: 'fail',
      check: 'doctor.legacy-login',
      text: 'The legacy login API at "https://matrix.example.org/_matrix/client/v3/login" replied with 502 Bad Gateway.',
    });
    expect(noSpace).toMatchObject({ status: 'fail', check: 'doctor.homeserver-reachable' });
    expect(noSpace.text.startsWith("Can't reach the homeserver")).toBe(true);
  });

  it('older MAS (before 1.2 / 1.21): admin API checks and the well-known msc2965 warning', () => {
    const r = parseDoctorOutput(load('doctor-old-v1.1.txt'));
    expect(r.items.map((i) => [i.status, i.check])).toEqual([
      ['info', 'doctor.start'],
      ['ok', 'doctor.well-known'],
      ['ok', 'doctor.homeserver-reachable'],
      ['ok', 'doctor.token-delegation'],
      ['ok', 'doctor.synapse-admin-api'],
      ['fail', 'doctor.synapse-mas-api'],
      ['warn', 'doctor.well-known-msc2965'],
    ]);
    expect(r.items[5].meaning).toMatch(/refused MAS's shared secret/);
  });

  it('the tracing format before 0.16 (target: file.rs:NN:) reads the same', () => {
    const r = parseDoctorOutput(load('doctor-pre-0.16-format.txt'));
    expect(r.items.map((i) => [i.status, i.check])).toEqual([
      ['info', 'doctor.start'],
      ['ok', 'doctor.homeserver-reachable'],
      ['warn', 'doctor.well-known-msc2965'],
    ]);
    expect(r.items[2].text).toBe('Matrix client well-known is missing the "org.matrix.msc2965.authentication" section.');
  });

  it('a config error before any check: fatal, not healthy', () => {
    const r = parseDoctorOutput('Error: failed to load configuration\n\nCaused by:\n    0: missing field `secrets`\n');
    expect(r.fatal).toBe('failed to load configuration Caused by: 0: missing field `secrets`');
    expect(r.healthy).toBe(false);
  });

  it('untimestamped pasted lines and colour codes are read too; an unknown ❌ still fails', () => {
    const r = parseDoctorOutput('\u001b[32m✅ Homeserver is reachable at "x"\u001b[0m\n❌ Something new went wrong\n  details here\n');
    expect(r.items.map((i) => [i.status, i.check])).toEqual([
      ['ok', 'doctor.homeserver-reachable'],
      ['fail', 'doctor.other'],
    ]);
    expect(r.items[1].detail).toEqual(['  details here']);
    expect(r.items[1].todo).toBeDefined();
  });

  it('streams: chunks split inside a multi-byte emoji give the same checklist', () => {
    const text = load('doctor-current-problems.txt');
    const p = new DoctorParser();
    for (let i = 0; i < text.length; i += 3) p.feed(text.slice(i, i + 3));
    expect(p.end()).toEqual(parseDoctorOutput(text));
  });
});
