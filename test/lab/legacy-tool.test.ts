// The legacy lab's tool (@vector-im/syn2mas 0.15.0) is no dependency of mas-wizard: the first
// legacy lab installs it into a cache dir with npm (progress shown), later ones reuse it.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureSyn2mas, syn2masDir, syn2masEntry } from '../../source/lab/legacy-tool.js';
import { packageRoot } from '../../source/paths.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-tools-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the legacy syn2mas tool', () => {
  it('is not a runtime dependency of mas-wizard (sqlite3 and its native build came with it)', () => {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) expect(Object.keys(pkg[field] ?? {})).not.toContain('@vector-im/syn2mas');
  });

  it('lives in <XDG cache>/mas-wizard/tools/syn2mas-0.15.0', () => {
    expect(syn2masDir({ XDG_CACHE_HOME: '/c' })).toBe('/c/mas-wizard/tools/syn2mas-0.15.0');
    expect(syn2masDir({ MAS_WIZARD_TOOLS_DIR: '/t', XDG_CACHE_HOME: '/c' })).toBe('/t/syn2mas-0.15.0');
  });

  it('is reused once installed: npm is not run again', async () => {
    const env = { MAS_WIZARD_TOOLS_DIR: dir, PATH: '/nonexistent' };
    const entry = syn2masEntry(syn2masDir(env));
    mkdirSync(path.dirname(entry), { recursive: true });
    writeFileSync(entry, '');
    const lines: string[] = [];
    expect(await ensureSyn2mas((l) => lines.push(l), env)).toBe(entry);
    expect(lines).toEqual([]);
  });

  it('a failed install says so and leaves nothing that looks installed', async () => {
    const env = { MAS_WIZARD_TOOLS_DIR: dir, PATH: '/nonexistent' }; // no npm to run
    const lines: string[] = [];
    await expect(ensureSyn2mas((l) => lines.push(l), env)).rejects.toThrow(/installing @vector-im\/syn2mas@0\.15\.0 for the legacy lab failed/);
    expect(lines[0]).toMatch(/^Installing @vector-im\/syn2mas@0\.15\.0 for the legacy lab into /);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("installs from the registry with npm, showing npm's output, without sqlite3's native build", async () => {
    const env = { ...process.env, MAS_WIZARD_TOOLS_DIR: dir };
    const lines: string[] = [];
    const entry = await ensureSyn2mas((l) => lines.push(l), env);
    expect(entry).toBe(path.join(dir, 'syn2mas-0.15.0', 'node_modules', '@vector-im', 'syn2mas', 'dist', 'index.js'));
    expect(existsSync(entry)).toBe(true);
    expect(lines.some((l) => l.startsWith('  npm: '))).toBe(true);
    expect(lines.at(-1)).toMatch(/^Installed @vector-im\/syn2mas@0\.15\.0 in [\d.]+ s\.$/);
    expect(existsSync(path.join(dir, 'syn2mas-0.15.0', 'node_modules', 'sqlite3', 'build'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['syn2mas-0.15.0']);
  }, 240_000);
});
