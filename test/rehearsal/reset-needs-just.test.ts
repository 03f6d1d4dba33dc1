// A rehearsal stands in for install-all / setup-all through the copy's justfile recipes. Without
// `just`, the wizard's catalogue falls back to `ansible-playbook setup.yml --tags=install-all,…`,
// which would run the REAL install tags (Docker, image pulls) against this machine. So
// `lab reset --playbook` refuses, before anything is created, and says what to install.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SNAPSHOT } from '../harness/rehearsal.js';
import { snapshotsMissing } from '../harness/snapshot.js';

vi.mock('../../source/playbook/checkout.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../source/playbook/checkout.js')>()),
  findJust: () => null,
}));
const { resetLab } = await import('../../source/lab/lab.js');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-nojust-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(snapshotsMissing())('lab reset --playbook without just', () => {
  it('refuses clearly and creates nothing', async () => {
    execFileSync('bash', ['-c', 'zstd -dc "$0" | tar -x -C "$1"', SNAPSHOT.current, tmp]);
    const lab = path.join(tmp, 'lab');
    await expect(resetLab({ dir: lab, playbook: path.join(tmp, 'matrix-docker-ansible-deploy') })).rejects.toThrow(
      /a rehearsal needs `just`.*would run the real tags through setup\.yml/s,
    );
    expect(existsSync(lab)).toBe(false);
  });
});
