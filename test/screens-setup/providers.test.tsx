import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderFormScreen } from '../../screens/setup/provider-form.js';
import { ProvidersScreen } from '../../screens/setup/providers.js';
import { convertSynapseOidc } from '../../source/mas/oidc-convert.js';
import { emptyForm } from '../../source/mas/provider-form.js';
import type { Provider } from '../../source/mas/providers.js';
import { schemaErrors } from '../mas/mas-schema.js';
import { KEY, press, ready, waitFor } from './press.js';

const ID = '01HFVBY12TMNTYTBV8W921M5FA';
let app: ReturnType<typeof render> | undefined;
afterEach(() => { app?.unmount(); app = undefined; });

async function tab(n: number) { for (let i = 0; i < n; i++) await press(app!, KEY.tab); }

describe('provider form', () => {
  it('prefills a ULID, shows field-level errors as you type, keeps long pastes whole, saves a schema-valid provider', async () => {
    const saved: Provider[] = [];
    app = render(<ProviderFormScreen initial={emptyForm(ID)} title="New provider" onSave={(p) => saved.push(p)} onCancel={() => {}} />);
    await ready();
    let frame = app.lastFrame()!;
    expect(frame).toMatch(new RegExp(`Provider id \\(ULID\\)\\s+${ID}`));
    expect(frame).toContain('not valid yet');
    expect(frame).toContain('✗ Issuer URL');
    expect(frame).toContain('Tab/⇧Tab next/previous field');
    expect(frame.split('\n').length).toBeLessThanOrEqual(24);

    await tab(4); // issuer
    expect(app.lastFrame()).toContain('✗ issuer: required while discovery is enabled');
    await press(app, 'https://id.exa mple.org');
    expect(app.lastFrame()).toContain('✗ issuer: not a valid URL');
    // (one deletion leaves only an invisible trailing space, so not every key changes the frame)
    for (let i = 0; i < 'exa mple.org'.length; i++) await press(app, KEY.backspace, { changes: false });
    await waitFor(() => /Issuer URL: https:\/\/id\.\s/.test(app!.lastFrame()!), 'the erased issuer');
    const longIssuer = `https://id.example.org/realms/${'r'.repeat(200)}`;
    await press(app, longIssuer.slice('https://id.'.length)); // one write, 200+ characters
    expect(app.lastFrame()).not.toContain('issuer: ');

    await tab(2); // client id
    await press(app, 'matrix-client');
    await tab(1); // method: keep client_secret_basic
    await tab(1); // client secret
    expect(app.lastFrame()).toContain('✗ client_secret: required for client_secret_basic');
    const secret = 'S'.repeat(120);
    await press(app, secret);
    expect(app.lastFrame()).not.toContain('SSSS');
    expect(app.lastFrame()).toContain('•••••• (set)');
    expect(app.lastFrame()).toContain('no problems');

    await press(app, KEY.shiftTab); // back to the method: a Select
    await press(app, KEY.down);
    await press(app, KEY.enter); // client_secret_post
    expect(app.lastFrame()).toMatch(/Client auth method\s+client_secret_post/);

    // Shift+Tab past the first field wraps to the save row.
    for (let i = 0; i < 40 && !app.lastFrame()!.includes('❯ [ Save this provider ]'); i++) await press(app, KEY.shiftTab);
    app.stdin.write(KEY.enter);
    await waitFor(() => saved.length === 1, 'save');
    expect(saved[0]).toMatchObject({ id: ID, issuer: longIssuer, client_id: 'matrix-client', client_secret: secret, token_endpoint_auth_method: 'client_secret_post' });
    expect(schemaErrors(saved[0])).toEqual([]);
  });

  it('Enter on Save with problems jumps to the first problem instead of saving', async () => {
    const saved: Provider[] = [];
    app = render(<ProviderFormScreen initial={emptyForm(ID)} title="New provider" onSave={(p) => saved.push(p)} onCancel={() => {}} />);
    await ready();
    await press(app, KEY.shiftTab);
    expect(app.lastFrame()).toContain('Enter jumps to the first problem.');
    await press(app, KEY.enter);
    expect(app.lastFrame()).toContain('❯ ✗ Issuer URL');
    expect(saved).toEqual([]);
  });
});

const SYNAPSE = [{
  idp_id: 'keycloak', idp_name: 'Company SSO', issuer: 'https://id.example.org/realms/m', client_id: 'synapse', client_secret: 'kc-secret-value',
  scopes: ['openid', 'profile'], backchannel_logout_enabled: true,
  user_mapping_provider: { config: { localpart_template: '{% raw %}{{ user.preferred_username }}{% endraw %}' } },
}, { idp_id: 'gitlab', issuer: 'https://gitlab.example.org/', client_id: 'gl', client_secret: 'gl-secret' }];

describe('providers screen: convert from Synapse OIDC', () => {
  it('shows each converted provider for review (secret hidden, notes), accept/skip, then Done gives the list', async () => {
    let i = 0;
    const ids = [ID, '01HFVBY12TMNTYTBV8W921M5FB'];
    const converted = convertSynapseOidc(SYNAPSE, 'current', () => ids[i++]);
    const done: Provider[][] = [];
    app = render(<ProvidersScreen providers={[]} converted={converted} publicBase="https://matrix.example.org/auth/" newId={() => ID} onDone={(l) => done.push(l)} onBack={() => {}} />);
    await ready();
    expect(app.lastFrame()).toContain('Convert from Synapse OIDC (2 found) and review');
    await press(app, KEY.enter);
    let frame = app.lastFrame()!;
    expect(frame).toContain('Converted from Synapse oidc-keycloak (1 of 2)');
    expect(frame).toContain('synapse_idp_id: oidc-keycloak');
    expect(frame).toContain('client_secret_basic, secret set (hidden)');
    expect(frame).not.toContain('kc-secret-value');
    expect(frame).toContain('require: {{ user.preferred_username }}');
    expect(frame).toContain('⚠ backchannel_logout_enabled');
    expect(frame).toContain('a accept  e edit  s skip');
    await press(app, 'a');
    expect(app.lastFrame()).toContain('Converted from Synapse oidc-gitlab (2 of 2)');
    await press(app, 's');
    frame = app.lastFrame()!;
    expect(frame).toContain('• Company SSO');
    expect(frame).toContain(`callback: https://matrix.example.org/auth/upstream/callback/${ID}`);
    expect(frame).toContain('Done: write 1 provider to vars.yml');
    for (let k = 0; k < 4; k++) await press(app, KEY.down, { changes: k < 3 });
    app.stdin.write(KEY.enter);
    await waitFor(() => done.length === 1, 'done');
    expect(done[0].map((p) => p.synapse_idp_id)).toEqual(['oidc-keycloak']);
    expect(schemaErrors(done[0][0])).toEqual([]);
  });

  it('edit during review opens the form prefilled; the edited provider is what is kept', async () => {
    const converted = convertSynapseOidc([SYNAPSE[1]], 'current', () => ID);
    const done: Provider[][] = [];
    app = render(<ProvidersScreen providers={[]} converted={converted} publicBase="https://m.example.org/auth/" newId={() => ID} onDone={(l) => done.push(l)} onBack={() => {}} />);
    await ready();
    await press(app, KEY.enter);
    await press(app, 'e');
    expect(app.lastFrame()).toContain('Edit oidc-gitlab');
    expect(app.lastFrame()).toMatch(/Synapse idp id\s+oidc-gitlab/);
    await press(app, KEY.tab); // button label
    await press(app, 'GitLab');
    await press(app, KEY.shiftTab);
    await press(app, KEY.shiftTab); // save row (wraps)
    await press(app, KEY.enter);
    expect(app.lastFrame()).toContain('• GitLab');
    for (let k = 0; k < 4; k++) await press(app, KEY.down); // convert, add, edit, remove → done
    app.stdin.write(KEY.enter);
    await waitFor(() => done.length === 1, 'done');
    expect(done[0][0]).toMatchObject({ id: ID, human_name: 'GitLab', synapse_idp_id: 'oidc-gitlab', client_secret: 'gl-secret' });
  });
});
