// The ansible parser on REAL ansible-playbook output: tiny playbooks with
// `connection: local` are run here, in the default and the yaml result format,
// and fed to the parser in odd-sized chunks. One captured run is kept as a fixture.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AnsibleParser, parseAnsibleOutput, type AnsibleEvent, type AnsibleSummary } from '../../source/parsers/ansible.js';

const run = promisify(execFile);
const fixtures = path.join(import.meta.dirname, 'fixtures');
let dir: string;
const outputs: Record<string, { text: string; code: number }> = {};

const SITE = `
- name: Set up Matrix services
  hosts: all
  connection: local
  gather_facts: false
  vars:
    enc: short
  tasks:
    - name: say ok
      ansible.builtin.debug: msg="hello"
    - name: make change
      ansible.builtin.command: "true"
    - name: skip me
      ansible.builtin.command: "true"
      when: false
    - name: ignored failure
      ansible.builtin.command: "false"
      ignore_errors: true
    - name: loop with an ignored item failure
      ansible.builtin.command: "{{ item }}"
      loop: ["true", "false"]
      ignore_errors: true
    - name: Include MAS role
      ansible.builtin.include_role:
        name: matrix-authentication-service
`;
const ROLE = `
- name: Fail if matrix_authentication_service_config_secrets_encryption is not 64 characters long
  ansible.builtin.fail:
    msg: "matrix_authentication_service_config_secrets_encryption must be exactly 64 characters long (preferably generated via \`openssl rand -hex 32\`)"
  when: enc | length != 64
- name: Run syn2mas
  ansible.builtin.command:
    argv: [sh, -c, "printf '%s\\\\n' '2026-11-28T10:00:00.100000Z  INFO mas_cli::sync:94 Acquiring configuration lock' >&2; exit 1"]
`;
const GATE = `
- name: Validate
  hosts: all
  connection: local
  gather_facts: false
  tasks:
    - name: Fail if migration version is outdated
      ansible.builtin.fail:
        msg: |-
          Your validated migration version (v2025.01.01.0) is behind the expected version (v2026.05.18.0).

          The following breaking changes have been introduced since your last validation:

          - v2026.05.18.0: something changed (https://example.org/CHANGELOG.md)

          After reviewing the above changes and adapting your setup, update your vars.yml:

          matrix_playbook_migration_validated_version: "v2026.05.18.0"
`;

async function playbook(name: string, file: string, extra: string[] = [], env: Record<string, string> = {}): Promise<void> {
  try {
    const r = await run('ansible-playbook', ['-i', 'localhost,', file, ...extra], {
      cwd: dir,
      env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: '0', ...env },
    });
    outputs[name] = { text: r.stdout, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; code: number };
    outputs[name] = { text: e.stdout, code: e.code };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-ansible-'));
  mkdirSync(path.join(dir, 'roles/matrix-authentication-service/tasks'), { recursive: true });
  writeFileSync(path.join(dir, 'site.yml'), SITE);
  writeFileSync(path.join(dir, 'gate.yml'), GATE);
  writeFileSync(path.join(dir, 'roles/matrix-authentication-service/tasks/main.yml'), ROLE);
  const good = `enc=${'0'.repeat(64)}`;
  await Promise.all([
    playbook('secret-json', 'site.yml'),
    playbook('secret-yaml', 'site.yml', [], { ANSIBLE_CALLBACK_RESULT_FORMAT: 'yaml' }),
    playbook('syn2mas-json', 'site.yml', ['-e', good]),
    playbook('gate-json', 'gate.yml'),
    playbook('gate-yaml', 'gate.yml', [], { ANSIBLE_CALLBACK_RESULT_FORMAT: 'yaml' }),
  ]);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Feeds in chunks of 7 bytes, so lines and payloads are split everywhere. */
function chunked(text: string, events?: AnsibleEvent[]): AnsibleSummary {
  const p = new AnsibleParser({ approxTotal: 9, onEvent: (e) => events?.push(e) });
  for (let i = 0; i < text.length; i += 7) p.feed(text.slice(i, i + 7));
  return p.end();
}

describe('ansible parser on real ansible-playbook output', () => {
  for (const format of ['json', 'yaml']) {
    it(`counts like the recap and explains the secret-length failure (${format} results)`, () => {
      const out = outputs[`secret-${format}`];
      expect(out.code).toBe(2);
      const events: AnsibleEvent[] = [];
      const s = chunked(out.text, events);
      expect(s.recap).toEqual([{ host: 'localhost', ok: 4, changed: 3, unreachable: 0, failed: 1, skipped: 1, rescued: 0, ignored: 2 }]);
      const { ok, changed, failed, skipped, ignored } = s.progress;
      expect({ ok, changed, failed, skipped, ignored }).toEqual({ ok: 4, changed: 3, failed: 1, skipped: 1, ignored: 2 });
      expect(s.progress.play).toBe('Set up Matrix services');
      expect(s.progress.approxTotal).toBe(9);
      expect(s.succeeded).toBe(false);
      expect(s.ignoredFailures).toHaveLength(2);
      expect(s.ignoredFailures[1].item).toBe('false');
      expect(s.failures).toHaveLength(1);
      const f = s.failures[0];
      expect(f.role).toBe('matrix-authentication-service');
      expect(f.task).toBe('Fail if matrix_authentication_service_config_secrets_encryption is not 64 characters long');
      expect(f.message).toBe(
        'matrix_authentication_service_config_secrets_encryption must be exactly 64 characters long (preferably generated via `openssl rand -hex 32`)',
      );
      expect(f.explanation?.id).toBe('mas.secret-invalid');
      expect(f.explanation?.todo).toMatch(/openssl rand -hex 32/);
      expect(events.filter((e) => e.type === 'task').map((e) => (e as { index: number }).index)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(events.some((e) => e.type === 'ignored')).toBe(true);
    });

    it(`pulls a multi-line msg out whole and recognises the validated-version gate (${format} results)`, () => {
      const s = chunked(outputs[`gate-${format}`].text);
      expect(s.failures).toHaveLength(1);
      const f = s.failures[0];
      expect(f.message.split('\n')[0]).toBe('Your validated migration version (v2025.01.01.0) is behind the expected version (v2026.05.18.0).');
      expect(f.message).toContain('- v2026.05.18.0: something changed');
      expect(f.message.endsWith('matrix_playbook_migration_validated_version: "v2026.05.18.0"')).toBe(true);
      expect(f.explanation).toMatchObject({ id: 'playbook.validated-version-missing' });
      expect(f.explanation?.todo).toContain('matrix_playbook_migration_validated_version: v2026.05.18.0');
      expect(f.explanation?.title).toContain('v2025.01.01.0');
    });
  }

  it('explains a syn2mas task that exited non-zero, with its stderr', () => {
    const s = chunked(outputs['syn2mas-json'].text);
    const f = s.failures[0];
    expect(f.task).toBe('Run syn2mas');
    expect(f.rc).toBe(1);
    expect(f.message).toMatch(/^the command exited with code 1:\n.*Acquiring configuration lock/);
    expect(f.explanation?.id).toBe('syn2mas.failed');
  });

  it('reads the captured yaml-format run of a syn2mas exit 10 into the check items and the fix', () => {
    const s = parseAnsibleOutput(readFileSync(path.join(fixtures, 'ansible-yaml-syn2mas-exit10.txt'), 'utf8'));
    expect(s.recap?.[0]).toMatchObject({ ok: 3, changed: 2, failed: 1, skipped: 2, ignored: 1 });
    const f = s.failures[0];
    expect(f.rc).toBe(10);
    expect(f.explanation?.id).toBe('syn2mas.failed');
    expect(f.explanation?.explanation).toMatch(/errors that prevent migrating/);
    expect(f.syn2masItems).toHaveLength(1);
    expect(f.syn2masItems?.[0]).toMatchObject({ kind: 'syn2mas.provider-unmapped', severity: 'error' });
    expect(f.explanation?.todo).toContain('synapse_idp_id: oidc-keycloak');
  });

  it("recognises the playbook's other known refusals from their messages", () => {
    const failing = (msg: string) =>
      parseAnsibleOutput(`TASK [matrix-synapse : Validate] ***\nfatal: [matrix.example.org]: FAILED! => ${JSON.stringify({ changed: false, msg })}\n`)
        .failures[0];
    expect(
      failing('`matrix_synapse_ext_password_provider_shared_secret_auth_enabled` must be disabled when Matrix Authentication Service is enabled').explanation
        ?.id,
    ).toBe('synapse.password-provider.shared-secret-auth');
    expect(failing('matrix_synapse_ext_password_provider_ldap_enabled cannot be used with MAS').explanation?.id).toBe('synapse.password-provider.ldap');
    expect(failing('`matrix_synapse_enable_registration` must be disabled when MAS is enabled').explanation?.id).toBe('synapse.registration-enabled');
    expect(failing('`matrix_synapse_oidc_enabled` must be disabled unless matrix_authentication_service_migration_in_progress').explanation?.id).toBe(
      'synapse.oidc-needs-conversion',
    );
    expect(failing('You need to define a required configuration setting (`matrix_authentication_service_config_matrix_secret`).').explanation).toMatchObject({
      id: 'playbook.required-setting',
      todo: 'set matrix_authentication_service_config_matrix_secret in vars.yml',
    });
    expect(
      failing(
        'Your configuration contains a variable, which now has a different name.\nPlease rename the variable (`matrix_authentication_service_syn2mas_dry_run` -> `matrix_authentication_service_syn2mas_migrate_dry_run`) on your configuration file (vars.yml).',
      ).explanation?.id,
    ).toBe('playbook.renamed-variable');
    expect(failing('something nobody anticipated').explanation).toBeUndefined();
  });

  it("reports unreachable hosts and ansible's own errors", () => {
    const s = parseAnsibleOutput(
      [
        'PLAY [Set up] ***',
        '',
        'TASK [Gathering Facts] ***',
        'fatal: [matrix.example.org]: UNREACHABLE! => {"changed": false, "msg": "Failed to connect to the host via ssh: Connection refused", "unreachable": true}',
        '',
        'PLAY RECAP ***',
        'matrix.example.org         : ok=0    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0',
        '',
      ].join('\n'),
    );
    expect(s.progress.unreachable).toBe(1);
    expect(s.failures[0]).toMatchObject({ unreachable: true, host: 'matrix.example.org' });
    expect(s.failures[0].explanation?.id).toBe('ansible.unreachable');
    expect(s.succeeded).toBe(false);
    const e = parseAnsibleOutput("ERROR! the role 'galaxy/foo' was not found in roles/galaxy\n\nThe error appears to be in '/x/setup.yml': line 3\n");
    expect(e.errors[0]).toMatch(/^the role 'galaxy\/foo' was not found/);
    expect(e.succeeded).toBe(false);
  });

  it('a clean run succeeds', async () => {
    writeFileSync(
      path.join(dir, 'ok.yml'),
      '- hosts: all\n  connection: local\n  gather_facts: false\n  tasks:\n    - name: fine\n      ansible.builtin.command: "true"\n',
    );
    await playbook('ok', 'ok.yml');
    const s = parseAnsibleOutput(outputs.ok.text);
    expect(s.succeeded).toBe(true);
    expect(s.progress).toMatchObject({ ok: 1, changed: 1, failed: 0 });
  });
});
