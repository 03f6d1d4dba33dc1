import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { layersFor } from '../../source/playbook/effective.js';
import { applyEdits, parseVars, revertEdits, VarsEditError, VarsSyntaxError } from '../../source/playbook/vars-file.js';
import { runRules, compareVersions } from '../../source/preflight/rules.js';

const dir = path.resolve('test/fixtures/vars');
const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
const rules = (text: string, label = 'vars.yml') => runRules({ layers: layersFor(parseVars(text, label), label) });
const ids = (f: string) =>
  rules(read(f), f)
    .map((x) => `${x.id}:${x.severity}`)
    .sort();

describe('preflight rules on realistic vars files', () => {
  const expected: Record<string, string[]> = {
    'examples.yml': [],
    'ldap.yml': ['synapse.password-provider.ldap:block'],
    'shared-secret-auth.yml': [
      'bridge.double-puppet-shared-secret:warn',
      'bridge.double-puppet-shared-secret:warn',
      'synapse.password-provider.shared-secret-auth:block',
    ],
    'rest-auth.yml': ['service.corporal:block', 'synapse.password-provider.rest-auth:block'],
    'corporal.yml': ['service.corporal:block', 'synapse.password-provider.rest-auth:block', 'synapse.password-provider.shared-secret-auth:block'],
    'oidc.yml': ['synapse.oidc-needs-conversion:block'],
    'bridges-encryption.yml': [
      'bridge.double-puppet-shared-secret:warn',
      'bridge.encryption-without-msc4190:warn',
      'bridge.encryption-without-msc4190:warn',
      'bridge.hookshot-encryption:warn',
    ],
    'postmoogle.yml': ['service.postmoogle:warn'],
    'reminder-bot.yml': ['service.reminder-bot:warn'],
    'registration-bot.yml': ['service.registration-bot-leftover:block', 'synapse.registration-enabled:block'],
    // vault / Jinja values are "cannot judge" (warn), never guessed either way
    'vault.yml': ['synapse.registration-enabled:warn'],
    'jinja.yml': ['email.not-configured:warn', 'homeserver.not-synapse:warn', 'synapse.registration-enabled:warn'],
    'crlf.yml': ['email.not-configured:warn', 'synapse.guest-access:block'],
    'bom.yml': ['mas.path-prefix-invalid:block'],
  };
  for (const [file, want] of Object.entries(expected)) {
    it(`${file}: ${want.length ? want.join(', ') : 'ready'}`, () => expect(ids(file)).toEqual(want));
  }

  it('every finding names its file:line and the cannot-judge ones say why', () => {
    const [ldap] = rules(read('ldap.yml'), 'ldap.yml');
    expect(ldap.source).toBe('ldap.yml:12');
    expect(ldap.edits).toEqual([{ op: 'set', key: 'matrix_synapse_ext_password_provider_ldap_enabled', value: false }]);
    const [vault] = rules(read('vault.yml'), 'vault.yml');
    expect(vault.title).toBe('Cannot judge matrix_synapse_enable_registration');
    expect(vault.source).toBe('vault.yml:22');
  });

  it('OIDC mapped to a MAS provider with the right synapse_idp_id is info, not a blocker', () => {
    const { text } = applyEdits(read('oidc.yml'), [
      {
        op: 'set',
        key: 'matrix_authentication_service_config_upstream_oauth2_providers',
        value: [
          {
            id: '01HFVBY12TMNTYTBV8W921M5FA',
            synapse_idp_id: 'oidc-keycloak',
            issuer: 'https://sso.example.org/realms/company',
            client_id: 'synapse',
            client_secret: 'x',
            token_endpoint_auth_method: 'client_secret_basic',
          },
        ],
      },
    ]);
    expect(rules(text).map((f) => `${f.id}:${f.severity}`)).toEqual(['synapse.oidc-needs-conversion:info']);
  });

  it('secret, validated version, providers: the conditions from playbook.md §1.2 and mas.md §1.3', () => {
    const base = 'matrix_playbook_migration_validated_version: v2026.05.18.0\nmatrix_domain: example.org\n';
    expect(rules(`${base}matrix_authentication_service_enabled: true\n`).map((f) => f.id)).toEqual(['mas.secret-invalid']);
    expect(rules(`${base}matrix_authentication_service_config_secrets_encryption: "abc"\n`)[0]).toMatchObject({
      id: 'mas.secret-invalid',
      source: 'vars.yml:3',
    });
    expect(rules(`${base}matrix_authentication_service_config_secrets_encryption: "{{ vault_mas }}"\n`)).toEqual([]);
    expect(rules('matrix_domain: example.org\n').map((f) => f.id)).toEqual(['playbook.validated-version-missing']);
    expect(
      rules(
        `${base}matrix_authentication_service_config_upstream_oauth2_providers:\n  - id: nope\n    client_id: c\n    token_endpoint_auth_method: none\n    set_email_verification: always\n`,
      )
        .map((f) => f.id)
        .sort(),
    ).toEqual(['mas.provider-invalid', 'mas.unknown-provider-keys']);
    expect(rules(`${base}matrix_synapse_password_config_enabled: true\n`)[0]).toMatchObject({
      id: 'synapse.password-config-forced',
      edits: [{ op: 'remove', key: 'matrix_synapse_password_config_enabled' }],
    });
    expect(compareVersions('v2025.01.01.0', 'v2026.05.18.0')).toBe(-1);
  });

  it('applying every fix the wizard offers clears that finding, and reverting gives the original bytes', () => {
    for (const file of Object.keys(expected)) {
      const original = read(file);
      for (const f of rules(original, file)) {
        if (!f.edits) continue;
        const result = applyEdits(original, f.edits, file);
        expect(rules(result.text, file).filter((g) => g.id === f.id && g.source === f.source && g.title === f.title)).toEqual([]);
        expect(revertEdits(result.text, result.splices, file)).toBe(original);
      }
    }
  });

  it('fuzz: mutated vars files give findings or a clear syntax error, never a crash', () => {
    const base = ['oidc.yml', 'vault.yml', 'bridges-encryption.yml', 'jinja.yml', 'corporal.yml'].map(read);
    fc.assert(
      fc.property(fc.constantFrom(...base), fc.nat(), fc.nat(12), fc.string({ maxLength: 6 }), (text, at, del, insert) => {
        const pos = at % (text.length + 1);
        const mutated = text.slice(0, pos) + insert + text.slice(pos + del);
        try {
          for (const f of rules(mutated)) expect(['block', 'warn', 'info']).toContain(f.severity);
        } catch (e) {
          if (!(e instanceof VarsSyntaxError || e instanceof VarsEditError)) throw e;
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('mas-wizard preflight (compiled CLI)', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/source/cli.js', 'preflight', ...args], { encoding: 'utf8' });

  it('--vars FILE --json: the contract shape, exit 3 with blockers, 0 when ready', () => {
    const blocked = cli('--vars', path.join(dir, 'ldap.yml'), '--json');
    expect(blocked.status).toBe(3);
    const json = JSON.parse(blocked.stdout);
    expect(json.ready).toBe(false);
    expect(Object.keys(json.findings[0]).sort()).toEqual(['detail', 'fix', 'id', 'severity', 'source', 'title']);
    expect(cli('--vars', path.join(dir, 'examples.yml'), '--json').status).toBe(0);
  });

  it('a broken file: exit 2 with file, line and column, and the file is untouched', () => {
    const before = read('broken.yml');
    const r = cli('--vars', path.join(dir, 'broken.yml'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/broken\.yml: line 7, column 5: /);
    expect(read('broken.yml')).toBe(before);
    expect(cli('--vars', '/nonexistent/vars.yml').status).toBe(2);
    expect(cli('--playbook', '/tmp').stderr).toMatch(/not a matrix-docker-ansible-deploy checkout/);
  });

  it('the readable report groups blockers and warnings with the fix under each', () => {
    const r = cli('--vars', path.join(dir, 'shared-secret-auth.yml'));
    expect(r.stdout).toMatch(
      /BLOCKERS[^\n]*\(1\)\n {2}✗ BLOCK Synapse shared-secret-auth password provider is on {2}\[synapse\.password-provider\.shared-secret-auth\]\n {6}at: [^\n]*shared-secret-auth\.yml:11\n[\s\S]*?fix: Set `matrix_synapse_ext_password_provider_shared_secret_auth_enabled: false`/,
    );
    expect(r.stdout).toMatch(/WARNINGS[^\n]*\(2\)/);
    expect(r.stdout).toContain('Result: NOT READY — 1 blocker.');
  });
});

describe("what the operators' guide says (configuring-playbook-matrix-authentication-service.md)", () => {
  const base = 'matrix_playbook_migration_validated_version: v2026.05.18.0\nmatrix_domain: example.org\n';
  const ofId = (text: string, id: string, generation?: 'current' | 'legacy') =>
    runRules({ layers: layersFor(parseVars(text, 'vars.yml'), 'vars.yml'), generation }).filter((f) => f.id === id);

  it('proxy.own-webserver: reverse proxy "none" gets no Traefik labels, so the compatibility layer routes are listed for the operator', () => {
    const [f] = ofId(`${base}matrix_playbook_reverse_proxy_type: none\n`, 'proxy.own-webserver');
    expect(f).toMatchObject({ severity: 'warn', source: 'vars.yml:3' });
    for (const route of ['/_matrix/client/*/login', '/_matrix/client/*/logout', '/_matrix/client/*/refresh', '/auth', 'matrix.example.org'])
      expect(f.fix).toContain(route);
    expect(ofId(`${base}matrix_playbook_reverse_proxy_type: none\nmatrix_authentication_service_path_prefix: /mas\n`, 'proxy.own-webserver')[0].fix).toContain(
      '/mas',
    );
  });

  it('proxy.own-webserver: the two Traefik types carry the routes in container labels, no finding', () => {
    for (const type of ['playbook-managed-traefik', 'other-traefik-container']) {
      expect(ofId(`${base}matrix_playbook_reverse_proxy_type: ${type}\n`, 'proxy.own-webserver')).toEqual([]);
    }
  });

  it('service.synapse-admin-limited: synapse-admin (legacy playbook) cannot edit users under MAS; Ketesa (current) has full MAS integration', () => {
    expect(ofId(`${base}matrix_synapse_admin_enabled: true\n`, 'service.synapse-admin-limited', 'legacy')).toMatchObject([
      { severity: 'warn', source: 'vars.yml:3' },
    ]);
    expect(ofId(`${base}matrix_synapse_admin_enabled: false\n`, 'service.synapse-admin-limited', 'legacy')).toEqual([]);
    expect(ofId(`${base}matrix_ketesa_enabled: true\n`, 'service.synapse-admin-limited', 'current')).toEqual([]);
  });
});
