// rollback on the lab: after the real migration and the cut-over, `rollback --yes` switches
// MAS off, puts back the Synapse OIDC settings and Synapse handles logins again.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATE_ANSWERS, newLab, planFile, readVars, removeLab, runAnswers, wizard, type E2E } from '../harness/e2e.js';

describe('rollback', () => {
  let e: E2E;
  beforeAll(async () => {
    e = await newLab();
  }, 120_000);
  afterAll(() => removeLab(e));

  it('refuses to act without --yes and no terminal, and changes nothing', async () => {
    const first = await runAnswers(e, MIGRATE_ANSWERS, ['--until', 'cut-over']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(readVars(e).matrix_synapse_oidc_enabled).toBeUndefined();
    const r = await wizard(e, ['rollback']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/Go back to Synapse logins/);
    expect(r.stdout).toMatch(/Cost: everything done through MAS since the migration is lost/);
    expect(r.stdout).toMatch(/import-postgres/);
    expect(readVars(e).matrix_authentication_service_enabled).toBe(true);
  }, 300_000);

  it('--yes: MAS off, Synapse OIDC back, setup-all run, Synapse active, plan put aside', async () => {
    const plan = planFile(e);
    const r = await wizard(e, ['rollback', '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const vars = readVars(e);
    expect(vars.matrix_authentication_service_enabled).toBe(false);
    expect(vars.matrix_authentication_service_migration_in_progress).toBeUndefined();
    expect(vars.matrix_synapse_oidc_enabled).toBe(true);
    expect(Array.isArray(vars.matrix_synapse_oidc_providers)).toBe(true);
    expect(r.stdout).toContain('Synapse is running and handles logins again');
    expect(existsSync(plan)).toBe(false);
  }, 300_000);
});
