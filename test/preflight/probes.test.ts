// Probes against a REAL PostgreSQL 15 (a private cluster on a unix socket in a temp dir),
// reached through a cli-non-interactive stand-in that passes its arguments to psql exactly
// as the playbook's script does; `systemctl` is a lab stand-in (no systemd here).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCluster, psql, startCluster, stopCluster, type PgCluster } from '../../source/lab/postgres.js';
import { catalogue } from '../../source/playbook/commands.js';
import { probeServer } from '../../source/preflight/probes.js';
import { LocalTarget } from '../../source/targets/local.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'maswiz-probe-'));
chmodSync(tmp, 0o755);
const pg: PgCluster = { pgDir: path.join(tmp, 'pg'), socketDir: path.join(tmp, 'pg'), port: 20000 + (process.pid % 20000) };
const base = path.join(tmp, 'matrix');
const systemctl = path.join(tmp, 'systemctl');
const target = new LocalTarget({ become: null });
const cat = catalogue({
  checkout: { dir: tmp, generation: 'current', runner: 'ansible-playbook', justPath: null },
  host: 'matrix.example.org',
  layout: { base, systemctl },
});

beforeAll(() => {
  initCluster(pg);
  startCluster(pg);
  mkdirSync(path.join(base, 'postgres/bin'), { recursive: true });
  writeFileSync(path.join(base, 'postgres/bin/cli-non-interactive'), `#!/bin/sh\nexec psql -h ${pg.socketDir} -p ${pg.port} -U postgres "$@"\n`, {
    mode: 0o755,
  });
  writeFileSync(
    systemctl,
    '#!/bin/sh\n[ "$1" = is-active ] || exit 2\nif [ "$2" = matrix-postgres.service ]; then echo active; exit 0; fi\necho inactive; exit 3\n',
    { mode: 0o755 },
  );
  psql(pg, 'postgres', { text: 'CREATE DATABASE synapse; CREATE DATABASE matrix_authentication_service;' });
  psql(pg, 'synapse', {
    text: `
    CREATE TABLE users (name text, password_hash text, admin smallint DEFAULT 0 NOT NULL, is_guest smallint DEFAULT 0 NOT NULL);
    CREATE TABLE user_external_ids (auth_provider text NOT NULL, external_id text NOT NULL, user_id text NOT NULL);
    CREATE TABLE user_threepids (user_id text NOT NULL, medium text NOT NULL, address text NOT NULL, validated_at bigint NOT NULL, added_at bigint NOT NULL);
    INSERT INTO users (name) VALUES ('@alice:example.org'), ('@o''brien:example.org');`,
  });
}, 60_000);

afterAll(async () => {
  await target.close();
  stopCluster(pg);
  rmSync(tmp, { recursive: true, force: true });
});

const ctx = { serverName: 'example.org', mappedIdps: ['oidc-keycloak'] };

describe('server probes (real PostgreSQL)', () => {
  it('a clean server: no db findings, service states read', async () => {
    const r = await probeServer(target, cat, ctx);
    expect(r.findings).toEqual([]);
    expect(r.services).toEqual({
      'matrix-postgres.service': 'active',
      'matrix-synapse.service': 'inactive',
      'matrix-authentication-service.service': 'inactive',
    });
    expect(r.commands.some((c) => c.includes('cli-non-interactive -d synapse'))).toBe(true);
  });

  it('SQL parameters with quotes reach PostgreSQL intact', async () => {
    const q = cat.sql('synapse', 'SELECT name FROM users WHERE name = $1', ["@o'brien:example.org"]);
    const res = await target.run(q.command);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe("@o'brien:example.org\n");
  });

  it('every db.* condition is found, with counts', async () => {
    psql(pg, 'synapse', {
      text: `
      INSERT INTO users (name, is_guest) VALUES ('@eve:other.org', 0), ('@guest1:example.org', 1);
      INSERT INTO user_external_ids VALUES ('oauth-delegated', 'x', '@alice:example.org'), ('oidc-keycloak', 'k1', '@alice:example.org'), ('oidc-github', 'g1', '@o''brien:example.org');
      INSERT INTO user_threepids VALUES ('@alice:example.org', 'msisdn', '+15550100', 0, 0), ('@alice:example.org', 'email', 'a@example.org', 0, 0);`,
    });
    psql(pg, 'matrix_authentication_service', {
      text: "CREATE TABLE users (user_id uuid, username text); INSERT INTO users VALUES (gen_random_uuid(), 'early'); CREATE TABLE user_emails (x int);",
    });
    const r = await probeServer(target, cat, ctx);
    const byId = Object.fromEntries(r.findings.map((f) => [f.id, f]));
    expect(Object.keys(byId).sort()).toEqual([
      'db.external-ids-unmapped',
      'db.foreign-server-users',
      'db.guests-present',
      'db.mas-not-empty',
      'db.non-email-3pids',
      'db.oauth-delegated-rows',
    ]);
    expect(byId['db.mas-not-empty'].detail).toContain('users: 1');
    expect(byId['db.mas-not-empty'].detail).not.toContain('user_emails');
    expect(byId['db.foreign-server-users'].detail).toContain('1 Synapse user(s) (e.g. @eve:other.org)');
    expect(byId['db.external-ids-unmapped'].detail).toContain('oidc-github (1 user)');
    expect(byId['db.external-ids-unmapped'].detail).not.toContain('keycloak');
    expect(byId['db.guests-present'].severity).toBe('warn');
    expect(byId['db.non-email-3pids'].detail).toContain('1 non-email');
  });

  it('a database that cannot be reached is a warning naming the failed command, not a crash', async () => {
    const broken = catalogue({
      checkout: { dir: tmp, generation: 'current', runner: 'ansible-playbook', justPath: null },
      host: 'h',
      layout: { base: path.join(tmp, 'nowhere'), systemctl },
    });
    const r = await probeServer(target, broken, ctx);
    expect(r.findings.map((f) => f.id)).toEqual(['server.probe-failed', 'server.probe-failed']);
    expect(r.findings[0].detail).toContain('nowhere/postgres/bin/cli-non-interactive');
  });
});
