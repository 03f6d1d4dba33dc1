import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AUTH_METHODS,
  callbackUrl,
  providerSecrets,
  checkProvider,
  DISCOVERY_MODES,
  IMPORT_ACTIONS,
  JWS_ALGS,
  newProviderId,
  PKCE_METHODS,
  toVarsValue,
  unknownKeys,
  validateProviders,
  type Provider,
} from '../../source/mas/providers.js';
import { emptyForm, formToProvider, providerToForm, type ProviderForm } from '../../source/mas/provider-form.js';
import { schemaErrors } from './mas-schema.js';

const ID = '01HFVBY12TMNTYTBV8W921M5FA';
const base = {
  id: ID,
  issuer: 'https://id.example.org/realms/m',
  client_id: 'matrix',
  token_endpoint_auth_method: 'client_secret_basic',
  client_secret: 's3cr3t',
};

function errorsOf(p: unknown): string[] {
  const r = checkProvider(p);
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
}

describe('provider schema: MAS load-time rules (mas.md §1.3)', () => {
  it('accepts a typical Keycloak provider, which the real MAS schema accepts too', () => {
    expect(errorsOf(base)).toEqual([]);
    expect(schemaErrors(base)).toEqual([]);
  });
  it('generates canonical ULIDs', () => {
    const id = newProviderId();
    expect(errorsOf({ ...base, id })).toEqual([]);
    expect(schemaErrors({ ...base, id })).toEqual([]);
  });
  it.each<[string, Record<string, unknown>, string]>([
    ['lower-case ULID', { id: ID.toLowerCase() }, 'id: must be a ULID'],
    ['ULID with I', { id: ID.slice(0, 25) + 'I' }, 'id: must be a ULID'],
    ['ULID overflow', { id: '8' + ID.slice(1) }, 'id: must be a ULID'],
    ['rule 1: no issuer with discovery', { issuer: undefined }, 'issuer: required while discovery is enabled'],
    ['rule 2: secret with none', { token_endpoint_auth_method: 'none' }, 'client_secret: not allowed with none'],
    [
      'rule 2: secret file with private_key_jwt',
      { token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'RS256', client_secret: undefined, client_secret_file: '/s' },
      'client_secret_file: not allowed with private_key_jwt',
    ],
    [
      'rule 3: no secret for post',
      { token_endpoint_auth_method: 'client_secret_post', client_secret: undefined },
      'client_secret: required for client_secret_post',
    ],
    ['both secret and file', { client_secret_file: '/s' }, 'client_secret_file: cannot specify both'],
    ['rule 4: alg with basic', { token_endpoint_auth_signing_alg: 'HS256' }, 'token_endpoint_auth_signing_alg: not allowed with client_secret_basic'],
    [
      'rule 5: no alg with client_secret_jwt',
      { token_endpoint_auth_method: 'client_secret_jwt' },
      'token_endpoint_auth_signing_alg: required for client_secret_jwt',
    ],
    ['rule 6: apple without block', { token_endpoint_auth_method: 'sign_in_with_apple', client_secret: undefined }, 'sign_in_with_apple.team_id: required'],
    ['rule 6: block without apple', { sign_in_with_apple: { team_id: 't', key_id: 'k', private_key_file: '/k' } }, 'sign_in_with_apple: not allowed'],
    [
      'rule 7: skip_confirmation needs localpart require',
      { claims_imports: { skip_confirmation: true, localpart: { action: 'force' } } },
      'claims_imports.localpart.action: must be require',
    ],
    [
      'rule 7: skip_confirmation forbids suggest',
      { claims_imports: { skip_confirmation: true, localpart: { action: 'require' }, email: { action: 'suggest' } } },
      'claims_imports.email.action: must not be suggest',
    ],
    [
      'rule 8: on_conflict add needs force/require',
      { claims_imports: { localpart: { action: 'suggest', on_conflict: 'add' } } },
      'claims_imports.localpart.on_conflict: add needs localpart action',
    ],
    ['discovery disabled without endpoints', { discovery_mode: 'disabled' }, 'authorization_endpoint: required when discovery is disabled'],
    ['bad endpoint URL', { token_endpoint: 'not a url' }, 'token_endpoint: not a valid URL'],
    ['bad action', { claims_imports: { email: { action: 'always' } } }, 'claims_imports.email.action: must be one of ignore, suggest, force, require'],
    ['bad scope', { scope: 'openid  profile' }, 'scope: space-separated scope tokens'],
    [
      'unclosed template',
      { claims_imports: { localpart: { template: '{{ user.preferred_username' } } },
      'claims_imports.localpart.template: template has an unclosed',
    ],
    ['missing client_id', { client_id: undefined }, 'client_id: required'],
    ['bad method', { token_endpoint_auth_method: 'basic' }, 'token_endpoint_auth_method: required, one of'],
  ])('refuses %s with a field-level message', (_name, change, message) => {
    const p: Record<string, unknown> = { ...base, ...change };
    for (const k of Object.keys(p)) if (p[k] === undefined) delete p[k];
    expect(errorsOf(p).join('\n')).toContain(message);
  });
  it('the wizard is at least as strict as the real schema: every schema-invalid case above is refused', () => {
    // spot-check the other direction for shapes the schema itself can see
    for (const bad of [
      { ...base, id: 'x' },
      { ...base, token_endpoint_auth_method: 'basic' },
      { ...base, token_endpoint: 'nope' },
    ]) {
      expect(schemaErrors(bad)).not.toEqual([]);
      expect(errorsOf(bad)).not.toEqual([]);
    }
  });
});

describe('unknown keys and list validation', () => {
  it('warns on keys MAS ignores, including removed set_email_verification and typos', () => {
    const p = { ...base, clientid: 'x', claims_imports: { email: { action: 'force', set_email_verification: 'always' }, localpart: { acton: 'require' } } };
    expect(unknownKeys(p)).toEqual([
      { path: 'clientid', note: 'unknown key, ignored by MAS' },
      { path: 'claims_imports.email.set_email_verification', note: expect.stringContaining('removed in MAS 0.13') },
      { path: 'claims_imports.localpart.acton', note: 'unknown key, ignored by MAS' },
    ]);
  });
  it('produces mas.provider-invalid with paths, mas.unknown-provider-keys, and flags duplicates', () => {
    const list = [base, { ...base, synapse_idp_id: 'oidc-a' }, { ...base, id: 'bad', typo: 1 }];
    const { providers, findings } = validateProviders(list, 'vars.yml');
    expect(providers).toHaveLength(2);
    const invalid = findings.find((f) => f.id === 'mas.provider-invalid');
    expect(invalid?.severity).toBe('block');
    expect(invalid?.detail).toContain('providers[2].id: must be a ULID');
    expect(invalid?.detail).toContain('providers[1].id: same as providers[0]');
    expect(findings.find((f) => f.id === 'mas.unknown-provider-keys')?.detail).toContain('providers[2].typo');
    expect(validateProviders(undefined, 'x').findings).toEqual([]);
    expect(validateProviders({ a: 1 }, 'x').findings[0].detail).toContain('must be a list');
  });
  it('accepts templates still wrapped in {% raw %} as read from vars.yml', () => {
    const p = { ...base, claims_imports: { localpart: { action: 'require', template: '{% raw %}{{ user.preferred_username }}{% endraw %}' } } };
    const r = checkProvider(p);
    expect(r.ok && r.provider.claims_imports?.localpart?.template).toBe('{{ user.preferred_username }}');
  });
});

describe('toVarsValue', () => {
  it('wraps only MAS templates in {% raw %}, leaves Ansible references alone, drops nulls', () => {
    const p = {
      ...base,
      client_secret: '{{ vault_kc_secret }}',
      human_name: null,
      claims_imports: {
        localpart: { action: 'require', template: '{{ user.preferred_username }}' },
        email: { template: '{% raw %}{{ user.email }}{% endraw %}' },
      },
      additional_authorization_parameters: { login_hint: '{{ params.login_hint }}', kc_idp_hint: 'saml' },
    } as unknown as Provider;
    const [v] = toVarsValue([p]) as Record<string, any>[];
    expect(v.client_secret).toBe('{{ vault_kc_secret }}');
    expect('human_name' in v).toBe(false);
    expect(v.claims_imports.localpart.template).toBe('{% raw %}{{ user.preferred_username }}{% endraw %}');
    expect(v.claims_imports.email.template).toBe('{% raw %}{{ user.email }}{% endraw %}');
    expect(v.additional_authorization_parameters).toEqual({ login_hint: '{% raw %}{{ params.login_hint }}{% endraw %}', kc_idp_hint: 'saml' });
    expect(p.claims_imports?.localpart?.template).toBe('{{ user.preferred_username }}'); // input untouched
    expect(providerSecrets([p, base as Provider])).toEqual(['s3cr3t']); // the vault reference is not a secret value
    expect(callbackUrl('https://matrix.example.org/auth/', ID)).toBe(`https://matrix.example.org/auth/upstream/callback/${ID}`);
  });
});

// ---- property tests: the form is the only way the wizard produces providers ----

const ulidArb = fc.tuple(fc.constantFrom(...'01234567'), fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{25}$/)).map(([a, b]) => a + b);
const urlArb = fc.webUrl({ validSchemes: ['https'] });
const textArb = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '' && !/[{}%;=]/.test(s));
const scopeArb = fc.array(fc.constantFrom('openid', 'profile', 'email', 'groups', 'urn:x:y'), { minLength: 1, maxLength: 4 }).map((a) => a.join(' '));
const templateArb = fc.constantFrom('', '{{ user.preferred_username }}', '{{ user.email | split("@") | first }}', '{{ user.name }}', 'fixed');

/** Valid form inputs: consistent choices, the way an operator fills the form correctly. */
const validForm = fc
  .record({
    id: ulidArb,
    issuer: urlArb,
    client_id: textArb,
    secret: textArb,
    human: fc.option(textArb, { nil: '' }),
    method: fc.constantFrom(...AUTH_METHODS),
    discovery: fc.constantFrom(...DISCOVERY_MODES),
    alg: fc.constantFrom(...JWS_ALGS),
    pkce: fc.constantFrom('', ...PKCE_METHODS),
    scope: scopeArb,
    endpoint: urlArb,
    fetch: fc.constantFrom('', 'true', 'false'),
    skip: fc.boolean(),
    lp: fc.constantFrom('', ...IMPORT_ACTIONS),
    dn: fc.constantFrom('', ...IMPORT_ACTIONS),
    em: fc.constantFrom('', ...IMPORT_ACTIONS),
    conflict: fc.constantFrom('', 'fail', 'add', 'replace', 'set'),
    tpl: templateArb,
  })
  .map((r): ProviderForm => {
    const f = emptyForm(r.id);
    Object.assign(f, {
      issuer: r.issuer,
      client_id: r.client_id,
      human_name: r.human ?? '',
      token_endpoint_auth_method: r.method,
      discovery_mode: r.discovery,
      pkce_method: r.pkce,
      scope: r.scope,
      fetch_userinfo: r.fetch,
      'claims_imports.localpart.template': r.tpl,
    });
    if (['client_secret_basic', 'client_secret_post', 'client_secret_jwt'].includes(r.method)) f.client_secret = r.secret;
    if (['client_secret_jwt', 'private_key_jwt'].includes(r.method)) f.token_endpoint_auth_signing_alg = r.alg;
    if (r.method === 'sign_in_with_apple')
      Object.assign(f, {
        'sign_in_with_apple.team_id': 'TEAM1',
        'sign_in_with_apple.key_id': 'KEY1',
        'sign_in_with_apple.private_key_file': '/keys/apple.p8',
        response_mode: 'form_post',
      });
    if (r.discovery === 'disabled') Object.assign(f, { authorization_endpoint: r.endpoint, token_endpoint: r.endpoint });
    const lp = r.skip ? 'require' : r.lp;
    Object.assign(f, {
      'claims_imports.skip_confirmation': r.skip ? 'true' : '',
      'claims_imports.localpart.action': lp,
      'claims_imports.displayname.action': r.skip && r.dn === 'suggest' ? 'force' : r.dn,
      'claims_imports.email.action': r.skip && r.em === 'suggest' ? 'force' : r.em,
      'claims_imports.localpart.on_conflict': lp === 'force' || lp === 'require' ? r.conflict : '',
    });
    return f;
  });

describe('property: valid form inputs give schema-valid providers', () => {
  it('every provider the form produces passes the real MAS JSON schema and the load-time rules', () => {
    fc.assert(
      fc.property(validForm, (form) => {
        const res = formToProvider(form);
        if (!res.ok) throw new Error(JSON.stringify(res.errors));
        expect(schemaErrors(res.provider)).toEqual([]);
        expect(errorsOf(res.provider)).toEqual([]);
        // and the vars.yml value, once Ansible has stripped {% raw %}, is the same provider
        const [written] = toVarsValue([res.provider]) as unknown[];
        const back = checkProvider(written);
        expect(back.ok && back.provider).toEqual(res.provider);
        // editing round-trips
        expect(formToProvider(providerToForm(res.provider))).toEqual(res);
      }),
      { numRuns: 300 },
    );
  });
});

/** One wrong answer at a time, and the field that must carry the error. */
const breakers: [string, (f: ProviderForm) => void][] = [
  [
    'id',
    (f) => {
      f.id = f.id.toLowerCase().replace(/^./, 'z');
    },
  ],
  [
    'client_id',
    (f) => {
      f.client_id = '  ';
    },
  ],
  [
    'issuer',
    (f) => {
      f.discovery_mode = 'oidc';
      f.issuer = '';
    },
  ],
  [
    'issuer',
    (f) => {
      f.issuer = 'not a url';
    },
  ],
  [
    'client_secret',
    (f) => {
      f.token_endpoint_auth_method = 'client_secret_post';
      f.client_secret = '';
    },
  ],
  [
    'token_endpoint_auth_signing_alg',
    (f) => {
      f.token_endpoint_auth_method = 'private_key_jwt';
      f.token_endpoint_auth_signing_alg = '';
    },
  ],
  [
    'sign_in_with_apple.team_id',
    (f) => {
      f.token_endpoint_auth_method = 'sign_in_with_apple';
      f['sign_in_with_apple.team_id'] = '';
      f['sign_in_with_apple.key_id'] = 'K';
      f['sign_in_with_apple.private_key_file'] = '/k';
    },
  ],
  [
    'authorization_endpoint',
    (f) => {
      f.discovery_mode = 'disabled';
      f.authorization_endpoint = '';
      f.token_endpoint = 'https://t.example/';
    },
  ],
  [
    'claims_imports.localpart.action',
    (f) => {
      f['claims_imports.skip_confirmation'] = 'true';
      f['claims_imports.localpart.action'] = 'suggest';
    },
  ],
  [
    'claims_imports.localpart.on_conflict',
    (f) => {
      f['claims_imports.localpart.action'] = 'ignore';
      f['claims_imports.localpart.on_conflict'] = 'replace';
    },
  ],
  [
    'scope',
    (f) => {
      f.scope = 'openid "profile"';
    },
  ],
  [
    'claims_imports.email.template',
    (f) => {
      f['claims_imports.email.template'] = '{{ user.email';
    },
  ],
  [
    'additional_authorization_parameters',
    (f) => {
      f.additional_authorization_parameters = 'prompt';
    },
  ],
  [
    'fetch_userinfo',
    (f) => {
      f.fetch_userinfo = 'yes';
    },
  ],
];

describe('property: invalid form inputs are refused with a field-level message', () => {
  it('one wrong field → refused, and the error names that field', () => {
    fc.assert(
      fc.property(validForm, fc.constantFrom(...breakers), (form, [field, breakIt]) => {
        const bad = { ...form };
        breakIt(bad);
        const res = formToProvider(bad);
        expect(res.ok).toBe(false);
        if (!res.ok) {
          const hit = res.errors.find((e) => e.path === field);
          expect(hit, `${field} in ${JSON.stringify(res.errors)}`).toBeDefined();
          expect(hit!.message.length).toBeGreaterThan(3);
        }
      }),
      { numRuns: 300 },
    );
  });
});
