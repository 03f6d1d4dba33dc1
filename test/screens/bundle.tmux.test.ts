// The shipped build: `npm run build` bundles the screens (scripts/bundle.mjs) after tsc. The
// global test setup runs tsc only, so this test bundles itself (twice) and then checks the bundle as an
// operator gets it: every import it keeps resolves (the engine stays outside it, one module
// instance shared), and the real wizard in a real terminal (private tmux) gets past its first
// frame to the App, which is a separate chunk loaded after that frame.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyLab } from '../../source/lab/lab.js';
import { startTmux, type Tmux } from '../harness/tmux.js';

const screens = path.resolve('dist/screens');
let term: Tmux | null = null;
let stateDir = '';

beforeAll(() => {
  // Twice: a build may find dist bundled already (no tsc in between); that must not matter.
  for (let i = 0; i < 2; i++) execFileSync(process.execPath, ['scripts/bundle.mjs'], { stdio: 'inherit' });
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'maswiz-bundle-'));
}, 60_000);

afterAll(async () => {
  term?.kill();
  await destroyLab({ dir: path.join(stateDir, 'lab') }).catch(() => undefined);
  rmSync(stateDir, { recursive: true, force: true });
});

describe('the bundled screens (dist/screens after npm run build)', () => {
  it('load in Node on their own: every import they keep resolves, and none is a package', () => {
    // The DevTools stand-in throws by design (loaded only under DEV=true).
    const files = ['start.js', ...readdirSync(screens).filter((n) => /^bundle-.*\.js$/.test(n) && !n.startsWith('bundle-ink-devtools-'))];
    expect(files.length).toBeGreaterThan(2); // the entry, the App chunk and what they share
    // Node links every static import before running a module: a missing one fails the import.
    const urls = files.map((f) => pathToFileURL(path.join(screens, f)).href);
    execFileSync(process.execPath, ['--input-type=module', '-e', `for (const u of ${JSON.stringify(urls)}) await import(u);`], { stdio: 'pipe' });
    for (const file of files) {
      // Ink and React live inside: a package name in an import would load a second copy.
      expect(readFileSync(path.join(screens, file), 'utf8'), file).not.toMatch(/from\s*"(?:ink|react|@inkjs\/ui|ink-select-input|ink-text-input)(?:\/[^"]*)?"/);
    }
  });

  it('draw the wizard and load the App after the first frame', async () => {
    term = startTmux({ command: ['node', 'dist/source/cli.js', '--lab'], width: 80, height: 24, env: { MAS_WIZARD_STATE_DIR: stateDir, HOME: stateDir } });
    const screen = await term.waitFor(
      (s) => s.some((l) => l.includes('What do you want to do on example.org?') || l.startsWith('EXITED')),
      'the flow choice',
      30_000,
    );
    expect(screen.join('\n')).toContain('Migrate an existing Synapse to MAS');
  });
});
