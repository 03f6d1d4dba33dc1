#!/usr/bin/env node
// Build step after tsc: bundles the wizard's screens (from screens/start.tsx, with Ink, React,
// the input layer …) into dist/screens/start.js, replacing tsc's output there, plus a few chunks. Loading Ink from node_modules means resolving and
// parsing a few hundred small modules (0.5–1.5 s on a loaded machine); one file is a fraction of
// that, and the first frame waits on it.
// The engine stays outside the bundle: every import that leaves dist/screens is kept as it is, so
// the engine's modules (the process-wide redactor above all) exist once, shared with the screens.
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const sources = path.join(root, 'screens');
const screens = path.join(dist, 'screens');
// From the sources, not from dist: running this twice (or after a build that bundled already) gives the same files.
const entry = path.join(sources, 'start.tsx');
// Chunks sit next to the entry, so the engine paths kept in them (../source/…) are right from
// every one of them. Their names carry a content hash: drop the last build's first.
const CHUNK = /^bundle-.*\.js(?:\.LEGAL\.txt)?$/;
for (const name of readdirSync(screens)) if (CHUNK.test(name)) rmSync(path.join(screens, name));

/**
 * Relative imports that leave screens/ stay imports of tsc's output in dist (`../../state/steps.js`
 * in screens/app/app.tsx becomes `../state/steps.js` in dist/screens/…): one module instance, shared.
 */
const engineStaysOutside = {
  name: 'engine-stays-outside',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!args.importer.startsWith(sources + path.sep)) return undefined; // a package's own files
      const resolved = path.resolve(args.resolveDir, args.path); // the .js name tsc gives the file
      if (resolved.startsWith(sources + path.sep)) return undefined;
      const compiled = path.join(dist, path.relative(root, resolved));
      return { path: path.relative(screens, compiled).replace(/^(?!\.)/, './'), external: true };
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
    b.onResolve({ filter: /^\.\/devtools\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}ink${path.sep}`) ? { path: 'ink-devtools', namespace: 'no-devtools' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'no-devtools' }, () => ({
      contents: "throw new Error('DEV=true: React DevTools are not part of the mas-wizard bundle');",
    }));
  },
};

/**
 * Yoga (Ink's layout engine) carries its wasm as a data: URL, and its Emscripten loader fetch()es
 * that URL whenever a global fetch exists. In Node that starts undici and its fetch machinery
 * (~20 ms, before the first frame) to read bytes already in the file. The bundle takes the
 * loader's own other path for them (decode the base64 in place); the build stops if the loader
 * no longer has the line this relies on.
 */
const yogaWithoutFetch = {
  name: 'yoga-without-fetch',
  setup(b) {
    b.onLoad({ filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const fetches = '"function"!=typeof fetch?Promise.resolve()';
      if (text.split(fetches).length !== 2) throw new Error(`${args.path}: the wasm loader changed; check how it loads the wasm before bundling it`);
      return { contents: text.replace(fetches, '!0?Promise.resolve()'), loader: 'js' };
    });
  },
};

await build({
  entryPoints: [entry],
  // The App stays a dynamic import (drawn after the first frame): splitting keeps it, and what
  // both halves share (Ink, React), in files of their own next to the entry.
  splitting: true,
  outdir: screens,
  outbase: sources,
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
  plugins: [engineStaysOutside, noDevtools, yogaWithoutFetch],
});
