// Dress rehearsal on the real legacy snapshot (issue 11), slow: the playbook's last commit before
// `mas-cli syn2mas` (MAS 0.15.0, the TypeScript syn2mas). Its task file pulls the syn2mas image with
// community.docker.docker_image (answered by the lab's Docker Engine API stand-in: present), stops
// Synapse and runs the real @vector-im/syn2mas through the `docker run` line it builds.
// As in the built-in legacy lab: the seeded phone number is removed first (the legacy tool turns it
// into a fatal error), and MAS's provider sync on start is simulated (the lab's MAS does not do it).
import { ulidToUUID } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labSql, MIGRATE_ANSWERS, readVars, removeLab, runAnswers, status } from '../harness/e2e.js';
import { newRehearsal, syn2masTaskNames, transcript, type Rehearsal } from '../harness/rehearsal.js';
import { snapshotsMissing } from '../harness/snapshot.js';

const slow = process.env.MAS_WIZARD_SLOW_TESTS === '1';
let e: Rehearsal;

describe.skipIf(!slow || snapshotsMissing() !== null)('rehearsal: the real legacy playbook, full migrate flow (MAS_WIZARD_SLOW_TESTS=1; ≈ 2 min)', () => {
  beforeAll(async () => {
    e = await newRehearsal('legacy');
  }, 300_000);
  afterAll(async () => {
    await removeLab(e);
  });

  it('the copy decides the generation and MAS version', () => {
    expect(e.resetOut).toContain('legacy generation, MAS 0.15.0, rehearsal of');
  });

  it("every step succeeds through the checkout's own syn2mas.yml, its docker_image task included", async () => {
    labSql(e, 'synapse', "DELETE FROM user_threepids WHERE medium <> 'email'");
    // MAS has not synced the converted provider yet: the wizard's own fix (fix: or --yes) syncs it
    // through the real scripts, and the run goes on to the end from the answers file alone.
    const r = await runAnswers(e, { ...MIGRATE_ANSWERS, fix: ['mas.providers-not-synced'] });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('is not in the MAS database yet');
    const provider = (readVars(e).matrix_authentication_service_config_upstream_oauth2_providers as { id: string }[])[0]!;
    expect(
      labSql(
        e,
        'matrix_authentication_service',
        `SELECT count(*) FROM upstream_oauth_providers WHERE upstream_oauth_provider_id = '${ulidToUUID(provider.id).toLowerCase()}'`,
      )[0]![0],
    ).toBe('1');
    expect(r.stdout).toContain('Completed migration of 6 users with 0 fatals and 0 warnings');
    const view = await status(e);
    expect(view.steps.filter((s) => s.status !== 'succeeded').map((s) => s.id)).toEqual([]);
    const summary = view.summary!;
    expect([summary.synapse_users, summary.mas_users]).toEqual([6, 6]);
    const step = (id: string) => view.steps.find((s) => s.id === id)!;
    expect((step('dry-run').outputs?.counts as { users: number }).users).toBe(summary.synapse_users);
    if (step('migrate').outputs && 'synapse_running' in step('migrate').outputs!) expect(step('migrate').outputs!.synapse_running).toBe(false);
    const text = transcript(e);
    for (const name of syn2masTaskNames(e.checkout, 'legacy')) expect(text, name).toContain(`: ${name}]`);
    expect(text).toMatch(/syn2mas container image is pulled\] \**\n\s*ok: \[/); // present: not pulled, not changed
  }, 900_000);
});
