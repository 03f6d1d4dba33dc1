// The migrate flow on a LEGACY-generation lab (MAS 0.15, tag matrix-authentication-service-syn2mas):
// the real upstream @vector-im/syn2mas 0.15.0 runs, with --upstreamProviderMapping.
// The lab seeds a phone number (msisdn) for bob: the legacy tool's dry run passes with a warning,
// but its REAL run turns that warning into a fatal error and stops half-way (MAS #3479). The wizard
// must refuse before anything changes, say why and what to do — not accept it like on current —
// and, with `fix: [db.non-email-3pids]`, take them out itself (exported first) so the answers file alone
// carries the flow to the end.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ulidToUUID } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  jobDirs,
  labCount,
  labSql,
  MIGRATE_ANSWERS,
  newLab,
  readVars,
  removeLab,
  runAnswers,
  serverRecord,
  status,
  stepStatus,
  type E2E,
  wizard,
} from '../harness/e2e.js';

let e: E2E;
beforeAll(async () => {
  e = await newLab('legacy');
});
afterAll(async () => {
  await removeLab(e);
});

describe('migrate, legacy generation (real @vector-im/syn2mas 0.15.0)', () => {
  it('phone numbers and guests block at the prerequisites, even when accepted, with the reason and the way out; nothing changes', async () => {
    const before = readVars(e);
    // A guest, as Synapse's register_guest leaves one: the legacy tool stops on it ("Migration of guest users is not supported").
    labSql(
      e,
      'synapse',
      "INSERT INTO users (name, creation_ts, admin, is_guest, deactivated, approved) VALUES ('@1001:example.org', 1700001000, 0, 1, 0, true)",
    );
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

  const answers = { ...MIGRATE_ANSWERS, fix: ['db.non-email-3pids', 'mas.providers-not-synced'] };

  it('answers `fix: [db.non-email-3pids]`: the wizard exports the phone numbers to a 0600 file on this machine, deletes exactly those from Synapse and says how to put them back', async () => {
    const before = labSql(e, 'synapse', "SELECT user_id, medium, address FROM user_threepids WHERE medium <> 'email' ORDER BY 1").map((r) => r.join(' '));
    expect(before.length).toBeGreaterThan(0);
    const r = await runAnswers(e, answers, ['--until', 'install']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(labCount(e, 'synapse', "SELECT count(*) FROM user_threepids WHERE medium <> 'email'")).toBe(0);
    expect(labCount(e, 'synapse', "SELECT count(*) FROM user_threepids WHERE medium = 'email'")).toBeGreaterThan(0);
    const dir = path.join(e.stateDir, 'exports');
    const [file] = readdirSync(dir);
    expect(statSync(path.join(dir, file)).mode & 0o777).toBe(0o600);
    const sql = readFileSync(path.join(dir, file), 'utf8');
    expect(sql).toContain('INSERT INTO user_threepids (user_id, medium, address, validated_at, added_at) VALUES');
    for (const row of before) expect(sql).toContain(`'${row.split(' ')[2]}'`);
    expect(r.stdout).toMatch(/To put them back .*run: .*cli-non-interactive.* < /);
    // The numbers are users' personal data: in the 0600 export only, never on screen or in the
    // shareable transcript (`mas-wizard transcript`).
    const shared = await wizard(e, ['transcript']);
    for (const row of before) {
      const address = row.split(' ')[2]!;
      expect(r.stdout + r.stderr).not.toContain(address);
      expect(shared.stdout).not.toContain(address);
    }
    expect(shared.stdout).toContain("(output not logged: users' phone numbers; they go to the export file only)");
    const prereq = (await status(e)).steps.find((st) => st.id === 'prerequisites')!;
    expect((prereq.outputs!.server_fixes as Record<string, { rows: number }>)['db.non-email-3pids'].rows).toBe(before.length);
  }, 120_000);

  it("the lab's MAS wrote its providers to its database when the install started it, as the real MAS does on every start", () => {
    const provider = (readVars(e).matrix_authentication_service_config_upstream_oauth2_providers as { id: string }[])[0];
    expect(
      labCount(
        e,
        'matrix_authentication_service',
        `SELECT count(*) FROM upstream_oauth_providers WHERE upstream_oauth_provider_id = '${ulidToUUID(provider.id).toLowerCase()}'`,
      ),
    ).toBe(1);
  });

  it('MAS has not started since its providers were configured: the check offers the MAS start that syncs them, runs it (answers `fix:`), and the real legacy tool migrates everyone from the answers file alone', async () => {
    // The state of a server where MAS was stopped before it ever synced the provider.
    spawnSync(e.lab.systemctl, ['stop', 'matrix-authentication-service']);
    labSql(e, 'matrix_authentication_service', 'DELETE FROM upstream_oauth_providers');
    const r = await runAnswers(e, answers);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Provider \w+ \(for Synapse's oidc-keycloak\) is not in the MAS database yet: MAS has not started/);
    expect(r.stdout).toMatch(/\$ \S*systemctl start matrix-authentication-service\.service/);
    const provider = (readVars(e).matrix_authentication_service_config_upstream_oauth2_providers as { id: string }[])[0];
    // ansible prints the command as a list: the flag, then its value on the next line
    expect(r.stdout).toMatch(new RegExp(`- --upstreamProviderMapping\\s*\\n.*- oidc-keycloak:${provider.id}`));
    expect(r.stdout).toContain('Completed migration of 6 users with 0 fatals and 0 warnings');
    // The legacy playbook starts Synapse again after a real run; the wizard stops it until the cut-over.
    expect(r.stdout).toContain('Synapse is running again after syn2mas');

    const view = await status(e);
    expect(
      Object.values(stepStatus(view)).every((st) => st === 'succeeded'),
      JSON.stringify(stepStatus(view)),
    ).toBe(true);
    expect(view.steps.find((st) => st.id === 'syn2mas-check')!.outputs!.fixed).toEqual(['mas.providers-not-synced']);
    expect(view.generation).toBe('legacy');
    expect(view.steps.find((st) => st.id === 'migrate')!.outputs!.synapse_running).toBe(false);
    const s = view.summary!;
    expect([s.synapse_users, s.mas_users]).toEqual([6, 6]);
    expect(s.admins).toEqual(['alice', 'ops']);
    expect(s.oidc_links).toBe(2);
    expect((s.doctor as { fail: number }).fail).toBe(0);
    expect(s.synapse_downtime_s).toBeGreaterThan(0);
    const vars = readVars(e);
    expect(Object.keys(vars).filter((k) => /oidc|syn2mas|migration_in_progress/.test(k))).toEqual([]);
    const mas = labSql(e, 'matrix_authentication_service', 'SELECT username, can_request_admin FROM users ORDER BY 1').map(([n, a]) => `${n} ${a}`);
    expect(mas).toEqual(['alice t', 'bob f', 'carol f', 'dave f', 'erin f', 'ops t']);
    expect(serverRecord(e)!.history.filter((h) => h.step === 'migrate' && h.outcome === 'started')).toHaveLength(1);
    expect(jobDirs(e, 'migrate')).toHaveLength(1);
    const dry = view.steps.find((st) => st.id === 'dry-run')!.outputs!.timings as Record<string, number>;
    console.log(`legacy lab: Synapse down ${s.synapse_downtime_s} s; dry run measured ${dry.measured_seconds} s, estimate ${dry.downtime_estimate_seconds} s`);
  }, 180_000);
});
