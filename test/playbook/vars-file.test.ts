import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { applyEdits, commitVarsChange, parseVars, planVarsChange, revertEdits, VarsEditError, VarsSyntaxError } from '../../source/playbook/vars-file.js';
import type { VarsEdit } from '../../source/playbook/vars-edit.js';
import { oidcRemovalEdits } from '../../source/mas/oidc-convert.js';

const dir = path.resolve('test/fixtures/vars');
const fixtures = readdirSync(dir).filter((f) => f !== 'broken.yml');
const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');

const provider = {
  id: '01HFVBY12TMNTYTBV8W921M5FA',
  synapse_idp_id: 'oidc-keycloak',
  issuer: 'https://sso.example.org/realms/company',
  human_name: 'Company SSO',
  client_id: 'synapse',
  client_secret: 'kc-client-secret-value',
  token_endpoint_auth_method: 'client_secret_basic',
  scope: 'openid profile email',
  claims_imports: { localpart: { action: 'require', template: '{% raw %}{{ user.preferred_username }}{% endraw %}' } },
};

/** Every vars.yml change the wizard makes (as forward edits). */
function wizardEdits(text: string): VarsEdit[][] {
  const keys = Object.keys(parseVars(text, 'f').values);
  const out: VarsEdit[][] = [
    [{ op: 'set', key: 'matrix_authentication_service_enabled', value: true, comment: 'Matrix Authentication Service' }],
    [
      {
        op: 'set',
        key: 'matrix_authentication_service_config_secrets_encryption',
        value: 'a'.repeat(64),
        comment: 'MAS encryption key: never change it after MAS first starts',
        after: 'matrix_authentication_service_enabled',
      },
    ],
    [{ op: 'set', key: 'matrix_authentication_service_migration_in_progress', value: true }],
    [
      { op: 'set', key: 'matrix_authentication_service_hostname', value: 'auth.example.org', comment: 'needs a DNS CNAME to matrix.example.org' },
      { op: 'set', key: 'matrix_authentication_service_path_prefix', value: '/' },
    ],
    [{ op: 'set', key: 'matrix_authentication_service_config_upstream_oauth2_providers', value: [provider] }],
    [
      { op: 'set', key: 'matrix_synapse_enable_registration', value: false },
      { op: 'set', key: 'matrix_synapse_allow_guest_access', value: false },
    ],
  ];
  const removals = oidcRemovalEdits(keys);
  if (removals.length) out.push(removals);
  return out;
}

/** The inverse an operator would ask for: old value back, new keys gone; null for removals. */
function semanticInverse(before: string, edits: VarsEdit[]): VarsEdit[] | null {
  const values = parseVars(before, 'f').values;
  const inv: VarsEdit[] = [];
  for (const e of [...edits].reverse()) {
    if (e.op === 'remove') return null;
    if (parseVars(before, 'f').doc.contents && (parseVars(before, 'f').doc.get(e.key, true) as { tag?: string } | undefined)?.tag) return null; // a vault value cannot be re-typed
    inv.push(e.key in values ? { op: 'set', key: e.key, value: values[e.key] as never } : { op: 'remove', key: e.key });
  }
  return inv;
}

describe('vars.yml editor, on realistic operator files', () => {
  for (const f of fixtures) {
    it(`${f}: every wizard edit applies, changes only its keys, and reverts to the original bytes`, () => {
      const original = read(f);
      const before = parseVars(original, f);
      for (const edits of wizardEdits(original)) {
        const result = applyEdits(original, edits, f);
        const after = parseVars(result.text, f);
        for (const e of edits) {
          if (e.op === 'set') expect(after.values[e.key]).toEqual(e.value);
          else expect(after.values).not.toHaveProperty(e.key);
        }
        const touched = new Set(edits.map((e) => e.key));
        for (const [k, v] of Object.entries(before.values)) if (!touched.has(k)) expect(after.values[k]).toEqual(v);
        // BOM and line endings are kept
        expect(result.text.startsWith('\uFEFF')).toBe(original.startsWith('\uFEFF'));
        if (original.includes('\r\n')) expect(result.text.replace(/\r\n/g, '')).not.toContain('\n');
        expect(revertEdits(result.text, result.splices, f)).toBe(original);
        const inverse = semanticInverse(original, edits);
        if (inverse) expect(applyEdits(result.text, inverse, f).text).toBe(original);
      }
    });
  }

  it('keeps untouched text byte-for-byte: only the edited line differs', () => {
    const original = read('bom.yml');
    const { text } = applyEdits(original, [{ op: 'set', key: 'matrix_authentication_service_enabled', value: true }], 'bom.yml');
    const a = original.split('\n'),
      b = text.split('\n');
    expect(b.length).toBe(a.length);
    expect(a.filter((l, i) => l !== b[i])).toEqual(['matrix_authentication_service_enabled: no']);
    expect(b).toContain('matrix_authentication_service_enabled: yes'); // yes/no style kept
    expect(text).toContain('matrix_domain: example.org   # our domain');
  });

  it('writes nested values as block YAML that Ansible reads back, Jinja kept inside {% raw %}', () => {
    const { text } = applyEdits(read('examples.yml'), [
      { op: 'set', key: 'matrix_authentication_service_config_upstream_oauth2_providers', value: [provider] },
    ]);
    expect(text).toMatch(/\nmatrix_authentication_service_config_upstream_oauth2_providers:\n {2}- id: 01HFVBY12TMNTYTBV8W921M5FA\n/);
    expect(text).toContain('"{% raw %}{{ user.preferred_username }}{% endraw %}"');
  });

  it('a string that YAML 1.1 would read as a boolean or number is quoted', () => {
    const { text } = applyEdits('a: 1\n', [
      { op: 'set', key: 'b', value: 'yes' },
      { op: 'set', key: 'c', value: '1e3' },
    ]);
    expect(parseVars(text, 'x').values).toEqual({ a: 1, b: 'yes', c: '1e3' });
  });

  it('leaves !vault blocks, anchors and aliases intact, and refuses to remove an anchor still in use', () => {
    const vault = read('vault.yml');
    const { text } = applyEdits(vault, [{ op: 'set', key: 'matrix_authentication_service_enabled', value: true }]);
    expect(text.startsWith(vault)).toBe(true);
    expect(() => applyEdits(read('jinja.yml'), [{ op: 'remove', key: 'common_settings' }], 'jinja.yml')).toThrow(VarsEditError);
  });

  it('a broken file is reported with file, line and column', () => {
    const err = (() => {
      try {
        parseVars(read('broken.yml'), 'broken.yml');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(VarsSyntaxError);
    expect(err).toMatchObject({ file: 'broken.yml', line: 7, column: 5 });
    expect(() => applyEdits(read('broken.yml'), [{ op: 'set', key: 'x', value: 1 }], 'broken.yml')).toThrow(VarsSyntaxError);
  });

  it('rejects a key that is not an Ansible variable name', () => {
    expect(() => applyEdits('a: 1\n', [{ op: 'set', key: 'bad key', value: 1 }])).toThrow(/not a valid Ansible variable name/);
  });
});

describe('writing vars.yml', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'maswiz-vars-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('shows a diff, keeps a timestamped backup with the same mode, writes atomically', async () => {
    const file = path.join(tmp, 'vars.yml');
    writeFileSync(file, read('ldap.yml'));
    chmodSync(file, 0o640);
    const plan = await planVarsChange(file, [{ op: 'set', key: 'matrix_synapse_ext_password_provider_ldap_enabled', value: false }]);
    expect(plan.diff).toContain('-matrix_synapse_ext_password_provider_ldap_enabled: true');
    expect(plan.diff).toContain('+matrix_synapse_ext_password_provider_ldap_enabled: false');
    expect(readFileSync(file, 'utf8')).toBe(read('ldap.yml')); // planning writes nothing
    const { backup } = await commitVarsChange(plan, new Date(2026, 0, 2, 3, 4, 5));
    expect(backup).toBe(`${file}.bak-20260102-030405`);
    expect(readFileSync(backup!, 'utf8')).toBe(read('ldap.yml'));
    expect(statSync(backup!).mode & 0o777).toBe(0o640);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readFileSync(file, 'utf8')).toBe(plan.after);
    expect(readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses to write when the file changed after the diff was shown', async () => {
    const file = path.join(tmp, 'race.yml');
    writeFileSync(file, 'a: 1\n');
    const plan = await planVarsChange(file, [{ op: 'set', key: 'a', value: 2 }]);
    writeFileSync(file, 'a: 3\n');
    await expect(commitVarsChange(plan)).rejects.toThrow(/changed since the diff was shown/);
    expect(readFileSync(file, 'utf8')).toBe('a: 3\n');
  });
});

describe('fuzz: mutated vars files never crash the editor', () => {
  const base = ['oidc.yml', 'vault.yml', 'crlf.yml', 'jinja.yml'].map(read);
  it('gives a clear error or a correct result', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...base),
        fc.nat(),
        fc.nat(10),
        fc.constantFrom('', ':', '\n', ' ', '- ', '{', '"', "'", '&a ', '*a', '!vault |', '#', '\t', '\r\n', '[', '|'),
        (text, at, del, insert) => {
          const pos = at % (text.length + 1);
          const mutated = text.slice(0, pos) + insert + text.slice(pos + del);
          const edits: VarsEdit[] = [
            { op: 'set', key: 'matrix_authentication_service_enabled', value: true },
            { op: 'remove', key: 'matrix_synapse_oidc_enabled' },
          ];
          try {
            const r = applyEdits(mutated, edits, 'fuzz.yml');
            const v = parseVars(r.text, 'fuzz.yml').values;
            expect(v.matrix_authentication_service_enabled).toBe(true);
            expect(v).not.toHaveProperty('matrix_synapse_oidc_enabled');
            expect(revertEdits(r.text, r.splices)).toBe(mutated);
          } catch (e) {
            if (!(e instanceof VarsSyntaxError || e instanceof VarsEditError)) throw e;
            expect((e as Error).message).toMatch(/^fuzz\.yml/);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
