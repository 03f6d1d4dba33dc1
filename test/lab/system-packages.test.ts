// A machine without the lab's packages hears about all of them at once, with one command.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureLab } from '../../source/lab/lab.js';
import { installCommand, LabPackagesMissing, missingPackages } from '../../source/lab/system-packages.js';

describe('the lab on a machine without its system packages', () => {
  it('names every missing package in one message with the one apt-get command (sudo unless root)', () => {
    const missing = missingPackages('lab', '/nonexistent');
    expect(missing).toEqual(expect.arrayContaining(['ansible-core', 'zstd', 'postgresql-client-15', 'python3']));
    expect(missing).not.toContain('tmux');
    const error = new LabPackagesMissing(missing);
    expect(error.message).toContain(missing.join(', '));
    expect(error.message).toContain(`apt-get install -y --no-install-recommends ${missing.join(' ')}`);
    expect(installCommand(['zstd'], false)).toBe('sudo apt-get install -y --no-install-recommends zstd');
    expect(installCommand(['zstd'], true)).toBe('apt-get install -y --no-install-recommends zstd');
  });

  it('finds nothing missing here (the test command installed them) and the tests list is a superset of the lab list', () => {
    expect(missingPackages('lab')).toEqual([]);
    expect(missingPackages('tests', '/nonexistent')).toEqual(expect.arrayContaining(missingPackages('lab', '/nonexistent')));
  });

  it('ensureLab refuses before creating anything when a package is missing', async () => {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-pkgs-'));
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(ensureLab({ dir: path.join(parent, 'lab') })).rejects.toThrow(/the practice lab needs packages this machine lacks: ansible-core/);
    } finally {
      process.env.PATH = saved;
    }
    expect(() => rmSync(path.join(parent, 'lab'))).toThrow(/ENOENT/);
    rmSync(parent, { recursive: true, force: true });
  });
});
