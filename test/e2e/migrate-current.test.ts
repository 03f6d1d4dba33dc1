// The whole migrate flow of the current playbook generation through `mas-wizard run --answers`
// on the practice lab (issue 3/5/6 "done when"): first only up to the dry run, then — after the
// operator edited vars.yml by hand — to the end, which must redo the dry run before migrating.
// Real ansible-playbook, real just, real PostgreSQL; nothing mocked.
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFaults } from '../../source/lab/faults.js';
import {
  jobDirs,
  labCount,
  labSecrets,
  labSql,
  MIGRATE_ANSWERS,
  MIGRATED_KEYS,
  newLab,
  planFile,
  readVars,
  removeLab,
  runAnswers,
  serverRecord,
  status,
  stepStatus,
  wizard,
  type CliRun,
  type E2E,
} from '../harness/e2e.js';

let e: E2E;
let g: E2E;
const outputs: CliRun[] = [];
let initialKeys: string[];
// The syn2mas check's only warning on this lab is bob's phone number, accepted in the prerequisites
// as db.non-email-3pids: it is not asked again, so no `syn2mas.warnings` here.
const ANSWERS = { ...MIGRATE_ANSWERS, accept: ['db.non-email-3pids'] };

beforeAll(async () => {
  e = await newLab('current');
  initialKeys = Object.keys(readVars(e));
});
afterAll(async () => {
  await removeLab(e);
  await removeLab(g);
});

describe('migrate, current generation, local lab', () => {
  it('--until dry-run stops after the dry run (exit 0) and migrates nothing', async () => {
    const r = await runAnswers(e, ANSWERS, ['--until', 'dry-run']);
    outputs.push(r);
    expect(r.stdout).toMatch(/syn2mas warning, accepted earlier: db\.non-email-3pids \(in the prerequisites\)/);
    expect(r.stdout).not.toContain('Accept this syn2mas warning');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('stopped after "dry-run" as asked');
    const steps = stepStatus(await status(e));
    expect(steps['dry-run']).toBe('succeeded');
    expect(steps.migrate).toBe('pending');
    expect(labCount(e, 'matrix_authentication_service', 'SELECT count(*) FROM users')).toBe(0);
  }, 120_000);

  it('a hand edit of vars.yml after the dry run makes the next run redo the dry run before migrating, then finishes', async () => {
    appendFileSync(e.varsFile, '\n# operator: bigger uploads\nmatrix_synapse_max_upload_size_mb: 200\n');
    const r = await runAnswers(e, ANSWERS);
    outputs.push(r);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // Nothing asked inside the downtime window: the cut-over diff is shown before the typed gate,
    // the gate shows the dry run, and after it the approved cut-over is written without asking.
    const gate = r.stdout.indexOf('confirm_server_name matches');
    expect(r.stdout.indexOf('Cut over: MAS handles logins (written right after the migration) — change to vars.yml')).toBeGreaterThan(-1);
    expect(r.stdout.indexOf('Cut over: MAS handles logins (written right after the migration)')).toBeLessThan(gate);
    expect(r.stdout.slice(0, gate)).toMatch(/Dry run: 6 users, \d+ threepids.*\n.*It took [\d.]+ s; expect about \d+ s of downtime/);
    expect(r.stdout.slice(0, gate)).toContain('Accepted warnings: db.non-email-3pids.');
    const after = r.stdout.slice(gate);
    expect(after).toContain('writing the change you approved before the migration');
    expect(after).not.toContain('— change to vars.yml');
    // The dry run ran twice (a second job) and before the migration.
    expect(jobDirs(e, 'dry-run')).toHaveLength(2);
    expect(r.stdout.indexOf('▶ Dry run')).toBeGreaterThan(-1);
    expect(r.stdout.indexOf('▶ Dry run')).toBeLessThan(r.stdout.indexOf('▶ Migrate'));
    expect(jobDirs(e, 'migrate')).toHaveLength(1);
    expect(serverRecord(e)!.history.filter((h) => h.step === 'migrate' && h.outcome === 'started')).toHaveLength(1);
  }, 150_000);

  it('status --json: every step succeeded, and the summary tells the truth', async () => {
    const view = await status(e);
    expect(
      Object.values(stepStatus(view)).every((s) => s === 'succeeded'),
      JSON.stringify(stepStatus(view)),
    ).toBe(true);
    const synapseAdmins = labSql(e, 'synapse', 'SELECT name FROM users WHERE admin = 1 AND deactivated = 0 ORDER BY 1').map((r) =>
      r[0].replace(/^@(.*):.*$/, '$1'),
    );
    expect(synapseAdmins).toEqual(['alice', 'ops']);
    const s = view.summary!;
    expect(s.synapse_users).toBe(6);
    expect(s.mas_users).toBe(6);
    expect(s.admins).toEqual(synapseAdmins);
    expect(s.oidc_links).toBe(2);
    expect((s.doctor as { fail: number }).fail).toBe(0);
    // dump-all wrote as the matrix user (its container's uid), not root.
    const backup = view.steps.find((st) => st.id === 'backup')!.outputs!;
    if (e.lab.matrixUser?.separate) expect(backup.owner).toBe(`${uid('maswiz-matrix')}:${gid('maswiz-matrix')}`);
    expect(backup.owner).toMatch(/^\d+:\d+$/);
    expect(view.steps.find((st) => st.id === 'migrate')!.outputs!.synapse_running).toBe(false);
    // Measured on the server: Synapse's stop by the syn2mas play to its start by the reinstall.
    expect(s.synapse_downtime_s).toBeGreaterThan(0);
    const dry = view.steps.find((st) => st.id === 'dry-run')!.outputs!.timings as Record<string, number>;
    console.log(`current lab: Synapse down ${s.synapse_downtime_s} s; dry run measured ${dry.measured_seconds} s, estimate ${dry.downtime_estimate_seconds} s`);
    expect([...(s.vars_changed as string[])].sort()).toEqual(
      [...MIGRATED_KEYS, 'matrix_authentication_service_migration_in_progress', 'matrix_synapse_oidc_enabled', 'matrix_synapse_oidc_providers'].sort(),
    );
  });

  it("the dry run's outputs carry the counts syn2mas reported (users = Synapse's non-appservice users) and a downtime estimate", () => {
    const plan = JSON.parse(readFileSync(planFile(e), 'utf8')) as {
      steps: { id: string; outputs?: { counts?: Record<string, number>; timings?: Record<string, number> } }[];
    };
    const dry = plan.steps.find((s) => s.id === 'dry-run')!;
    expect(dry.outputs?.counts?.users).toBe(labCount(e, 'synapse', 'SELECT count(*) FROM users WHERE appservice_id IS NULL'));
    expect(Object.keys(dry.outputs?.counts ?? {})).toEqual([
      'users',
      'threepids',
      'external_ids',
      'nonrefreshable_access_tokens',
      'refreshable_tokens',
      'devices',
    ]);
    expect(dry.outputs?.timings?.downtime_estimate_seconds).toBeGreaterThanOrEqual(60);
  });

  it('vars.yml ends with exactly the expected keys: MAS on, no migration flag, no Synapse OIDC, providers mapped', () => {
    const vars = readVars(e);
    const expected = [...initialKeys.filter((k) => !k.startsWith('matrix_synapse_oidc_')), 'matrix_synapse_max_upload_size_mb', ...MIGRATED_KEYS];
    expect(Object.keys(vars).sort()).toEqual([...new Set(expected)].sort());
    expect(vars.matrix_authentication_service_enabled).toBe(true);
    const providers = vars.matrix_authentication_service_config_upstream_oauth2_providers as { synapse_idp_id: string }[];
    expect(providers.map((p) => p.synapse_idp_id)).toEqual(['oidc-keycloak']);
  });

  it('every Synapse user is in MAS with the right admin flag and emails', () => {
    const synapse = labSql(e, 'synapse', 'SELECT name, admin FROM users WHERE appservice_id IS NULL AND is_guest = 0 ORDER BY 1').map(
      ([name, admin]) => `${name.replace(/^@(.*):.*$/, '$1')} ${admin === '1'}`,
    );
    const mas = labSql(e, 'matrix_authentication_service', 'SELECT username, can_request_admin FROM users ORDER BY 1').map(
      ([name, admin]) => `${name} ${admin === 't'}`,
    );
    expect(mas).toEqual(synapse);
    const synapseEmails = labSql(e, 'synapse', "SELECT user_id, lower(address) FROM user_threepids WHERE medium = 'email' ORDER BY 1, 2").map(
      ([u, a]) => `${u.replace(/^@(.*):.*$/, '$1')} ${a}`,
    );
    const masEmails = labSql(
      e,
      'matrix_authentication_service',
      'SELECT u.username, lower(e.email) FROM user_emails e JOIN users u USING (user_id) ORDER BY 1, 2',
    ).map(([u, a]) => `${u} ${a}`);
    expect(masEmails).toEqual(synapseEmails);
    expect(labCount(e, 'matrix_authentication_service', 'SELECT count(*) FROM upstream_oauth_links')).toBe(2);
  });

  it('transcript, plan file, job logs and what the wizard printed hold none of the secrets', async () => {
    const out = path.join(e.stateDir, 'transcript.txt');
    const t = await wizard(e, ['transcript', '--out', out]);
    expect(t.code, t.stderr).toBe(0);
    const transcript = readFileSync(out, 'utf8');
    expect(transcript).toContain('just install-all');
    // Task results as the real playbook's Ansible prints them: JSON (its ansible.cfg's result_format is ignored).
    expect(transcript).toContain('TASK [custom/matrix-authentication-service : Print syn2mas migration command result]');
    expect(transcript).toMatch(
      /ok: \[matrix\.example\.org\] => \{\n\s+"matrix_authentication_service_mas_cli_syn2mas_command_result": \{\n\s+"changed": true,/,
    );
    const jobsDir = path.join(e.stateDir, 'jobs');
    const jobLogs = readdirSync(jobsDir)
      .map((d) =>
        readdirSync(path.join(jobsDir, d))
          .map((f) => readFileSync(path.join(jobsDir, d, f), 'utf8'))
          .join('\n'),
      )
      .join('\n');
    const sinks = { transcript, plan: readFileSync(planFile(e), 'utf8'), printed: outputs.map((o) => o.stdout + o.stderr).join('\n'), jobLogs };
    const secrets = labSecrets(e);
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    for (const [name, text] of Object.entries(sinks)) {
      for (const secret of secrets) expect(text.includes(secret), `${name} holds a secret (${secret.slice(0, 4)}…)`).toBe(false);
    }
  });
});

const uid = (name: string) => spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout.trim();
const gid = (name: string) => spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout.trim();
const synapseActive = (x: E2E) => spawnSync(x.lab.systemctl, ['is-active', 'matrix-synapse']).status === 0;

// A server that once allowed guests, on a checkout of May 2025 (MAS 0.16.0): syn2mas copies the guests,
// the playbook starts Synapse again after the real run, and promote-admin does not exist yet.
describe('migrate, current generation, scenarios guests + checkout-2025 (MAS 0.16.0)', () => {
  const answers = { ...MIGRATE_ANSWERS, accept: [...MIGRATE_ANSWERS.accept, 'db.guests-present'] };

  it('the dry run counts every Synapse user syn2mas copies, guests included', async () => {
    g = await newLab('current', ['guests', 'checkout-2025']);
    const r = await runAnswers(g, answers, ['--until', 'dry-run']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const dry = (await status(g)).steps.find((st) => st.id === 'dry-run')!;
    const synapseUsers = labCount(g, 'synapse', 'SELECT count(*) FROM users WHERE appservice_id IS NULL');
    expect(labCount(g, 'synapse', 'SELECT count(*) FROM users WHERE is_guest <> 0')).toBe(2);
    expect((dry.outputs!.counts as Record<string, number>).users).toBe(synapseUsers);
  }, 120_000);

  it('a failed real run: the wizard checks both services, says Synapse is down and users are locked out, and offers rollback next to retry; the rollback brings Synapse back', async () => {
    writeFaults(g.lab.dir, { failTask: 'Perform syn2mas migration' });
    const r = await runAnswers(g, answers, ['--until', 'migrate']);
    writeFaults(g.lab.dir, {});
    expect(r.code, r.stdout + r.stderr).toBe(4);
    const text = r.stdout + r.stderr;
    expect(text).toMatch(/"migrate" failed: [\s\S]*Synapse is DOWN[\s\S]*Users are locked out/);
    expect(text).toMatch(/The way back, now: mas-wizard rollback --yes[\s\S]*To retry instead: /);
    expect(synapseActive(g)).toBe(false);
    const migrate = (await status(g)).steps.find((st) => st.id === 'migrate')!;
    expect(migrate.status).toBe('failed');
    expect([migrate.outputs!.synapse_running, migrate.outputs!.mas_running]).toEqual([false, false]);
    const back = await wizard(g, ['rollback', '--yes']);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(synapseActive(g)).toBe(true);
  }, 180_000);

  it('retried as offered (a new plan after the rollback): the playbook starts Synapse again after syn2mas; the wizard stops it, says why, and verify counts the guests', async () => {
    const r = await runAnswers(g, answers, ['--until', 'verify']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Synapse is running again after syn2mas[^\n]*\n?[^\n]*new logins and registrations would land in Synapse and never reach MAS/);
    const view = await status(g);
    expect(view.steps.find((st) => st.id === 'migrate')!.outputs!.synapse_running).toBe(false);
    const verify = view.steps.find((st) => st.id === 'verify')!.outputs!;
    expect([verify.synapse_users, verify.mas_users]).toEqual([8, 8]);
    expect(labCount(g, 'matrix_authentication_service', 'SELECT count(*) FROM users WHERE is_guest')).toBe(2);
  }, 240_000);

  it('MAS 0.16.0 has no promote-admin: a Synapse admin missing the flag is promoted through the MAS database', async () => {
    labSql(g, 'matrix_authentication_service', "UPDATE users SET can_request_admin = false WHERE username = 'ops'");
    const r = await runAnswers(g, answers);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain('promote-admin');
    expect(r.stdout).toContain('UPDATE users SET can_request_admin = true WHERE username =');
    const users = (await status(g)).steps.find((st) => st.id === 'users')!.outputs!;
    expect(users.promoted).toEqual(['ops']);
    expect(r.stdout).toContain('journalctl -fu matrix-authentication-service');
    expect(labCount(g, 'matrix_authentication_service', "SELECT count(*) FROM users WHERE username = 'ops' AND can_request_admin")).toBe(1);
  }, 120_000);
});
