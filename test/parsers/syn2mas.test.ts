// syn2mas parser: the real legacy tool's outputs (copied from shared/data/mas/legacy-syn2mas-example,
// recorded from @vector-im/syn2mas@0.15.0) and current `mas-cli syn2mas` samples built from the
// documented texts (reference/mas.md §3.3–3.5), fed whole and line by line.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Syn2masParser, estimateDowntime, parseSyn2masOutput, syn2masExitMeaning } from '../../source/parsers/syn2mas.js';
import { explainSyn2mas } from '../../source/parsers/syn2mas-advice.js';

const fixtures = path.join(import.meta.dirname, 'fixtures');
/** The recorded files start with `#` header lines written by the recorder: not tool output. */
const load = (name: string) =>
  readFileSync(path.join(fixtures, name), 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');

describe('current mas-cli syn2mas', () => {
  it('splits the check summary into explained errors and warnings, with the synapse_idp_id fix', () => {
    const r = parseSyn2masOutput(load('syn2mas-check-errors-warnings.txt'));
    expect(r.tool).toBe('mas-cli');
    expect(r.errors.map((e) => e.kind)).toEqual(['syn2mas.provider-unmapped', 'syn2mas.password-pepper-mismatch', 'db.oauth-delegated-rows']);
    expect(r.errors[0].fix).toBe(
      'add synapse_idp_id: oidc-keycloak to the matching provider in matrix_authentication_service_config_upstream_oauth2_providers, then run the check again',
    );
    expect(r.errors[0].text.startsWith("Synapse config contains an OpenID Connect or OAuth2 provider 'oidc-keycloak'")).toBe(true);
    // A multi-line item stays one item, with its SQL.
    expect(r.errors[2].text).toContain("DELETE FROM user_external_ids WHERE auth_provider = 'oauth-delegated';");
    expect(r.warnings.map((w) => w.kind)).toEqual(['synapse.registration-enabled', 'db.non-email-3pids']);
    expect(r.checkClean).toBe(false);
    expect(r.fatal).toBeNull();
  });

  it('gives the same result fed one line at a time as fed whole', () => {
    const text = load('syn2mas-check-errors-warnings.txt');
    const p = new Syn2masParser();
    for (const l of text.split('\n')) p.line(l);
    expect(p.end()).toEqual(parseSyn2masOutput(text));
  });

  it('recognises a clean check', () => {
    const r = parseSyn2masOutput(
      '2026-11-28T10:00:00.100000Z  INFO mas_storage_pg::migrate:40 No pending migrations\nCheck completed successfully with no errors or warnings.\n',
    );
    expect(r.checkClean).toBe(true);
    expect(r.errors).toEqual([]);
  });

  it('reads dry-run progress, per-stage counts, rebuilds, the closing warning, and estimates the downtime', () => {
    const p = new Syn2masParser();
    const lines = load('syn2mas-migrate-dryrun.txt').split('\n');
    for (const l of lines.slice(0, 7)) p.line(l);
    expect(p.report.progress).toEqual({ entity: 'users', migrated: 41000, skipped: 12, approxTotal: 90000, percent: 45.6 });
    for (const l of lines.slice(7)) p.line(l);
    const r = p.end();
    expect(r.stages.map((s) => [s.entity, s.migrated, s.skipped, s.seconds])).toEqual([
      ['users', 90000, 25, 8.9],
      ['threepids', 52000, 0, 1],
      ['external_ids', 800, 0, 0.5],
      ['nonrefreshable_access_tokens', 150000, 300, 4.5],
      ['refreshable_tokens', 4000, 0, 1],
      ['devices', 120000, 40, 5],
    ]);
    expect(r.rebuilds).toEqual([
      { kind: 'index', name: 'compat_sessions_user_id_idx', seconds: 1 },
      { kind: 'constraint', name: 'compat_sessions_fk_users', seconds: 2.2 },
    ]);
    expect(r.dryRunFinished).toBe(true);
    const est = estimateDowntime(r)!;
    expect(est.measuredSeconds).toBeCloseTo(29.05, 2); // 10:05:00.250 → 10:05:29.300
    expect(est.estimateSeconds).toBe(Math.ceil(29.05 * 1.5 + 60));
    expect(est.basis).toMatch(/Starting new syn2mas migration/);
  });

  it('reads "MAS database is not empty" as a fatal error naming the table', () => {
    const r = parseSyn2masOutput(load('syn2mas-migrate-not-empty.txt'));
    expect(r.masDbNotEmpty).toBe('users');
    expect(r.fatal).toMatchObject({ kind: 'db.mas-not-empty' });
    expect(r.fatal?.fix).toMatch(/drop and recreate/);
  });

  it('joins Error: with its causes and explains a foreign server name', () => {
    const r = parseSyn2masOutput(load('syn2mas-migrate-wrong-server.txt'));
    expect(r.fatal?.message).toBe('failed to migrate users');
    expect(r.fatal?.causes).toEqual([
      'failed to extract localpart of FullUserId("@u:rxamplr.org")',
      'wrong server name: expected "example.org", got "rxamplr.org"',
    ]);
    expect(r.fatal?.kind).toBe('db.foreign-server-users');
    expect(r.fatal?.explanation).toContain('@u:rxamplr.org');
  });

  it('knows what each exit code means', () => {
    expect(syn2masExitMeaning(0, 'check')).toMatchObject({ ok: true, proceed: 'yes' });
    expect(syn2masExitMeaning(10, 'check')).toMatchObject({ ok: false, proceed: 'no' });
    expect(syn2masExitMeaning(11, 'check')).toMatchObject({ ok: true, proceed: 'acknowledge' });
    expect(syn2masExitMeaning(1, 'migrate')).toMatchObject({ ok: false, proceed: 'no' });
    expect(syn2masExitMeaning(null, 'migrate').meaning).toMatch(/unknown/);
    expect(syn2masExitMeaning(1, 'migrate', true).meaning).toMatch(/half-migrated/);
  });

  it('leaves an unknown text unrecognised rather than guessing', () => {
    expect(explainSyn2mas('warning', 'Something new in a later MAS')).toMatchObject({ kind: 'syn2mas.unrecognised' });
    expect(explainSyn2mas('error', 'Synapse config has `enable_3pid_changes` explicitly enabled, which must be disabled or removed.').kind).toBe(
      'syn2mas.3pid-changes',
    );
  });
});

describe('legacy @vector-im/syn2mas 0.15 (real recorded outputs)', () => {
  it('advisor lines are explained', () => {
    const r = parseSyn2masOutput(load('legacy-syn2mas-output-advisor.txt'));
    expect(r.tool).toBe('legacy');
    expect(r.legacy.items.map((i) => i.kind)).toEqual(['syn2mas.legacy-oidc-needs-mapping', 'syn2mas.legacy-oidc-needs-mapping']);
    expect(r.legacy.items[1].fix).toBe('pass --upstreamProviderMapping oidc-keycloak:<MAS provider ULID>');
  });

  it('a dry run without mapping: the unknown provider is named with the mapping to add, and the count line is read', () => {
    const r = parseSyn2masOutput(load('legacy-syn2mas-output-migrate-dryrun-nomapping.txt'));
    expect(r.legacy.unknownProviders).toEqual(['oidc-keycloak']);
    expect(r.errors[0].kind).toBe('syn2mas.legacy-unknown-provider');
    expect(r.errors[0].fix).toContain('--upstreamProviderMapping oidc-keycloak:<ULID of the MAS provider>');
    expect(r.legacy.completed).toEqual({ dryRun: true, users: 3, fatals: 1, warnings: 0 });
    expect(r.legacy.usersProcessed).toBe(3);
    expect(r.fatal?.message).toBe('Error: Migration failed with 1 fatals');
  });

  it('a real run with mapping: per-user progress and the completion line', () => {
    const r = parseSyn2masOutput(load('legacy-syn2mas-output-migrate-mapping.txt'));
    expect(r.legacy).toMatchObject({ usersProcessed: 3, usersMigrated: 3, completed: { dryRun: false, users: 3, fatals: 0, warnings: 0 } });
    expect(r.errors).toEqual([]);
    expect(r.fatal).toBeNull();
  });

  it('a re-run after a partial migration is refused: the existing users are counted and the fix given', () => {
    const r = parseSyn2masOutput(load('legacy-syn2mas-output-migrate-rerun-after-partial.txt'));
    expect(r.legacy.existingMasUsers).toBe(2);
    expect(r.errors[0]).toMatchObject({ kind: 'db.mas-not-empty' });
    expect(r.errors[0].explanation).toMatch(/half-migrated/);
  });

  it('the schema mismatch against a current MAS leaves the last user named (half-migrated)', () => {
    const r = parseSyn2masOutput(load('legacy-syn2mas-output-migrate-mapping-against-current-schema.txt'));
    expect(r.fatal?.kind).toBe('syn2mas.legacy-schema-mismatch');
    expect(r.legacy.lastUser).toBe('@bob:example.test');
    expect(r.legacy.usersMigrated).toBe(1);
  });

  it('an all-digit encryption secret: the ZodError is turned into the quoting fix', () => {
    const r = parseSyn2masOutput(load('legacy-syn2mas-output-gotcha-numeric-secret.txt'));
    expect(r.fatal?.kind).toBe('syn2mas.legacy-config-invalid');
    expect(r.fatal?.message).toContain('Expected string, received number at secrets.encryption');
    expect(r.fatal?.fix).toMatch(/quote it/);
  });
});
