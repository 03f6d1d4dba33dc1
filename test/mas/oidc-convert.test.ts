import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { convertSynapseOidc, LEGACY_MAPPING_KEY, oidcRemovalEdits, synapseAuthProvider, translateTemplate } from '../../source/mas/oidc-convert.js';
import { toVarsValue } from '../../source/mas/providers.js';
import { schemaErrors } from './mas-schema.js';

// As an operator writes it in vars.yml (playbook docs: Synapse templates wrapped in raw).
const VARS = parse(`
matrix_synapse_oidc_enabled: true
matrix_synapse_oidc_providers:
  - idp_id: keycloak
    idp_name: "Company SSO"
    idp_brand: gitlab
    issuer: "https://id.example.org/realms/matrix"
    client_id: "synapse"
    client_secret: "kc-very-secret-value"
    scopes: ["openid", "profile", "email"]
    user_mapping_provider:
      config:
        localpart_template: "{% raw %}{{ user.preferred_username }}{% endraw %}"
        display_name_template: "{% raw %}{{ user.name }}{% endraw %}"
        email_template: "{% raw %}{{ user.email }}{% endraw %}"
    backchannel_logout_enabled: true
  - idp_id: github
    idp_name: GitHub
    discover: false
    issuer: "https://github.com/"
    client_id: "gh-client"
    client_secret: "{{ vault_github_secret }}"
    authorization_endpoint: "https://github.com/login/oauth/authorize"
    token_endpoint: "https://github.com/login/oauth/access_token"
    userinfo_endpoint: "https://api.github.com/user"
    scopes: ["read:user"]
    user_profile_method: userinfo_endpoint
    user_mapping_provider:
      config:
        subject_claim: "id"
        localpart_template: "{% raw %}{{ user.login }}{% endraw %}"
        confirm_localpart: true
  - issuer: "https://legacy.example.org/"
    client_id: "legacy"
    client_auth_method: none
    skip_verification: true
    pkce_method: always
    additional_authorization_parameters:
      response_mode: form_post
      acr_values: "2fa"
    user_mapping_provider:
      config:
        localpart_template: "{% raw %}{{ user.email | localpart_from_email }}{% endraw %}"
matrix_synapse_oidc_something_else: 1
`);

let n = 0;
const ids = ['01HFVBY12TMNTYTBV8W921M5FA', '01HFVBY12TMNTYTBV8W921M5FB', '01HFVBY12TMNTYTBV8W921M5FC'];
const fixedId = () => ids[n++ % ids.length];

describe('Synapse OIDC → MAS providers', () => {
  it('maps ids the way Synapse stores them', () => {
    expect(synapseAuthProvider('keycloak')).toBe('oidc-keycloak');
    expect(synapseAuthProvider('oidc')).toBe('oidc');
    expect(synapseAuthProvider(undefined)).toBe('oidc');
  });

  it('converts every field the way mas-cli config generate does, for the current generation', () => {
    n = 0;
    const res = convertSynapseOidc(VARS.matrix_synapse_oidc_providers, 'current', fixedId);
    expect(res.failures).toEqual([]);
    expect(res.mappingArgs).toEqual([]);
    const [kc, gh, legacy] = res.converted;
    expect(kc).toEqual({
      synapseIdpId: 'oidc-keycloak',
      provider: {
        id: ids[0],
        synapse_idp_id: 'oidc-keycloak',
        issuer: 'https://id.example.org/realms/matrix',
        human_name: 'Company SSO',
        brand_name: 'gitlab',
        client_id: 'synapse',
        client_secret: 'kc-very-secret-value',
        token_endpoint_auth_method: 'client_secret_basic',
        discovery_mode: 'oidc',
        scope: 'openid profile email',
        fetch_userinfo: true,
        claims_imports: {
          localpart: { action: 'require', template: '{{ user.preferred_username }}' },
          displayname: { action: 'force', template: '{{ user.name }}' },
          email: { action: 'force', template: '{{ user.email }}' },
        },
      },
    });
    expect(gh.provider).toMatchObject({
      synapse_idp_id: 'oidc-github',
      discovery_mode: 'disabled',
      client_secret: '{{ vault_github_secret }}',
      fetch_userinfo: true,
      scope: 'read:user',
      token_endpoint: 'https://github.com/login/oauth/access_token',
      claims_imports: { subject: { template: '{{ user.id }}' }, localpart: { action: 'suggest', template: '{{ user.login }}' } },
    });
    expect(legacy.provider).toMatchObject({
      synapse_idp_id: 'oidc',
      token_endpoint_auth_method: 'none',
      discovery_mode: 'insecure',
      pkce_method: 'always',
      response_mode: 'form_post',
      fetch_userinfo: true,
      additional_authorization_parameters: { acr_values: '2fa' },
      claims_imports: { localpart: { template: "{{ user.email | split('@') | first }}" } },
    });
    expect(legacy.provider.client_secret).toBeUndefined();
    for (const c of res.converted) expect(schemaErrors(c.provider), c.synapseIdpId).toEqual([]);
  });

  it('registers literal client secrets for the redactor, not Ansible references', () => {
    const res = convertSynapseOidc(VARS.matrix_synapse_oidc_providers, 'current', fixedId);
    expect(res.secrets).toEqual(['kc-very-secret-value']);
  });

  it('says what did not carry over', () => {
    const res = convertSynapseOidc(VARS.matrix_synapse_oidc_providers, 'current', fixedId);
    expect(res.warnings).toEqual([expect.stringMatching(/^oidc-keycloak: backchannel_logout_enabled/)]);
    const odd = convertSynapseOidc(
      [
        {
          idp_id: 'x',
          issuer: 'https://x.example/',
          client_id: 'c',
          client_secret_path: '/s',
          attribute_requirements: [],
          user_mapping_provider: { config: { localpart_template: '{{ user.picture | mxc_to_http(32, 32) }}' } },
        },
      ],
      'current',
      fixedId,
    );
    expect(odd.warnings.join('\n')).toContain('client_secret_path is not supported');
    expect(odd.warnings.join('\n')).toContain('attribute_requirements');
    expect(odd.warnings.join('\n')).toContain('mxc_to_http');
  });

  it('legacy generation: no synapse_idp_id, --upstreamProviderMapping arguments instead', () => {
    n = 0;
    const res = convertSynapseOidc(VARS.matrix_synapse_oidc_providers, 'legacy', fixedId);
    expect(res.converted.every((c) => c.provider.synapse_idp_id === undefined)).toBe(true);
    expect(res.mappingArgs).toEqual([
      `--upstreamProviderMapping oidc-keycloak:${ids[0]}`,
      `--upstreamProviderMapping oidc-github:${ids[1]}`,
      `--upstreamProviderMapping oidc:${ids[2]}`,
    ]);
    expect(LEGACY_MAPPING_KEY).toBe('matrix_authentication_service_syn2mas_process_extra_arguments');
  });

  it('reports an entry that cannot become a valid provider with field errors, and converts the rest', () => {
    const res = convertSynapseOidc([{ idp_id: 'broken', client_id: 'c' }, 'nonsense', VARS.matrix_synapse_oidc_providers[0]], 'current', fixedId);
    expect(res.failures).toEqual([{ synapseIdpId: 'oidc-broken', errors: [{ path: 'issuer', message: expect.stringContaining('required') }] }]);
    expect(res.warnings).toContain('entry 2 is not a mapping; skipped');
    expect(res.converted).toHaveLength(1);
    expect(convertSynapseOidc(undefined, 'current').converted).toEqual([]);
    expect(convertSynapseOidc('x', 'current').warnings[0]).toContain('not a list');
  });

  it('the converted list written to vars.yml has raw-wrapped templates', () => {
    const res = convertSynapseOidc(VARS.matrix_synapse_oidc_providers, 'current', fixedId);
    const value = toVarsValue(res.converted.map((c) => c.provider)) as any[];
    expect(value[0].claims_imports.localpart.template).toBe('{% raw %}{{ user.preferred_username }}{% endraw %}');
    expect(value[1].client_secret).toBe('{{ vault_github_secret }}');
  });

  it('lists the matrix_synapse_oidc_* keys to remove at cut-over', () => {
    expect(oidcRemovalEdits(Object.keys(VARS))).toEqual([
      { op: 'remove', key: 'matrix_synapse_oidc_enabled' },
      { op: 'remove', key: 'matrix_synapse_oidc_providers' },
      { op: 'remove', key: 'matrix_synapse_oidc_something_else' },
    ]);
  });

  it('translates Synapse templates', () => {
    expect(translateTemplate('{% raw %}{{ user.email | localpart_from_email | lower }}{% endraw %}')).toEqual({
      template: "{{ user.email | split('@') | first | lower }}",
    });
    expect(translateTemplate('{{ user.ts | format_ts("%Y") }}').warning).toContain('format_ts');
  });
});
