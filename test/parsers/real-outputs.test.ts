// The parsers on what real Ansible printed for the real playbook's syn2mas and doctor tasks
// (test/fixtures/real-outputs, copied from shared/data/real-outputs; provenance in its README):
// task results as JSON (the real ansible.cfg's `result_format = yaml` is ignored by ansible-core),
// and the same runs under a forced YAML result format. Each test names the reality it guards.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { commandResults, parseAnsibleOutput } from '../../source/parsers/ansible.js';
import { explainAnsibleError } from '../../source/parsers/ansible-advice.js';
import { doctorFromResult, parseDoctorOutput } from '../../source/parsers/doctor.js';
import { estimateDowntime } from '../../source/parsers/syn2mas.js';
import { syn2masReport } from '../../source/flow/steps/syn2mas.js';

const dir = path.join(import.meta.dirname, '..', 'fixtures', 'real-outputs');
const real = (name: string) => readFileSync(path.join(dir, name), 'utf8');
const counts = (log: string) => Object.fromEntries(syn2masReport(log).stages.map((s) => [s.entity, s.migrated]));
const HEAD_COUNTS = { users: 3, threepids: 2, external_ids: 1, nonrefreshable_access_tokens: 4, refreshable_tokens: 1, devices: 5 };

describe('registered command results as real Ansible prints them', () => {
  it('reads the Print task of a MAS 1.23 dry run in JSON: stderr, rc, argv', () => {
    const [r, ...more] = commandResults(real('ansible-head-dryrun.json.log'));
    expect(more).toEqual([]);
    expect(r).toMatchObject({
      task: 'Print syn2mas migration command result',
      variable: 'matrix_authentication_service_mas_cli_syn2mas_command_result',
      format: 'json',
      rc: 0,
      stdout: '',
      failed: false,
    });
    expect(r.cmd?.slice(-3)).toEqual(['--synapse-config=/homeserver.yaml', 'migrate', '--dry-run']);
    expect(r.stderr.split('\n')).toHaveLength(10);
  });

  it('reads the same result under a forced YAML result format (`|-` blocks)', () => {
    const [r] = commandResults(real('ansible-head-dryrun.yaml-format.log'));
    const [json] = commandResults(real('ansible-head-dryrun.json.log'));
    expect(r.format).toBe('yaml');
    expect(r.stderr).toBe(json.stderr);
    expect(r.cmd).toEqual(json.cmd);
  });

  it('reads a failed command from its one-line `fatal: … FAILED! => {json}`', () => {
    const [r] = commandResults(real('ansible-head-check-warnings-rc11.json.log'));
    expect(r).toMatchObject({ task: 'Perform syn2mas migration', rc: 11, failed: true, stdout: '' });
    expect(r.variable).toBeUndefined();
    expect(r.stderr.startsWith('\n\n===== Warnings =====')).toBe(true);
  });

  it('reads a failed command from the forced-YAML `fatal:` block, whose *_lines are <omitted>', () => {
    const [r] = commandResults(real('ansible-legacy-dryrun-fatal-rc1.yaml-format.log'));
    expect(r).toMatchObject({ rc: 1, format: 'yaml', stderr: '' });
    // Control characters deleted: log4js colours stay as bare `[35m…[39m`.
    expect(r.stdout.split('\n')[0]).toBe('[35m[2026-12-05T16:16:37.298] [FATAL] migrate - [39mMigration of guest users is not supported: @guest1:example.com');
  });
});

describe('syn2mas reports out of the real playbook logs (MAS 0.16+: all of it on stderr)', () => {
  it('a dry run in JSON gives counts per entity, timings and the downtime estimate', () => {
    const report = syn2masReport(real('ansible-head-dryrun.json.log'));
    expect(counts(real('ansible-head-dryrun.json.log'))).toEqual(HEAD_COUNTS);
    expect(report.stages.find((s) => s.entity === 'users')).toMatchObject({ skipped: 1, seconds: 0 });
    expect(report.dryRunFinished).toBe(true);
    expect(estimateDowntime(report)).toMatchObject({ measuredSeconds: 2, estimateSeconds: 63 });
  });

  it('a dry run under forced YAML gives the same counts and the dry-run mode line', () => {
    expect(counts(real('ansible-head-dryrun.yaml-format.log'))).toEqual(HEAD_COUNTS);
    expect(syn2masReport(real('ansible-head-dryrun.yaml-format.log')).dryRunFinished).toBe(true);
  });

  it('a real run reports its counts and no dry-run mode line (the check "a real run that only dry-ran" can tell)', () => {
    for (const name of ['ansible-head-migrate.json.log', 'ansible-mid-migrate.json.log']) {
      expect(counts(real(name))).toEqual(HEAD_COUNTS);
      expect(syn2masReport(real(name)).dryRunFinished).toBe(false);
    }
    // 1.14 (mid): migrate prints the warnings report and runs on.
    expect(syn2masReport(real('ansible-mid-migrate.json.log')).warnings.map((w) => w.kind)).toEqual(['db.non-email-3pids']);
  });

  it('a clean check is its one stdout line', () => {
    expect(syn2masReport(real('ansible-head-check-clean.json.log')).checkClean).toBe(true);
  });

  it('check exit 10: the errors and the warning, each explained; described as errors', () => {
    const log = real('ansible-head-check-errors-rc10.json.log');
    const r = syn2masReport(log);
    expect(r.errors.map((e) => e.kind)).toEqual(['synapse.guest-access', 'syn2mas.provider-unmapped']);
    expect(r.warnings.map((w) => w.kind)).toEqual(['synapse.registration-enabled']);
    const f = parseAnsibleOutput(log).failures[0];
    expect(f.rc).toBe(10);
    expect(f.explanation?.title).toBe('syn2mas check found errors (exit 10)');
    expect(f.explanation?.explanation).toMatch(/^syn2mas found errors that prevent migrating/);
  });

  it('check exit 11 is "the check found warnings", not an unexpected exit of migrate', () => {
    const s = parseAnsibleOutput(real('ansible-head-check-warnings-rc11.json.log'));
    const f = s.failures[0];
    expect(f.explanation?.title).toBe('the syn2mas check found warnings (exit 11)');
    expect(f.explanation?.explanation).toMatch(/^The check found only warnings/);
    expect(f.syn2masItems?.map((i) => i.kind)).toEqual(['synapse.registration-enabled', 'db.non-email-3pids']);
    // The play stops at the fatal line: no Print task, no later task.
    expect(s.progress.task).toBe('Perform syn2mas migration');
  });

  it('a not-empty MAS database (exit 1) names the table instead of a report', () => {
    const r = syn2masReport(real('ansible-head-check-notempty-rc1.json.log'));
    expect(r.masDbNotEmpty).toBe('users');
    expect(r.fatal?.kind).toBe('db.mas-not-empty');
  });

  it('a held syn2mas lock (exit 1) is recognised', () => {
    const r = syn2masReport(real('ansible-head-migrate-lockfail-rc1.json.log'));
    expect(r.errors.map((e) => e.kind)).toEqual(['syn2mas.locked']);
    expect(parseAnsibleOutput(real('ansible-head-migrate-lockfail-rc1.json.log')).failures[0].explanation?.explanation).toMatch(/stopped with an error/);
  });
});

describe('the legacy tool (log4js colours on stdout) out of the real playbook logs', () => {
  it('a legacy dry run with a warning: JSON (\\u001b[33m) and forced YAML (bare [33m) read the same', () => {
    for (const name of ['ansible-legacy-dryrun.json.log', 'ansible-legacy-dryrun.yaml-format.log']) {
      const r = syn2masReport(real(name));
      expect(r.tool).toBe('legacy');
      expect(r.legacy.completed).toEqual({ dryRun: true, users: 2, fatals: 0, warnings: 1 });
      expect(r.legacy.items.filter((i) => i.severity === 'warning').map((i) => i.text)).toEqual([
        'User @bob:example.com had 1 warnings',
        'Skipping non-email 3pid msisdn for user @bob:example.com',
      ]);
    }
  });

  it('a legacy real run counts its users and is not taken for a dry run', () => {
    expect(syn2masReport(real('ansible-legacy-migrate.json.log')).legacy.completed).toEqual({ dryRun: false, users: 1, fatals: 0, warnings: 0 });
  });

  it('a legacy dry run with a FATAL (forced YAML, exit 1) names the guest user', () => {
    const f = parseAnsibleOutput(real('ansible-legacy-dryrun-fatal-rc1.yaml-format.log')).failures[0];
    expect(f.rc).toBe(1);
    expect(f.syn2masItems?.[0]?.text).toBe('Migration of guest users is not supported: @guest1:example.com');
    expect(f.explanation?.explanation).toMatch(/^The legacy syn2mas tool failed \(exit 1\)/);
  });

  it('a legacy run into a MAS database with users (exit 1) counts them', () => {
    expect(syn2masReport(real('ansible-legacy-fatal-rc1.json.log')).legacy.existingMasUsers).toBe(2);
  });
});

describe('mas-cli doctor', () => {
  it('reads the real doctor task result (all on stderr) and counts its levels', () => {
    const [r] = commandResults(real('ansible-head-doctor-problems.json.log'));
    expect(r).toMatchObject({ variable: 'matrix_authentication_service_mas_cli_doctor_command_result', rc: 0, stdout: '' });
    const d = doctorFromResult(r);
    expect(d.counts).toEqual({ ok: 1, warn: 3, fail: 2, info: 1 });
    expect(d.healthy).toBe(false);
  });

  it('MAS 0.15 lines lose their `cli.doctor: target: file.rs:NN:` prefix, with and without an emoji', () => {
    const healthy = parseDoctorOutput(real('raw/doctor-0.15-healthy.stderr'));
    expect(healthy.counts).toEqual({ ok: 6, warn: 0, fail: 0, info: 1 });
    expect(healthy.items[1].text).toBe('Matrix client well-known at "https://example.com/.well-known/matrix/client" is valid');
    const noEmoji = parseDoctorOutput(
      '2025-05-01T10:00:00.000003Z  WARN cli.doctor: mas_cli::commands::doctor: crates/cli/src/commands/doctor.rs:160: Matrix client well-known is missing the "org.matrix.msc2965.authentication" section.\n',
    );
    expect(noEmoji.items[0]).toMatchObject({
      status: 'warn',
      text: 'Matrix client well-known is missing the "org.matrix.msc2965.authentication" section.',
      check: 'doctor.well-known-msc2965',
    });
  });
});

describe('failures around the tools', () => {
  it('ansible-core 2.14 at the current playbook: the deb822_repository ERROR! (exit 4) means Ansible is too old', () => {
    const s = parseAnsibleOutput(real('ansible-2.14-deb822-rc4.log'));
    expect(s.succeeded).toBe(false);
    expect(explainAnsibleError(s.errors[0])?.id).toBe('controller.ansible-too-old');
  });

  it('docker exit 125 "container name … already in use" after an interrupted run: remove the leftover container', () => {
    const result = {
      changed: false,
      cmd: [
        '/usr/bin/env',
        'docker',
        'run',
        '--rm',
        '--name=matrix-authentication-service-syn2mas',
        'ghcr.io/element-hq/matrix-authentication-service:1.23.0',
        'syn2mas',
        '--synapse-config=/homeserver.yaml',
        'migrate',
      ],
      msg: 'non-zero return code',
      rc: 125,
      stdout: '',
      stdout_lines: [],
      stderr:
        'docker: Error response from daemon: Conflict. The container name "/matrix-authentication-service-syn2mas" is already in use by container "3f2a9c0d5e1b". You have to remove (or rename) that container to be able to reuse that name.\nSee \'docker run --help\'.',
    };
    const log = `TASK [custom/matrix-authentication-service : Perform syn2mas migration] ********\nfatal: [matrix.example.com]: FAILED! => ${JSON.stringify(result)}\n`;
    const f = parseAnsibleOutput(log).failures[0];
    expect(f.explanation).toMatchObject({ id: 'docker.container-name-in-use', leftoverContainer: 'matrix-authentication-service-syn2mas' });
  });

  it('the password-provider refusal names the provider of the failing loop item', () => {
    // The real task (roles/custom/matrix-synapse/tasks/validate_config.yml) loops over the three variables.
    const msg =
      'When Synapse is delegating authentication to Matrix Authentication Service (`matrix_synapse_matrix_authentication_service_enabled: true`), it does not make sense to enable password provider modules, because it is not Synapse that is handling authentication. Please disable matrix_synapse_ext_password_provider_ldap_enabled before enabling Matrix Authentication Service integration for Synapse. Synapse will refuse to start otherwise.';
    const item = 'matrix_synapse_ext_password_provider_ldap_enabled';
    const log = `TASK [custom/matrix-synapse : Fail if known Synapse password provider modules are enabled when auth is delegated to Matrix Authentication Service] ***\nskipping: [matrix.example.com] => (item=matrix_synapse_ext_password_provider_rest_auth_enabled) \nfailed: [matrix.example.com] (item=${item}) => ${JSON.stringify({ ansible_loop_var: 'item', changed: false, item, msg })}\n`;
    const f = parseAnsibleOutput(log).failures[0];
    expect(f.explanation?.id).toBe('synapse.password-provider.ldap');
    expect(f.explanation?.todo).toMatch(/^set matrix_synapse_ext_password_provider_ldap_enabled: false/);
    // The REST auth role's own "endpoint not configured" message is not this refusal.
    const rest = parseAnsibleOutput(
      `TASK [x] ***\nfatal: [h]: FAILED! => ${JSON.stringify({ changed: false, msg: 'You have enabled the REST Auth password provider, but have not configured its endpoint in the `matrix_synapse_ext_password_provider_rest_auth_endpoint` variable. Consult the documentation.' })}\n`,
    ).failures[0];
    expect(rest.explanation?.id ?? 'none').not.toMatch(/^synapse\.password-provider/);
  });
});
