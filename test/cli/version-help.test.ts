import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = 'dist/source/cli.js';

describe('mas-wizard --version / --help', () => {
  it('prints the package version', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(execFileSync('node', [cli, '--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version);
  });

  it('prints the version when installed under a path with a space (URL.pathname keeps it as %20)', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    // A copy, not a symlink: Node resolves a symlinked main script to its real path.
    const root = path.join(mkdtempSync(path.join(os.tmpdir(), 'mas wizard ')), 'my tools');
    try {
      cpSync('dist', path.join(root, 'dist'), { recursive: true });
      cpSync('package.json', path.join(root, 'package.json'));
      symlinkSync(path.resolve('node_modules'), path.join(root, 'node_modules'));
      const r = spawnSync('node', [path.join(root, cli), '--version'], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe(pkg.version);
    } finally {
      rmSync(path.dirname(root), { recursive: true, force: true });
    }
  });

  it('lists every command of the DESIGN contract with an example', () => {
    const help = execFileSync('node', [cli, '--help'], { encoding: 'utf8' });
    for (const command of ['preflight', 'plan', 'run --answers', 'status', 'transcript', 'lab reset', 'lab destroy', '--lab']) {
      expect(help).toContain(`mas-wizard ${command}`);
    }
    expect(help.match(/e\.g\. mas-wizard/g)!.length).toBeGreaterThanOrEqual(8);
  });

  it('does not load Ink or React for --version/--help', () => {
    for (const flag of ['--version', '--help']) {
      const r = spawnSync('node', ['--import', './test/harness/trace-imports.mjs', cli, flag], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stderr).toContain('IMPORT ');
      expect(r.stderr).not.toMatch(/node_modules\/(ink|react|ssh2)\//);
    }
  });

  it('rejects an unknown flag with exit 2 and says which', () => {
    const r = spawnSync('node', [cli, '--frobnicate'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/frobnicate/);
  });
});

describe('mas-wizard --help: lab scenarios', () => {
  it('lists every scenario of the registry with its summary', async () => {
    const { SCENARIOS } = await import('../../source/lab/scenarios.js');
    const help = execFileSync('node', [cli, '--help'], { encoding: 'utf8' });
    for (const s of SCENARIOS) expect(help).toMatch(new RegExp(`\\n\\s+${s.name}\\s+${s.summary.slice(0, 30).replace(/[()"]/g, '.')}`));
  });

  it('refuses an unknown scenario with exit 2, naming the known ones, and builds nothing', async () => {
    const { SCENARIOS } = await import('../../source/lab/scenarios.js');
    const r = spawnSync('node', [cli, 'lab', 'reset', '--scenario', 'nope', '--yes', '--lab-dir', '/nonexistent/lab'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`mas-wizard lab: unknown lab scenario "nope" (known: ${SCENARIOS.map((s) => s.name).join(', ')})\n`);
  });
});
