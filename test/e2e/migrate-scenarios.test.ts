// The migrate flow through `run --answers` on the lab scenarios that differ from the default
// server as real operators' servers do (issue 10): an external PostgreSQL, a custom
// matrix_base_data_path, and secrets in an ansible-vault encrypted vault.yml with the server name
// in inventory group_vars. Each must end with every step succeeded. Run one at a time (-t NAME).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labCount, MIGRATE_ANSWERS, newLab, removeLab, runAnswers, status, stepStatus, type E2E } from '../harness/e2e.js';

const labs: E2E[] = [];
afterAll(async () => {
  for (const e of labs) await removeLab(e);
});

async function migrate(generation: 'current' | 'legacy', scenarios: string[], extra: (e: E2E) => Record<string, unknown> = () => ({})) {
  const e = await newLab(generation, scenarios);
  labs.push(e);
  const r = await runAnswers(e, { ...MIGRATE_ANSWERS, ...extra(e) });
  const view = await status(e);
  return { e, r, view };
}

function allSucceeded(view: Awaited<ReturnType<typeof status>>, r: { stdout: string; stderr: string }) {
  expect(
    Object.values(stepStatus(view)).every((s) => s === 'succeeded'),
    `${JSON.stringify(stepStatus(view))}\n${r.stdout.slice(-3000)}\n${r.stderr}`,
  ).toBe(true);
  expect(view.summary!.synapse_users).toBe(view.summary!.mas_users);
  const prerequisites = view.steps.find((s) => s.id === 'prerequisites')!;
  expect((prerequisites.outputs!.findings as { id: string }[]).map((f) => f.id)).toContain('mas.synapse-depends-on-mas');
}

describe('lab scenario external-postgres: Synapse and MAS on a PostgreSQL the playbook does not manage', () => {
  it("current: probes through psql, the operator's own backup recorded, every step succeeded", async () => {
    const { e, r, view } = await migrate('current', ['external-postgres'], (lab) => {
      // The operator's own backup of both databases, on the server.
      const file = path.join(lab.lab.serverRoot, '..', 'operator-backup.dump');
      for (const db of ['synapse', 'matrix_authentication_service']) {
        execFileSync('pg_dump', ['-h', lab.lab.psqlSocketDir, '-p', String(lab.lab.pgPort), '-U', 'postgres', '-Fc', '-f', `${file}.${db}`, db]);
      }
      execFileSync('sh', ['-c', `cat "$0.synapse" "$0.matrix_authentication_service" > "$0"`, file]);
      return { backup: { enabled: true, external_location: file } };
    });
    expect(existsSync(path.join(e.lab.serverRoot, 'postgres', 'bin', 'cli-non-interactive'))).toBe(false);
    expect(readFileSync(e.varsFile, 'utf8')).toMatch(/^postgres_enabled: false$/m);
    allSucceeded(view, r);
    const backup = view.steps.find((s) => s.id === 'backup')!;
    expect(backup.outputs).toMatchObject({ path: path.join(e.lab.serverRoot, '..', 'operator-backup.dump'), confirmed_by_operator: true });
    expect(r.stdout).toMatch(/psql -h /);
    expect(r.stdout).not.toContain('cli-non-interactive');
    expect(labCount(e, 'matrix_authentication_service', 'SELECT count(*) FROM users')).toBe(6);
  }, 180_000);
});

describe('lab scenario custom-base-path: matrix_base_data_path is not …/matrix', () => {
  for (const generation of ['current', 'legacy'] as const) {
    it(`${generation}: every server path follows the layout, every step succeeded`, async () => {
      const { e, r, view } = await migrate(generation, ['custom-base-path'], () => (generation === 'legacy' ? { accept: [...MIGRATE_ANSWERS.accept] } : {}));
      expect(path.basename(e.lab.serverRoot)).toBe('matrix-data');
      if (generation === 'legacy') {
        // On legacy the phone number blocks; its fix names the server's own psql path.
        expect(r.code).toBe(3);
        expect(r.stdout + r.stderr).toContain(`${e.lab.serverRoot}/postgres/bin/cli-non-interactive`);
        // Let the wizard take them out: its restore command names the same psql path.
        const again = await runAnswers(e, { ...MIGRATE_ANSWERS, fix: ['db.non-email-3pids'] });
        expect(again.stdout).toMatch(new RegExp(`To put them back .*run: ${e.lab.serverRoot}/postgres/bin/cli-non-interactive -d synapse`));
        allSucceeded(await status(e), again);
        return;
      }
      allSucceeded(view, r);
      expect(view.steps.find((s) => s.id === 'backup')!.outputs!.path).toMatch(new RegExp(`^${e.lab.serverRoot}/postgres-backup/`));
      expect(existsSync(path.join(e.lab.serverRoot, 'matrix-authentication-service', 'mas-wizard-jobs'))).toBe(true);
    }, 240_000);
  }
});

describe('lab scenario vault: secrets in an encrypted vault.yml, matrix_domain in inventory group_vars', () => {
  it('current: the server name comes from inventory group_vars, Ansible opens the vault, every step succeeded', async () => {
    const { e, r, view } = await migrate('current', ['vault']);
    const vault = readFileSync(path.join(path.dirname(e.varsFile), 'vault.yml'), 'utf8');
    expect(vault.startsWith('$ANSIBLE_VAULT;1.1;AES256')).toBe(true);
    expect(readFileSync(e.varsFile, 'utf8')).not.toMatch(/^matrix_domain:/m);
    allSucceeded(view, r);
  }, 180_000);
});
