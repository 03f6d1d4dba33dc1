// Dress rehearsal with the operator's own vars.yml (issue 11), slow: `lab reset --playbook DIR
// --vars FILE` takes the server name, the Synapse OIDC providers and every setting from FILE; the
// lab's Synapse is seeded for that server name, and the providers step converts FILE's providers.
// Also the playbook's own example (../shared/data/playbook/examples-vars.yml) as FILE.
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { labSql, readVars, removeLab, runAnswers, status } from '../harness/e2e.js';
import { EXAMPLE_VARS, newRehearsal, transcript, type Rehearsal } from '../harness/rehearsal.js';
import { snapshotsMissing } from '../harness/snapshot.js';

const slow = process.env.MAS_WIZARD_SLOW_TESTS === '1';
const CLIENT_SECRET = 'operator-google-client-secret-7f3a';
const labs: Rehearsal[] = [];
const tmpVars = path.join(process.env.TMPDIR ?? '/tmp', `mas-wizard-operator-vars-${process.pid}.yml`);
afterAll(async () => {
  for (const e of labs) await removeLab(e);
  rmSync(tmpVars, { force: true });
});

describe.skipIf(!slow || snapshotsMissing() !== null)('rehearsal with --vars (MAS_WIZARD_SLOW_TESTS=1; ≈ 3 min)', () => {
  it("a vars.yml with Synapse OIDC providers: the lab is example.com, and the providers step converts the file's provider", async () => {
    writeFileSync(
      tmpVars,
      `${readFileSync(EXAMPLE_VARS, 'utf8')}\nmatrix_synapse_oidc_enabled: true\n${stringify({
        matrix_synapse_oidc_providers: [
          {
            idp_id: 'google',
            idp_name: 'Google',
            issuer: 'https://accounts.google.com/',
            client_id: 'operator-client',
            client_secret: CLIENT_SECRET,
            scopes: ['openid', 'profile', 'email'],
            user_mapping_provider: { config: { localpart_template: '{% raw %}{{ user.given_name|lower }}{% endraw %}' } },
          },
        ],
      })}`,
      { mode: 0o600 },
    );
    const e = await newRehearsal('current', { vars: tmpVars });
    labs.push(e);
    expect(e.resetOut).toContain(`with ${tmpVars}`);
    expect(statSync(e.varsFile).mode & 0o777).toBe(0o600);
    expect(labSql(e, 'synapse', "SELECT count(*) FROM users WHERE name LIKE '%:example.com'")[0]![0]).not.toBe('0');
    expect(labSql(e, 'synapse', 'SELECT DISTINCT auth_provider FROM user_external_ids')).toEqual([['oidc-google']]);

    const r = await runAnswers(
      e,
      {
        mode: 'migrate',
        secret: 'generate',
        providers: 'convert-synapse-oidc',
        accept: ['db.non-email-3pids', 'syn2mas.warnings'],
        backup: { enabled: true },
        confirm_server_name: 'example.com',
      },
      ['--until', 'providers'],
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const view = await status(e);
    expect((view as unknown as { server_name: string }).server_name).toBe('example.com');
    expect(view.steps.find((s) => s.id === 'providers')!.status).toBe('succeeded');
    const converted = readVars(e).matrix_authentication_service_config_upstream_oauth2_providers as {
      issuer: string;
      client_id: string;
      synapse_idp_id?: string;
    }[];
    expect(converted.map((p) => [p.issuer, p.client_id])).toEqual([['https://accounts.google.com/', 'operator-client']]);
    expect(transcript(e)).not.toContain(CLIENT_SECRET);
  }, 600_000);

  it("the playbook's own examples-vars.yml (empty secrets, filled in the lab as the operator must): reset and the dry run succeed", async () => {
    const e = await newRehearsal('current', { vars: EXAMPLE_VARS });
    labs.push(e);
    expect(e.resetOut).toContain('Practice lab ready');
    const vars = readVars(e);
    expect(vars.matrix_domain).toBe('example.com');
    expect(String(vars.matrix_homeserver_generic_secret_key)).toMatch(/^[0-9a-f]{64}$/);
    const r = await runAnswers(
      e,
      {
        mode: 'migrate',
        secret: 'generate',
        accept: ['db.non-email-3pids', 'syn2mas.warnings'],
        backup: { enabled: true },
        confirm_server_name: 'example.com',
      },
      ['--until', 'dry-run'],
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const view = await status(e);
    expect(view.steps.find((s) => s.id === 'dry-run')!.status).toBe('succeeded');
  }, 600_000);
});
