import { describe, expect, it } from 'vitest';
import { checkSecret, existingSecretState, generateSecret, planSecret, SECRET_KEY, secretFinding } from '../../source/mas/secret.js';

const HEX = 'a'.repeat(32) + '0123456789ABCDEFabcdef0123456789';

describe('MAS encryption secret', () => {
  it('generates 64 hex characters from the CSPRNG, different every time', () => {
    const a = generateSecret();
    const b = generateSecret();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
    expect(checkSecret(a)).toEqual({ ok: true, kind: 'hex' });
  });

  it('accepts exactly 64 hex characters, upper or lower case, and trims a pasted newline', () => {
    expect(HEX).toHaveLength(64);
    expect(checkSecret(HEX)).toEqual({ ok: true, kind: 'hex' });
    expect(checkSecret(`${HEX}\n`)).toEqual({ ok: true, kind: 'hex' });
  });

  it('says the length when it is wrong, without echoing the value', () => {
    const short = 'abc123'.repeat(10); // 60 chars
    const res = checkSecret(short);
    expect(res).toEqual({ ok: false, problem: 'length 60, expected exactly 64 hex characters (32 bytes)' });
    expect(JSON.stringify(res)).not.toContain(short);
    expect(checkSecret(HEX + 'ab')).toMatchObject({ ok: false, problem: expect.stringContaining('length 66') });
  });

  it('says where the first non-hex character is, without echoing it', () => {
    const bad = HEX.slice(0, 9) + 'g' + HEX.slice(10);
    const res = checkSecret(bad);
    expect(res).toEqual({ ok: false, problem: 'a non-hex character at position 10 (only 0-9 and a-f are allowed)' });
    expect(checkSecret(HEX.slice(0, 20) + ' ' + HEX.slice(21))).toMatchObject({ problem: expect.stringContaining('whitespace at position 21') });
    expect(checkSecret('   ')).toEqual({ ok: false, problem: 'the value is empty' });
  });

  it('accepts an Ansible reference as pointing at an existing value, and refuses a pasted !vault block', () => {
    expect(checkSecret('{{ vault_mas_secret }}')).toEqual({ ok: true, kind: 'reference' });
    expect(checkSecret('!vault |\n $ANSIBLE_VAULT;1.1;AES256')).toMatchObject({ ok: false, problem: expect.stringContaining('!vault') });
  });

  it('classifies what vars.yml already holds', () => {
    expect(existingSecretState(undefined)).toBe('missing');
    expect(existingSecretState({ value: '' })).toBe('missing');
    expect(existingSecretState({ tag: '!vault', value: '$ANSIBLE_VAULT;1.1;AES256\n6231' })).toBe('vault');
    expect(existingSecretState({ value: '{{ vault_mas }}' })).toBe('reference');
    expect(existingSecretState({ value: HEX })).toBe('valid');
    expect(existingSecretState({ value: 'short' })).toBe('invalid');
    expect(existingSecretState({ value: 12345 })).toBe('invalid');
  });

  it('plans the vars.yml edit and hands the value to the redactor list', () => {
    const gen = planSecret({ kind: 'generate' }, () => HEX);
    expect(gen.edits).toEqual([{ op: 'set', key: SECRET_KEY, value: HEX, comment: expect.any(String) }]);
    expect(gen.secrets).toEqual([HEX]);
    expect(planSecret({ kind: 'paste', value: ` ${HEX}\n` }).edits[0]).toMatchObject({ value: HEX });
    const ref = planSecret({ kind: 'reference', value: '{{ vault_mas }}' });
    expect(ref).toEqual({ edits: [{ op: 'set', key: SECRET_KEY, value: '{{ vault_mas }}', comment: expect.any(String) }], secrets: [] });
    expect(planSecret({ kind: 'keep-existing' })).toEqual({ edits: [], secrets: [] });
  });

  it('refuses a bad paste with the reason and the key, never the value', () => {
    const bad = 'f'.repeat(63);
    expect(() => planSecret({ kind: 'paste', value: bad })).toThrow(`${SECRET_KEY}: length 63`);
    try {
      planSecret({ kind: 'paste', value: bad });
    } catch (e) {
      expect(String(e)).not.toContain(bad);
    }
    expect(() => planSecret({ kind: 'paste', value: '{{ x }}' })).toThrow('expected 64 hex characters');
    expect(() => planSecret({ kind: 'reference', value: HEX })).toThrow('expected a {{ variable }} reference');
  });

  it('makes the mas.secret-invalid finding', () => {
    const f = secretFinding('length 12, expected exactly 64 hex characters (32 bytes)', 'vars.yml:3');
    expect(f).toMatchObject({ id: 'mas.secret-invalid', severity: 'block', source: 'vars.yml:3' });
    expect(f.detail).toContain('length 12');
  });
});
