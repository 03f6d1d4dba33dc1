// The migrate flow on a LEGACY-generation lab (MAS 0.15, tag matrix-authentication-service-syn2mas):
// the real upstream @vector-im/syn2mas 0.15.0 runs, with --upstreamProviderMapping.
// The lab seeds a phone number (msisdn) for bob: the legacy tool's dry run passes with a warning,
// but its REAL run turns that warning into a fatal error and stops half-way (MAS #3479). The wizard
// must refuse before anything changes, say why and what to do — not accept it like on current.
import { ulidToUUID } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  jobDirs, labCount, labSql, MIGRATE_ANSWERS, newLab, readVars, removeLab, runAnswers, serverRecord, status, stepStatus, type E2E,
} from '../harness/e2e.js';

let e: E2E;
beforeAll(async () => { e = await newLab('legacy'); });
afterAll(async () => { await removeLab(e); });

describe('migrate, legacy generation (real @vector-im/syn2mas 0.15.0)', () => {
  it('phone numbers and guests block at the prerequisites, even when accepted, with the reason and the way out; nothing changes', async () => {
    const before = readVars(e);
    // A guest, as Synapse's register_guest leaves one: the legacy tool stops on it ("Migration of guest users is not supported").
    labSql(e, 'synapse', "INSERT INTO users (name, creation_ts, admin, is_guest, deactivated, approved) VALUES ('@1001:example.org', 1700001000, 0, 1, 0, true)");
    const r = await runAnswers(e, { ...MIGRATE_ANSWERS, accept: [...MIGRATE_ANSWERS.accept, 'db.guests-present'] }); // not enough on legacy
    labSql(e, 'synapse', "DELETE FROM users WHERE name = '@1001:example.org'");
    expect(r.stdout).toMatch(/db\.guests-present: .*1 guest user\(s\) exist\. The legacy syn2mas .* "Migration of guest users is not supported: <user>"/);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toMatch(/db\.non-email-3pids.*turns every per-user warning into a fatal error in the real run/s);
    expect(r.stdout).toContain("DELETE FROM user_threepids WHERE medium <> 'email'");
    expect(r.stdout).toContain('current playbook generation');
    expect(readVars(e)).toEqual(before);
    expect(stepStatus(await status(e)).prerequisites).toBe('failed');
  }, 60_000);

  it('after the operator removes them, a provider MAS has not synced yet stops the check (the legacy tool only looks it up)', async () => {
    labSql(e, 'synapse', "DELETE FROM user_threepids WHERE medium <> 'email'");
    const r = await runAnswers(e, MIGRATE_ANSWERS);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toMatch(/"syn2mas-check" failed: provider \w+ \(for Synapse's oidc-keycloak\) is not in the MAS database yet/);
    expect(r.stdout).toContain('config sync');
    expect(labCount(e, 'matrix_authentication_service', 'SELECT count(*) FROM users')).toBe(0);
  }, 120_000);

  it('once MAS has its providers (simulated: the lab\'s MAS start does not sync them), the real legacy tool migrates everyone', async () => {
    // What `mas-cli server` (0.15) writes on start for the configured provider; the lab's stand-in does not.
    const provider = (readVars(e).matrix_authentication_service_config_upstream_oauth2_providers as { id: string; issuer: string; client_id: string }[])[0];
    labSql(e, 'matrix_authentication_service', `INSERT INTO upstream_oauth_providers (upstream_oauth_provider_id, issuer, scope, client_id, token_endpoint_auth_method, created_at) VALUES ('${ulidToUUID(provider.id).toLowerCase()}', '${provider.issuer}', 'openid', '${provider.client_id}', 'client_secret_basic', now())`);
    const r = await runAnswers(e, MIGRATE_ANSWERS);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // ansible prints the command as a list: the flag, then its value on the next line
    expect(r.stdout).toMatch(new RegExp(`- --upstreamProviderMapping\\s*\\n.*- oidc-keycloak:${provider.id}`));
    expect(r.stdout).toContain('Completed migration of 6 users with 0 fatals and 0 warnings');
    // The legacy playbook starts Synapse again after a real run; the wizard stops it until the cut-over.
    expect(r.stdout).toContain('Synapse is running again after syn2mas');

    const view = await status(e);
    expect(Object.values(stepStatus(view)).every((s) => s === 'succeeded'), JSON.stringify(stepStatus(view))).toBe(true);
    expect(view.generation).toBe('legacy');
    expect(view.steps.find((st) => st.id === 'migrate')!.outputs!.synapse_running).toBe(false);
    const s = view.summary!;
    expect([s.synapse_users, s.mas_users]).toEqual([6, 6]);
    expect(s.admins).toEqual(['alice', 'ops']);
    expect(s.oidc_links).toBe(2);
    expect((s.doctor as { fail: number }).fail).toBe(0);
    const vars = readVars(e);
    expect(Object.keys(vars).filter((k) => /oidc|syn2mas|migration_in_progress/.test(k))).toEqual([]);
    const mas = labSql(e, 'matrix_authentication_service', 'SELECT username, can_request_admin FROM users ORDER BY 1').map(([n, a]) => `${n} ${a}`);
    expect(mas).toEqual(['alice t', 'bob f', 'carol f', 'dave f', 'erin f', 'ops t']);
    expect(serverRecord(e)!.history.filter((h) => h.step === 'migrate' && h.outcome === 'started')).toHaveLength(1);
    expect(jobDirs(e, 'migrate')).toHaveLength(1);
  }, 150_000);
});
