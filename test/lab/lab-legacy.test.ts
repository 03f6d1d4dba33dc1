// The legacy lab runs the REAL @vector-im/syn2mas 0.15.0 against its databases.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import stripAnsi from 'strip-ansi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyLab, ensureLab, type LabInfo } from '../../source/lab/lab.js';
import { labParent, run, sql, writeMasConfig, KEYCLOAK_ULID, KEYCLOAK_UUID } from './helpers.js';
import { parseDoctorOutput } from '../../source/parsers/doctor.js';

let parent: string;
let lab: LabInfo;
const syn2mas = (args: string[]) => run(path.join(lab.dir, 'server', 'bin', 'syn2mas'), args);
const count = (t: string) => Number(sql(lab, 'matrix_authentication_service', `SELECT count(*) FROM ${t}`));

beforeAll(async () => {
  parent = labParent();
  lab = await ensureLab({ dir: path.join(parent, 'lab'), generation: 'legacy' });
  // What `mas-cli config sync` leaves in MAS 0.15 for the configured Keycloak provider (the legacy tool only looks it up).
  sql(
    lab,
    'matrix_authentication_service',
    `INSERT INTO upstream_oauth_providers (upstream_oauth_provider_id, issuer, scope, client_id, token_endpoint_auth_method, created_at) VALUES ('${KEYCLOAK_UUID}', 'https://keycloak.example.org/realms/matrix', 'openid', 'mas', 'client_secret_basic', now())`,
  );
});

afterAll(async () => {
  await destroyLab({ dir: lab.dir });
  rmSync(parent, { recursive: true, force: true });
});

describe('legacy syn2mas 0.15.0 (real tool)', () => {
  it('pins MAS 0.15.0 and the old tag in the playbook', () => {
    expect(readFileSync(path.join(lab.playbookDir, 'roles/custom/matrix-authentication-service/defaults/main.yml'), 'utf8')).toContain(
      'matrix_authentication_service_version: 0.15.0',
    );
    expect(readFileSync(path.join(lab.playbookDir, 'roles/custom/matrix-authentication-service/tasks/main.yml'), 'utf8')).toContain(
      'matrix-authentication-service-syn2mas]',
    );
  });

  it('dies with "Unknown upstream provider oidc-keycloak" without --upstreamProviderMapping, leaving half-migrated users', () => {
    const hs = path.join(lab.serverRoot, 'synapse', 'config', 'homeserver.yaml');
    const mas = writeMasConfig(lab, path.join(parent, 'mas.yaml'), { mapKeycloak: false });
    sql(lab, 'synapse', "DELETE FROM user_threepids WHERE medium = 'msisdn'"); // the real tool makes any per-user warning fatal
    const r = syn2mas(['--command=migrate', `--synapseConfigFile=${hs}`, `--masConfigFile=${mas}`]);
    expect(r.status).toBe(1);
    expect(stripAnsi(r.stdout + r.stderr)).toMatch(
      /\[FATAL\] migrate - Failed to import external id .* with oidc-keycloak for user @carol:example\.org: Error: Unknown upstream provider oidc-keycloak/,
    );
    expect(count('users')).toBeGreaterThan(0);
    const rerun = syn2mas([
      '--command=migrate',
      `--synapseConfigFile=${hs}`,
      `--masConfigFile=${mas}`,
      '--upstreamProviderMapping',
      `oidc-keycloak:${KEYCLOAK_ULID}`,
    ]);
    expect(rerun.status).toBe(1);
    expect(stripAnsi(rerun.stdout + rerun.stderr)).toMatch(/Found \d+ existing users in MAS\. Refusing to continue/);
  });

  it('migrates every seeded user with --upstreamProviderMapping (counts match Synapse)', () => {
    sql(
      lab,
      'matrix_authentication_service',
      'TRUNCATE users, user_passwords, user_emails, upstream_oauth_links, compat_sessions, compat_access_tokens, compat_refresh_tokens CASCADE',
    );
    const hs = path.join(lab.serverRoot, 'synapse', 'config', 'homeserver.yaml');
    const mas = path.join(parent, 'mas.yaml');
    const r = syn2mas([
      '--command=migrate',
      `--synapseConfigFile=${hs}`,
      `--masConfigFile=${mas}`,
      '--upstreamProviderMapping',
      `oidc-keycloak:${KEYCLOAK_ULID}`,
    ]);
    expect(stripAnsi(r.stdout + r.stderr)).toContain('Completed migration of 6 users with 0 fatals');
    expect(r.status).toBe(0);
    expect(count('users')).toBe(Number(sql(lab, 'synapse', 'SELECT count(*) FROM users WHERE appservice_id IS NULL')));
    expect(count('user_passwords')).toBe(Number(sql(lab, 'synapse', 'SELECT count(*) FROM users WHERE appservice_id IS NULL AND password_hash IS NOT NULL')));
    expect(sql(lab, 'matrix_authentication_service', `SELECT count(*) FROM upstream_oauth_links WHERE upstream_oauth_provider_id = '${KEYCLOAK_UUID}'`)).toBe(
      '2',
    );
    expect(count('compat_refresh_tokens')).toBe(1);
  });
});

describe('mas-cli doctor of MAS 0.15', () => {
  it("prints tracing's full format (span, target, file:line) and the 0.15 checks; the parser reads the messages without it", () => {
    const config = writeMasConfig(lab, path.join(parent, 'mas-doctor.yaml'), { mapKeycloak: true });
    const r = run(path.join(lab.dir, 'server', 'bin', 'mas-cli-in-container'), ['--config', config, 'doctor']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z  INFO cli\.doctor: mas_cli::commands::doctor: crates\/cli\/src\/commands\/doctor\.rs:32: 💡 Running diagnostics, /,
    );
    expect(r.stderr).toContain('The Synapse admin API is reachable at');
    expect(r.stderr).not.toContain('Synapse MAS API');
    const report = parseDoctorOutput(r.stderr);
    expect(report.items.length).toBe(lines.length);
    for (const item of report.items) expect(item.text).not.toMatch(/cli\.doctor|doctor\.rs/);
    // Migration in progress: the well-known document does not announce MAS yet (a warning without an emoji in 0.15).
    expect(report.items.find((i) => i.check === 'doctor.well-known-msc2965')).toMatchObject({
      status: 'warn',
      text: 'Matrix client well-known is missing the "org.matrix.msc2965.authentication" section.',
    });
  });
});
