import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const cli = 'dist/source/cli.js';

describe('mas-wizard --version / --help', () => {
  it('prints the package version', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(execFileSync('node', [cli, '--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version);
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

  it('refuses an unknown scenario with exit 2, naming the known ones, and builds nothing', () => {
    const r = spawnSync('node', [cli, 'lab', 'reset', '--scenario', 'nope', '--yes', '--lab-dir', '/nonexistent/lab'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown lab scenario "nope" (known: guests, fresh, external-postgres, custom-base-path, vault)');
  });
});
