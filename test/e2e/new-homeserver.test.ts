// mode: new through `run --answers` on the practice lab. The lab always seeds Synapse users, so:
// (1) on the seeded lab mode new must refuse (those users would lose their logins — that is what
// mode migrate is for); (2) with Synapse emptied (a fresh homeserver) a weak first-admin password
// is refused with MAS's complexity rule BEFORE anything changes, and a strong one ends with the
// admin registered in MAS through register-user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labSql, newLab, readVars, removeLab, runAnswers, status, stepStatus, type E2E } from '../harness/e2e.js';

let e: E2E;
beforeAll(async () => {
  e = await newLab();
});
afterAll(async () => {
  await removeLab(e);
});

const NEW = { mode: 'new', secret: 'generate', providers: 'convert-synapse-oidc' };
const STRONG = 'correct-Horse-battery-staple-42';

describe('new-homeserver flow', () => {
  it('refuses a Synapse that already has users (they would lose their logins), changing nothing', async () => {
    const before = readVars(e);
    const r = await runAnswers(e, { ...NEW, first_admin: { username: 'admin', password: STRONG } });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toContain('Synapse already has 6 user(s)');
    expect(r.stdout).toContain('mode: migrate');
    expect(readVars(e)).toEqual(before);
  }, 60_000);

  it('on an empty Synapse, a weak first-admin password is refused with the complexity rule before the server is touched', async () => {
    labSql(e, 'synapse', 'DELETE FROM user_external_ids; DELETE FROM user_threepids; DELETE FROM users');
    const before = readVars(e);
    const r = await runAnswers(e, { ...NEW, first_admin: { username: 'admin', password: 'password1' } });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toMatch(/first_admin\.password: MAS refuses weak passwords \(zxcvbn score below 3\)/);
    expect(r.stdout).not.toContain('Synapse already has');
    expect(r.stdout).not.toContain('password1');
    expect(readVars(e)).toEqual(before);
    expect(stepStatus(await status(e)).install).toBe('pending');
  }, 60_000);

  it('with a strong password: MAS installed, the first admin registered and able to request admin', async () => {
    const r = await runAnswers(e, { ...NEW, first_admin: { username: 'admin', password: STRONG } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain(STRONG);
    const view = await status(e);
    expect(view.flow).toBe('new');
    expect(
      Object.values(stepStatus(view)).every((s) => s === 'succeeded'),
      JSON.stringify(stepStatus(view)),
    ).toBe(true);
    expect(labSql(e, 'matrix_authentication_service', 'SELECT username, can_request_admin FROM users')).toEqual([['admin', 't']]);
    expect(readVars(e).matrix_authentication_service_enabled).toBe(true);
  }, 120_000);
});
