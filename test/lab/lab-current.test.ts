// The current-generation lab: creation, doctor following lab state, `mas-cli syn2mas` check/migrate
// exit codes, blocks and real copying, mas-cli manage, and every fault switch.
import { readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyLab, ensureLab, resetLab, type LabInfo } from '../../source/lab/lab.js';
import { readFaults, writeFaults } from '../../source/lab/faults.js';
import { labParent, run, sql, writeMasConfig, KEYCLOAK_UUID } from './helpers.js';

let parent: string;
let lab: LabInfo;
let createdMs: number;

const masCli = (args: string[]) => run(path.join(lab.dir, 'server', 'bin', 'mas-cli-in-container'), args);
const hsConfig = () => `--synapse-config=${path.join(lab.serverRoot, 'synapse', 'config', 'homeserver.yaml')}`;
const masCount = (table: string) => Number(sql(lab, 'matrix_authentication_service', `SELECT count(*) FROM ${table}`));
const systemctl = (...args: string[]) => run(lab.systemctl, args);

beforeAll(async () => {
  parent = labParent();
  const started = Date.now();
  lab = await ensureLab({ dir: path.join(parent, 'lab') });
  createdMs = Date.now() - started;
});

afterAll(async () => {
  await destroyLab({ dir: lab.dir });
  rmSync(parent, { recursive: true, force: true });
});

describe('lab creation', () => {
  it('creates a current-generation lab and reuses it without rebuilding', async () => {
    // How fast is the benchmark's business; this only logs it.
    console.log(`lab creation took ${createdMs} ms`);
    expect(lab.generation).toBe('current');
    expect(
      run('grep', ['-h', 'matrix_authentication_service_version', path.join(lab.playbookDir, 'roles/custom/matrix-authentication-service/defaults/main.yml')])
        .stdout,
    ).toContain('1.23.0');
    const built = statSync(path.join(lab.playbookDir, 'setup.yml')).ino;
    expect((await ensureLab({ dir: lab.dir })).pgPort).toBe(lab.pgPort);
    expect(statSync(path.join(lab.playbookDir, 'setup.yml')).ino, 'the playbook was rebuilt').toBe(built);
    await expect(ensureLab({ dir: lab.dir, generation: 'legacy' })).rejects.toThrow(/lab reset --generation legacy/);
  });

  it('holds a seeded Synapse (C collation) and an empty MAS with its sqlx migration rows', () => {
    expect(sql(lab, 'synapse', "SELECT datcollate FROM pg_database WHERE datname = 'synapse'")).toBe('C');
    expect(sql(lab, 'synapse', 'SELECT count(*) FROM users WHERE appservice_id IS NULL AND deactivated = 0')).toBe('5');
    expect(sql(lab, 'synapse', "SELECT count(*) FROM user_threepids WHERE medium = 'msisdn'")).toBe('1');
    expect(sql(lab, 'synapse', "SELECT count(*) FROM user_external_ids WHERE auth_provider = 'oidc-keycloak'")).toBe('2');
    expect(masCount('users')).toBe(0);
    expect(Number(sql(lab, 'matrix_authentication_service', 'SELECT count(*) FROM _sqlx_migrations'))).toBeGreaterThan(150);
  });

  it('serves SQL through the postgres scripts, and they fail like the real ones when Postgres is stopped', () => {
    const cli = path.join(lab.serverRoot, 'postgres', 'bin', 'cli-non-interactive');
    expect(run(cli, ['-d', 'synapse', '-Atc', 'SELECT count(*) FROM users']).stdout.trim()).toBe('7');
    systemctl('stop', 'matrix-postgres');
    const down = run(cli, ['-d', 'synapse', '-c', 'SELECT 1']);
    expect(down.status).not.toBe(0);
    expect(down.stderr).toContain('could not translate host name "matrix-postgres"');
    systemctl('start', 'matrix-postgres');
    // dump-all writes as the lab's matrix user (lab-real-server.test.ts): give it its directory.
    const out = path.join(parent, 'dump');
    run('mkdir', ['-m', '0700', out]);
    run('chown', [`${lab.matrixUser!.name}:`, out]);
    const dump = run(path.join(lab.serverRoot, 'postgres', 'bin', 'dump-all'), [out]);
    expect(dump.status, dump.stderr).toBe(0);
    expect(run('zstd', ['-dc', path.join(out, 'latest-dump.sql.zst')]).stdout).toContain('CREATE DATABASE matrix_authentication_service');
  });
});

describe('mas-cli syn2mas (current)', () => {
  it('check: exit 10 with the Errors block when the Keycloak provider is not configured in MAS', () => {
    const config = writeMasConfig(lab, path.join(parent, 'mas-unmapped.yaml'), { mapKeycloak: false });
    const r = masCli(['--config', config, 'syn2mas', hsConfig(), 'check']);
    expect(r.status).toBe(10);
    // As MAS prints it (real-outputs.md §2): no log lines of its own, the report on stderr, nothing on stdout.
    expect(r.stderr.startsWith('\n\n===== Errors =====\nThese issues prevent migrating from Synapse to MAS right now:\n\n• ')).toBe(true);
    expect(r.stderr).toMatch(/\.\n\n\n\n===== Warnings =====\n/);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('provider \'oidc-keycloak\' (issuer: "https://keycloak.example.org/realms/matrix") used by 2 users');
    expect(r.stderr).toContain('===== Warnings =====');
  });

  it('check: exit 11 (warnings only) once mapped; a wrong v1 scheme is an error', () => {
    const config = writeMasConfig(lab, path.join(parent, 'mas.yaml'), { mapKeycloak: true });
    const r = masCli(['--config', config, 'syn2mas', hsConfig(), 'check']);
    expect(r.status).toBe(11);
    expect(r.stderr.startsWith('\n\n===== Warnings =====\n')).toBe(true);
    expect(r.stderr.endsWith('which will be migrated but are not supported by MAS.\n\n')).toBe(true);
    expect(r.stderr).toContain('1 non-email 3PIDs');
    const argon = writeMasConfig(lab, path.join(parent, 'mas-argon.yaml'), { mapKeycloak: true, v1Scheme: 'argon2id' });
    expect(masCli(['--config', argon, 'syn2mas', hsConfig(), 'check']).stderr).toContain(
      "Password scheme version '1' in the MAS config must use the Bcrypt algorithm",
    );
    sql(lab, 'synapse', "DELETE FROM user_threepids WHERE medium = 'msisdn'");
    const clean = masCli(['--config', config, 'syn2mas', hsConfig(), 'check']);
    expect(clean.status).toBe(0);
    expect(clean.stdout).toBe('Check completed successfully with no errors or warnings.\n');
    sql(lab, 'synapse', "INSERT INTO user_threepids VALUES ('@bob:example.org', 'msisdn', '447700900123', 1700000160000, 1700000155000)");
  });

  it('migrate --dry-run copies then deletes, leaving only the synced provider; a real run refuses while Synapse is up', () => {
    const config = path.join(parent, 'mas.yaml');
    const dry = masCli(['--config', config, 'syn2mas', hsConfig(), 'migrate', '--dry-run']);
    expect(dry.status).toBe(0);
    expect(dry.stderr).toMatch(/ INFO syn2mas::migration:\d+ 6 users migrated \(1 skipped\)/);
    expect(dry.stderr).toContain('Migration ran in dry-run mode, deleting all imported data');
    // migrate: config sync, then the report (warnings do not stop it), then the migration.
    expect(dry.stderr).toMatch(
      /Acquiring configuration lock\n[\s\S]*Syncing providers[\s\S]*\n\n===== Warnings =====\n[\s\S]*\n[^\n]+ INFO syn2mas::mas_writer:\d+ Starting new syn2mas migration\n/,
    );
    expect(dry.stdout).toBe('');
    expect(masCount('users')).toBe(0);
    expect(sql(lab, 'matrix_authentication_service', 'SELECT upstream_oauth_provider_id FROM upstream_oauth_providers')).toBe(KEYCLOAK_UUID);
    const real = masCli(['--config', config, 'syn2mas', hsConfig(), 'migrate']);
    expect(real.status).toBe(1);
    expect(real.stderr).toContain('Error: database error whilst locking Synapse table `users`');
    expect(masCount('users')).toBe(0);
  });

  it('migrate (Synapse stopped) really copies users, passwords, emails, links and sessions; a re-run finds MAS not empty', () => {
    systemctl('stop', 'matrix-synapse');
    const config = path.join(parent, 'mas.yaml');
    const r = masCli(['--config', config, 'syn2mas', hsConfig(), 'migrate']);
    expect(r.stderr).toContain('Failed to parse device IP, ignoring');
    expect(r.status).toBe(0);
    expect(masCount('users')).toBe(6);
    expect(masCount('user_passwords')).toBe(4);
    expect(sql(lab, 'matrix_authentication_service', "SELECT string_agg(email, ',' ORDER BY email) FROM user_emails")).toBe(
      'alice@example.org,bob@example.org,dave@example.org',
    );
    expect(masCount('user_unsupported_third_party_ids')).toBe(1);
    expect(sql(lab, 'matrix_authentication_service', `SELECT count(*) FROM upstream_oauth_links WHERE upstream_oauth_provider_id = '${KEYCLOAK_UUID}'`)).toBe(
      '2',
    );
    expect(sql(lab, 'matrix_authentication_service', "SELECT string_agg(username, ',' ORDER BY username) FROM users WHERE can_request_admin")).toBe(
      'alice,ops',
    );
    expect(sql(lab, 'matrix_authentication_service', 'SELECT count(*) FROM users WHERE deactivated_at IS NOT NULL')).toBe('1');
    expect(masCount('compat_refresh_tokens')).toBe(1);
    expect(masCount('compat_access_tokens')).toBe(4);
    const again = masCli(['--config', config, 'syn2mas', hsConfig(), 'check']);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('Error: The MAS database is not empty: rows found in at least `users`.');
  });
});

describe('lab scenarios', () => {
  it('reset without --generation builds the current generation and no scenario, whatever the last lab was', async () => {
    lab = await resetLab({ dir: lab.dir, generation: 'current', scenarios: ['guests'] });
    expect(lab.scenarios).toEqual(['guests']);
    lab = await resetLab({ dir: lab.dir });
    expect(lab.generation).toBe('current');
    expect(lab.scenarios).toEqual([]);
    expect(sql(lab, 'synapse', 'SELECT count(*) FROM users WHERE is_guest = 1')).toBe('0');
  });

  it('guests: Synapse holds guest users next to the default ones', async () => {
    lab = await resetLab({ dir: lab.dir, scenarios: ['guests'] });
    expect(sql(lab, 'synapse', 'SELECT count(*) FROM users WHERE is_guest = 1')).toBe('2');
    expect(Number(sql(lab, 'synapse', 'SELECT count(*) FROM users WHERE is_guest = 0'))).toBeGreaterThan(0);
  });

  it('fresh: no users, and neither homeserver.yaml nor vars.yml has Synapse OIDC', async () => {
    lab = await resetLab({ dir: lab.dir, scenarios: ['fresh'] });
    expect(sql(lab, 'synapse', 'SELECT count(*) FROM users')).toBe('0');
    expect(readFileSync(path.join(lab.serverRoot, 'synapse', 'config', 'homeserver.yaml'), 'utf8')).not.toContain('oidc_providers');
    expect(readFileSync(path.join(lab.playbookDir, 'inventory', 'host_vars', lab.host, 'vars.yml'), 'utf8')).not.toContain('oidc');
    await expect(resetLab({ dir: lab.dir, scenarios: ['nope'] })).rejects.toThrow(/unknown lab scenario "nope" \(known: guests, fresh/);
    expect(lab.scenarios).toEqual(['fresh']);
  });
});

describe('doctor and manage against lab state', () => {
  beforeAll(async () => {
    lab = await resetLab({ dir: lab.dir });
  });

  it('doctor: ❌ when Synapse is stopped, ⚠️ while Synapse handles logins, always exit 0', () => {
    const config = writeMasConfig(lab, path.join(parent, 'mas.yaml'), { mapKeycloak: true });
    systemctl('stop', 'matrix-synapse');
    const down = masCli(['--config', config, 'doctor']);
    expect(down.status).toBe(0);
    expect(down.stderr).toContain("❌ Can't reach the homeserver");
    systemctl('start', 'matrix-synapse');
    const up = masCli(['--config', config, 'doctor']);
    expect(up.status).toBe(0);
    expect(up.stderr).toContain('✅ Homeserver is reachable');
    expect(up.stderr).toContain(
      '⚠️ The legacy login API at "https://matrix.example.org/_matrix/client/v3/login" is reachable, but it doesn\'t look to be handled by MAS.',
    );
  });

  it('manage: register-user with complexity check, add-email, promote/demote, list-admin-users, verify-email no-op', () => {
    const config = path.join(parent, 'mas.yaml');
    const weak = masCli(['--config', config, 'manage', 'register-user', '--yes', '-p', 'password1', 'zoe']);
    expect(weak.status).toBe(1);
    expect(weak.stderr).toContain('That password is too weak.');
    const ok = masCli([
      '--config',
      config,
      'manage',
      'register-user',
      '--yes',
      '-p',
      'correct horse battery staple',
      '--admin',
      '-e',
      'zoe@example.org',
      '@zoe:example.org',
    ]);
    expect(ok.status).toBe(0);
    expect(ok.stderr).toMatch(/User registered user\.id=[0-9A-Z]{26}/);
    expect(masCli(['--config', config, 'manage', 'register-user', '--yes', '--ignore-password-complexity', '-p', 'x', 'zoe']).stderr).toContain(
      'Error: User already exists',
    );
    expect(masCli(['--config', config, 'manage', 'add-email', 'zoe', 'z2@example.org']).status).toBe(0);
    expect(masCli(['--config', config, 'manage', 'demote-admin', 'zoe']).stderr).toContain('User is no longer admin');
    expect(masCli(['--config', config, 'manage', 'promote-admin', 'zoe']).stderr).toContain('User promoted to admin');
    expect(masCli(['--config', config, 'manage', 'list-admin-users']).stderr).toContain('(1 total)');
    const verify = masCli(['--config', config, 'manage', 'verify-email', 'zoe', 'z2@example.org']);
    expect(verify.status).toBe(0);
    expect(verify.stderr).toContain("The 'verify-email' command is deprecated");
    expect(masCli(['--config', config, 'manage', 'promote-admin', 'nobody']).stderr).toContain('Error: User not found');
    systemctl('stop', 'matrix-synapse');
    expect(masCli(['--config', config, 'manage', 'register-user', '--yes', '--ignore-password-complexity', 'yan']).status).toBe(1);
    systemctl('start', 'matrix-synapse');
  });
});

describe('faults', () => {
  beforeAll(async () => {
    lab = await resetLab({ dir: lab.dir });
    writeMasConfig(lab, path.join(parent, 'mas.yaml'), { mapKeycloak: true });
  });
  const check = () => masCli(['--config', path.join(parent, 'mas.yaml'), 'syn2mas', hsConfig(), 'check']);

  it('rejects bad switches without writing anything', () => {
    expect(() => writeFaults(lab.dir, { slowMs: -1 })).toThrow(/slowMs/);
    expect(() => writeFaults(lab.dir, { nope: true } as never)).toThrow(/nope|Unrecognized/);
    expect(readFaults(lab.dir)).toEqual({});
  });

  it('masDbNotEmpty: syn2mas stops with "MAS database is not empty"; switching it off restores an empty MAS', () => {
    writeFaults(lab.dir, { masDbNotEmpty: true });
    expect(check().stderr).toContain('The MAS database is not empty: rows found in at least `users`');
    writeFaults(lab.dir, {});
    expect(masCount('users')).toBe(0);
  });

  it('unmappedOidc: an unknown provider error; foreignUsers: migrate fails on the wrong server name', () => {
    writeFaults(lab.dir, { unmappedOidc: true });
    const r = check();
    expect(r.status).toBe(10);
    expect(r.stderr).toContain(
      "Synapse database contains 1 users associated to the OpenID Connect or OAuth2 provider 'oidc-github' but the Synapse configuration does not contain this provider.",
    );
    writeFaults(lab.dir, { foreignUsers: true });
    systemctl('stop', 'matrix-synapse');
    const m = masCli(['--config', path.join(parent, 'mas.yaml'), 'syn2mas', hsConfig(), 'migrate', '--dry-run']);
    expect(m.status).toBe(1);
    expect(m.stderr).toContain('wrong server name: expected "example.org", got "other.example"');
    writeFaults(lab.dir, {});
  });

  it('synapseRefusesStart, slowMs and truncateOutput', () => {
    writeFaults(lab.dir, { synapseRefusesStart: true });
    // Like a docker-run unit: the start is accepted, the process dies a moment later and its
    // journal says why (the lab's journalctl prints it).
    const s = systemctl('start', 'matrix-synapse');
    expect(s.status).toBe(0);
    expect(systemctl('is-active', 'matrix-synapse').stdout.trim()).toBe('inactive');
    const journal = run(path.join(lab.dir, 'server', 'bin', 'journalctl'), ['-u', 'matrix-synapse.service', '-n', '80', '--no-pager']);
    expect(journal.stdout).toMatch(/matrix-synapse\[\d+\]: .*Could not connect to MAS/);
    expect(journal.stdout).toContain("matrix-synapse.service: Failed with result 'exit-code'.");
    writeFaults(lab.dir, { slowMs: 700 });
    const t0 = Date.now();
    check();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
    writeFaults(lab.dir, {});
    systemctl('start', 'matrix-synapse');
    const full = check();
    writeFaults(lab.dir, { truncateOutput: true });
    const cut = check();
    expect(cut.status).toBe(full.status);
    expect((cut.stdout + cut.stderr).length).toBeLessThan((full.stdout + full.stderr).length);
    expect(cut.stderr).not.toContain('non-email 3PIDs');
    writeFaults(lab.dir, {});
  });
});
