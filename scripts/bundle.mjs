#!/usr/bin/env node
// Build step after tsc: bundles the wizard's screens (from screens/start.tsx, with Ink, React,
// the input layer …) into dist/screens/start.js, replacing tsc's output there, plus a few chunks. Loading Ink from node_modules means resolving and
// parsing a few hundred small modules (0.5–1.5 s on a loaded machine); one file is a fraction of
// that, and the first frame waits on it.
// The engine stays outside the bundle: every import that leaves dist/screens is kept as it is, so
// the engine's modules (the process-wide redactor above all) exist once, shared with the screens.
// The engine's heaviest packages on the way to the first screen (zod, yaml, diff: ~150 small
// modules) become one file each in dist/vendor, and the engine's compiled imports of them point
// there (see `vendored` below).
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

// Some CommonJS dependencies (React, yaml's Node build) call require(); give the ESM output one.
const requireBanner = "import { createRequire as __maswizRequire } from 'node:module'; const require = __maswizRequire(import.meta.url);";
/** What every file this build writes shares: one ESM file for Node 20, minified, licences beside it. */
const nodeEsm = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'linked',
  logLevel: 'warning',
  banner: { js: requireBanner },
};

await build({
  ...nodeEsm,
  entryPoints: [entry],
  // The App stays a dynamic import (drawn after the first frame): splitting keeps it, and what
  // both halves share (Ink, React), in files of their own next to the entry.
  splitting: true,
  outdir: screens,
  outbase: sources,
  chunkNames: 'bundle-[name]-[hash]',
  allowOverwrite: true,
  // React's production build: the bundle is what operators run.
  define: { 'process.env.NODE_ENV': '"production"' },
  plugins: [engineStaysOutside, noDevtools, yogaWithoutFetch],
});

/**
 * Packages the engine loads before the wizard's first screen (the session reads vars.yml with
 * yaml and diff; plans, locks and the lab's files are checked with zod), each bundled into one
 * file, dist/vendor/<name>.js: loading ~150 small modules from node_modules took ~120 ms of the
 * first frame, one file each about half that. Every compiled import of them in dist (source,
 * state, bench) is rewritten to that file, so a process has one copy of each, as before; the
 * sources and the tests keep importing the packages themselves. Only the packages' main entry
 * is vendored: a subpath import (zod/mini, yaml/util) stops the build instead of loading a
 * second copy. The vendored file must export what the package does: the build checks the names.
 */
const vendored = ['zod', 'yaml', 'diff'];
const vendor = path.join(dist, 'vendor');
for (const name of vendored) {
  const names = Object.keys(await import(name)).sort();
  // ESM packages re-export as they are; a CommonJS one (yaml's Node build) gets its names listed,
  // which esbuild cannot see through `export *` of a CommonJS module.
  const esm = `export * from '${name}';${names.includes('default') ? ` export { default } from '${name}';` : ''}`;
  const cjs = `import * as ns from '${name}'; export const { ${names.filter((n) => n !== 'default').join(', ')} } = ns;${names.includes('default') ? ' export default ns.default;' : ''}`;
  const outfile = path.join(vendor, `${name}.js`);
  for (const contents of [esm, cjs]) {
    await build({
      stdin: { contents, resolveDir: root, sourcefile: `vendor-${name}.js` },
      outfile,
      ...nodeEsm,
    });
    const built = Object.keys(await import(`${pathToFileURL(outfile).href}?${contents.length}`)).sort();
    if (JSON.stringify(built) === JSON.stringify(names)) break;
    if (contents === cjs)
      throw new Error(`dist/vendor/${name}.js does not export what ${name} does (${names.filter((n) => !built.includes(n)).join(', ')} missing)`);
  }
}

const specifier = new RegExp(`(\\bfrom\\s*|\\bimport\\s*\\(\\s*)(['"])(${vendored.join('|')})(/[^'"]*)?\\2`, 'g');
const compiled = (dir) =>
  readdirSync(dir).flatMap((n) => {
    const file = path.join(dir, n);
    return statSync(file).isDirectory() ? compiled(file) : n.endsWith('.js') ? [file] : [];
  });
for (const file of ['source', 'state', 'bench'].flatMap((d) => compiled(path.join(dist, d)))) {
  const text = readFileSync(file, 'utf8');
  const rewritten = text.replace(specifier, (whole, lead, quote, name, subpath) => {
    if (subpath) throw new Error(`${path.relative(root, file)} imports ${name}${subpath}: only ${name} itself is vendored (dist/vendor/${name}.js)`);
    const target = path.relative(path.dirname(file), path.join(vendor, `${name}.js`)).replace(/^(?!\.)/, './');
    return `${lead}${quote}${target}${quote}`;
  });
  if (rewritten !== text) writeFileSync(file, rewritten);
}
