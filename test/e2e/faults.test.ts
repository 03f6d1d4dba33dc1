// The lab's fault switches (source/lab/faults.ts) driven through `run --answers`: data that must
// block before anything changes, a failing playbook task, Synapse refusing to start after the
// cut-over (the crash and lock cases are in crash-and-lock.test.ts).
import { afterAll, describe, expect, it } from 'vitest';
import { writeFaults } from '../../source/lab/faults.js';
import { jobDirs, labCount, MIGRATE_ANSWERS, newLab, removeLab, runAnswers, status, stepStatus, type E2E } from '../harness/e2e.js';

const labs: E2E[] = [];
afterAll(async () => {
  for (const e of labs) await removeLab(e);
});

const INSTALL_TASK = 'Ensure matrix-authentication-service config is installed';

describe('faults on the practice lab', () => {
  it('data faults block at the prerequisites with their explanation: MAS DB not empty, unmapped OIDC users', async () => {
    const e = await newLab();
    labs.push(e);
    writeFaults(e.lab.dir, { masDbNotEmpty: true });
    let r = await runAnswers(e, MIGRATE_ANSWERS);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toMatch(/"prerequisites" is blocked:\n\s+- db\.mas-not-empty: /);
    expect(stepStatus(await status(e)).install).toBe('pending');

    writeFaults(e.lab.dir, { unmappedOidc: true });
    r = await runAnswers(e, MIGRATE_ANSWERS);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toMatch(/"prerequisites" is blocked:\n\s+- db\.external-ids-unmapped: .*oidc-github \(1 user\)/);
    // Blocked before the first change: vars.yml untouched, MAS not installed.
    expect(r.stdout).not.toContain('▶ Encryption secret');
    expect(r.stdout).not.toContain('▶ Install MAS');
    expect(labCount(e, 'matrix_authentication_service', 'SELECT count(*) FROM users')).toBe(0);
  }, 60_000);

  it('a failing install task: exit 4, task and message in plain words, step failed; fixed, the run continues; Synapse refusing to start after the cut-over is a clear failure; fixed, it finishes', async () => {
    const e = await newLab();
    labs.push(e);
    writeFaults(e.lab.dir, { failTask: INSTALL_TASK });
    let r = await runAnswers(e, MIGRATE_ANSWERS);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toContain(`"install" failed: task "${INSTALL_TASK}" failed on matrix.example.org: Practice lab fault`);
    expect(stepStatus(await status(e)).install).toBe('failed');

    writeFaults(e.lab.dir, {});
    r = await runAnswers(e, MIGRATE_ANSWERS, ['--until', 'cut-over']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    writeFaults(e.lab.dir, { synapseRefusesStart: true });
    r = await runAnswers(e, MIGRATE_ANSWERS);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    // As the real systemd service manager role says it, then the wizard's own diagnosis: the
    // unit's log fetched from the server, beside the failure, with the likely cause named.
    expect(r.stdout).toMatch(
      /"reinstall" failed: task "Fail if service isn't detected to be running" failed on matrix\.example\.org: matrix-synapse\.service was not detected to be running\./,
    );
    expect(r.stdout).toMatch(/\$ \S*journalctl -u matrix-synapse\.service -n 80 --no-pager/);
    expect(r.stdout).toMatch(
      /Last lines of matrix-synapse\.service's log \(\S*journalctl -u matrix-synapse\.service -n 80 --no-pager\):\n(.*\n)*.*│ .*Could not connect to MAS/,
    );
    expect(r.stdout).toContain('Likely cause: Synapse cannot reach MAS: check that matrix-authentication-service is running');
    const steps = stepStatus(await status(e));
    expect([steps.install, steps.migrate, steps['cut-over'], steps.reinstall]).toEqual(['succeeded', 'succeeded', 'succeeded', 'failed']);

    writeFaults(e.lab.dir, {});
    r = await runAnswers(e, MIGRATE_ANSWERS);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const view = await status(e);
    expect(Object.values(stepStatus(view)).every((s) => s === 'succeeded')).toBe(true);
    expect(view.summary!.mas_users).toBe(6);
    expect(jobDirs(e, 'install')).toHaveLength(2);
    expect(jobDirs(e, 'migrate')).toHaveLength(1);
  }, 600_000);
});
