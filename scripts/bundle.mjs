#!/usr/bin/env node
// Build step after tsc: bundles the wizard's screens (dist/screens/start.js, with Ink, React,
// @inkjs/ui …) into that one minified file. Loading Ink from node_modules means resolving and
// parsing a few hundred small modules (0.5–1.5 s on a loaded machine); one file is a fraction of
// that, and the first frame waits on it.
// The engine stays outside the bundle: every import that leaves dist/screens is kept as it is, so
// the engine's modules (the process-wide redactor above all) exist once, shared with the screens.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const screens = path.join(root, 'dist', 'screens');
const entry = path.join(screens, 'start.js');
// Chunks sit next to the entry, so the engine paths kept in them (../source/…) are right from
// every one of them. Their names carry a content hash: drop the last build's first.
const CHUNK = /^bundle-.*\.js(?:\.LEGAL\.txt)?$/;
for (const name of readdirSync(screens)) if (CHUNK.test(name)) rmSync(path.join(screens, name));

/** Relative imports that resolve outside dist/screens stay imports (same path, same module instance). */
const engineStaysOutside = {
  name: 'engine-stays-outside',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!args.importer.startsWith(screens + path.sep)) return undefined; // a package's own files
      const resolved = path.resolve(args.resolveDir, args.path);
      if (resolved.startsWith(screens + path.sep)) return undefined;
      return { path: path.relative(screens, resolved).replace(/^(?!\.)/, './'), external: true };
    });
  },
};

/**
 * Ink loads its React DevTools bridge (ink/build/devtools.js, with react-devtools-core and ws)
 * only when DEV=true, a setting for developing Ink apps. The bundle has a stand-in that says so.
 */
const noDevtools = {
  name: 'no-devtools',
  setup(b) {
    b.onResolve({ filter: /^\.\/devtools\.js$/ }, (args) => (args.importer.includes(`${path.sep}ink${path.sep}`) ? { path: 'ink-devtools', namespace: 'no-devtools' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'no-devtools' }, () => ({ contents: "throw new Error('DEV=true: React DevTools are not part of the mas-wizard bundle');" }));
  },
};

await build({
  entryPoints: [entry],
  // The App stays a dynamic import (drawn after the first frame): splitting keeps it, and what
  // both halves share (Ink, React), in files of their own next to the entry.
  splitting: true,
  outdir: screens,
  outbase: screens,
  chunkNames: 'bundle-[name]-[hash]',
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'linked',
  logLevel: 'warning',
  // React's production build: the bundle is what operators run.
  define: { 'process.env.NODE_ENV': '"production"' },
  // Some CommonJS dependencies (React) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __maswizRequire } from 'node:module'; const require = __maswizRequire(import.meta.url);" },
  plugins: [engineStaysOutside, noDevtools],
});
