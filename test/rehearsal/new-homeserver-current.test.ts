// Dress rehearsal on the real current snapshot (issue 11), slow: "Set up MAS on a new homeserver"
// (`lab reset --scenario fresh`: no users, no Synapse OIDC). install-all is stood in for; the first
// admin is registered through the checkout's own register-user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labSql, readVars, removeLab, runAnswers, status } from '../harness/e2e.js';
import { newRehearsal, transcript, type Rehearsal } from '../harness/rehearsal.js';
import { snapshotsMissing } from '../harness/snapshot.js';

const slow = process.env.MAS_WIZARD_SLOW_TESTS === '1';
const STRONG = 'correct-Horse-battery-staple-42';
let e: Rehearsal;

describe.skipIf(!slow || snapshotsMissing() !== null)('rehearsal: the real current playbook, new-homeserver flow (MAS_WIZARD_SLOW_TESTS=1; ≈ 1 min)', () => {
  beforeAll(async () => {
    e = await newRehearsal('current', { scenario: 'fresh' });
  }, 300_000);
  afterAll(async () => {
    await removeLab(e);
  });

  it('every step succeeds: MAS installed, the first admin registered and able to request admin; no password in the transcript', async () => {
    const r = await runAnswers(e, { mode: 'new', secret: 'generate', providers: 'convert-synapse-oidc', first_admin: { username: 'admin', password: STRONG } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const view = await status(e);
    expect(view.flow).toBe('new');
    expect(view.steps.filter((s) => s.status !== 'succeeded').map((s) => s.id)).toEqual([]);
    expect(labSql(e, 'matrix_authentication_service', 'SELECT username, can_request_admin FROM users')).toEqual([['admin', 't']]);
    expect(readVars(e).matrix_authentication_service_enabled).toBe(true);
    const text = transcript(e);
    expect(text).toContain('PLAY [Practice lab stand-in for install-all (not the real tasks)]');
    expect(text).not.toContain(STRONG);
  }, 900_000);
});
