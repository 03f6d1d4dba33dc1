// The pure decisions behind issue 10's rows 1, 4–8 and the "email not configured" guide item, each
// judged against what a real server does (reference/real-outputs.md §3–§6). The lab proves the
// same behaviours end to end in test/lab and test/e2e.
import { describe, expect, it } from 'vitest';
import { dumpOwner, dumpScript } from '../../source/flow/steps/backup.js';
import { failedMigrateAdvice } from '../../source/flow/steps/syn2mas.js';
import { cutOverWarnings, SYNAPSE_MIGRATABLE } from '../../source/flow/steps/verify.js';
import { adminPromotion, emailNote } from '../../source/flow/steps/users.js';
import { forGeneration, LEGACY_GUEST_FATAL } from '../../source/flow/steps/legacy-limits.js';
import { parseDoctorOutput } from '../../source/parsers/doctor.js';
import { parseVars } from '../../source/playbook/vars-file.js';
import type { VarsLayer } from '../../source/playbook/effective.js';
import type { Finding } from '../../source/preflight/finding.js';
import { catalogue } from '../../source/playbook/commands.js';

const cat = catalogue({ checkout: { dir: '/srv/mdad', generation: 'legacy', runner: 'ansible-playbook', justPath: null }, host: 'matrix.example.com' });

const layers = (vars: string, roleDefaults = 'matrix_user_name: "matrix"\nmatrix_user_uid: ~\nmatrix_user_gid: ~\n'): VarsLayer[] => [
  { label: 'vars.yml', kind: 'vars', parsed: parseVars(vars, 'vars.yml') },
  { label: 'roles/custom/matrix-base/defaults/main.yml', kind: 'role', parsed: parseVars(roleDefaults, 'defaults') },
];

describe('row 1: dump-all writes as the matrix user with no capabilities, so its directory must be theirs', () => {
  it('by default the uid/gid come from the server (the OS chose them for the matrix system user)', () => {
    expect(dumpOwner(layers('matrix_domain: example.org\n'))).toEqual({ name: 'matrix' });
    const script = dumpScript('/matrix/postgres-backup/x', { name: 'matrix' }, '/matrix/postgres/bin/dump-all /matrix/postgres-backup/x');
    expect(script).toContain('u=$(id -u matrix) && g=$(id -g matrix)');
    expect(script).toMatch(/chmod 0700 \/matrix\/postgres-backup\/x && chown "\$u:\$g" \/matrix\/postgres-backup\/x && \/matrix\/postgres\/bin\/dump-all/);
  });

  it('numbers pinned in the vars are what the playbook passes to docker --user, so they win', () => {
    const owner = dumpOwner(layers('matrix_user_uid: 991\nmatrix_user_gid: 991\nmatrix_user_name: synapse-owner\n'));
    expect(owner).toEqual({ uid: 991, gid: 991, name: 'synapse-owner' });
    expect(dumpScript('/b', owner, 'dump-all /b')).toBe('u=991; g=991; mkdir -p /b && chmod 0700 /b && chown "$u:$g" /b && dump-all /b');
  });

  it('a Jinja or unsafe user name falls back to the playbook default "matrix", never into the shell', () => {
    expect(dumpOwner(layers("matrix_user_name: \"{{ lookup('env', 'X') }}\"\n")).name).toBe('matrix');
    expect(dumpOwner(layers('matrix_user_name: "a; rm -rf /"\n')).name).toBe('matrix');
  });
});

describe('row 4: syn2mas ≥ 0.16 copies guests, legacy 0.15 stops on them', () => {
  it('the Synapse count verify compares with MAS includes guests and leaves out appservice users', () => {
    expect(SYNAPSE_MIGRATABLE).toBe('SELECT count(*) FROM users WHERE appservice_id IS NULL');
  });

  const guests: Finding = {
    id: 'db.guests-present',
    severity: 'warn',
    title: 'Guest accounts exist',
    detail: '2 guest user(s) will be migrated, but MAS does not support guests (syn2mas check warns and exits 11).',
    fix: 'Accept it',
    source: 'server',
  };
  it("on the legacy generation guests block up front, in the legacy tool's own words", () => {
    const [legacy] = forGeneration([guests], 'legacy', cat);
    expect(legacy!.severity).toBe('block');
    expect(legacy!.detail).toContain(`${LEGACY_GUEST_FATAL}: <user>`);
    expect(legacy!.detail).toMatch(/^2 guest user\(s\) exist\./);
    expect(legacy!.fix).toMatch(/current playbook generation/);
  });

  it('on the current generation guests stay a warning to accept', () => {
    expect(forGeneration([guests], 'current', cat)[0]!.severity).toBe('warn');
  });
});

describe('row 6: doctor warnings that mean the cut-over is incomplete', () => {
  const doctor = (lines: string[]) => parseDoctorOutput(lines.map((l, i) => `2026-08-20T10:00:0${i}.000001Z ${l}`).join('\n'));
  it('legacy login not handled by MAS, a non-401 whoami and the msc2965 warnings are cut-over problems', () => {
    const report = doctor([
      ' INFO mas_cli::commands::doctor:33 💡 Running diagnostics, make sure that both MAS and Synapse are running, and that MAS is using the same configuration files as this tool.',
      ' WARN mas_cli::commands::doctor:134 ⚠️ Matrix client well-known has an "org.matrix.msc2965.authentication" section, but the issuer is not the same as the homeserver.',
      ' WARN mas_cli::commands::doctor:140 Matrix client well-known is missing the "org.matrix.msc2965.authentication" section.',
      ' WARN mas_cli::commands::doctor:187 ⚠️ The homeserver at "http://matrix-synapse:8008/_matrix/client/v3/account/whoami" replied with 404 Not Found.',
      ' WARN mas_cli::commands::doctor:312 ⚠️ The legacy login API at "https://matrix.example.org/_matrix/client/v3/login" is reachable, but it doesn\'t look to be handled by MAS.',
    ]);
    expect(cutOverWarnings(report).map((i) => i.check)).toEqual([
      'doctor.well-known-msc2965',
      'doctor.well-known-msc2965',
      'doctor.token-delegation',
      'doctor.legacy-login',
    ]);
    expect(cutOverWarnings(report).every((i) => i.todo)).toBe(true);
  });

  it('other warnings (plain-HTTP issuer, an unreachable login API) are not about the cut-over', () => {
    const report = doctor([
      ' WARN mas_cli::commands::doctor:40 ⚠️ The issuer in the config (`http.issuer`/`http.public_base`) is not an HTTPS URL.',
      ' WARN mas_cli::commands::doctor:312 ⚠️ Can\'t reach the legacy login API at "https://matrix.example.org/_matrix/client/v3/login".',
      ' INFO mas_cli::commands::doctor:312 ✅ The legacy login API at "https://matrix.example.org/_matrix/client/v3/login" is reachable and is handled by MAS.',
    ]);
    expect(cutOverWarnings(report)).toEqual([]);
  });
});

describe('row 7: promote-admin exists only from MAS 1.3.0', () => {
  it.each([
    ['0.15.0', 'sql'],
    ['0.16.0', 'sql'],
    ['1.2.0', 'sql'],
    ['1.3.0', 'promote-admin'],
    ['1.23.0', 'promote-admin'],
    [null, 'sql'],
  ] as const)('MAS %s → %s', (version, way) => {
    expect(adminPromotion(version)).toBe(way);
  });
});

describe('row 8: a failed real migrate leaves Synapse and MAS stopped', () => {
  it('says plainly that Synapse is down and users are locked out, and offers the rollback next to the retry', () => {
    const text = failedMigrateAdvice({ synapse: 'inactive', mas: 'inactive' }, '/matrix/postgres-backup/b/latest-dump.sql.zst');
    expect(text).toMatch(/^Synapse is DOWN .* Users are locked out/);
    expect(text).toContain('MAS is stopped too.');
    expect(text).toMatch(/The way back, now: mas-wizard rollback --yes .* Synapse starts again with its old logins/);
    expect(text).toMatch(/To retry instead: .*Fix the problem shown above, roll back as just said, empty the MAS database .* then run the wizard again/);
    expect(text).toContain('/matrix/postgres-backup/b/latest-dump.sql.zst');
  });

  it('says what it saw when the play failed before stopping Synapse, or when it could not look', () => {
    expect(failedMigrateAdvice({ synapse: 'active', mas: 'active' })).toMatch(/^Synapse is running: users can still log in/);
    expect(failedMigrateAdvice({ synapse: 'unknown', mas: 'unknown' })).toMatch(/assume it is down and users are locked out/);
  });
});

describe('guide: email not configured', () => {
  it("blackhole transport, or no exim relay: verification codes are in MAS's log", () => {
    for (const vars of ['matrix_authentication_service_config_email_transport: blackhole\n', 'exim_relay_enabled: false\n']) {
      const note = emailNote(layers(vars));
      expect(note.tone).toBe('warn');
      expect(note.text).toContain('journalctl -fu matrix-authentication-service');
    }
  });

  it('with email configured, the log is only named as the fallback', () => {
    const note = emailNote(layers('matrix_authentication_service_config_email_transport: smtp\n'));
    expect(note.tone).toBe('info');
    expect(note.text).toMatch(/does not arrive.*journalctl -fu matrix-authentication-service/);
  });
});
