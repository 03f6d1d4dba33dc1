// The rooms and what each may import (docs/ARCHITECTURE.md), checked on the source; and no runtime
// import cycle in the compiled output (type-only imports vanish there, so they do not count).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return name === 'assets' ? [] : files(file, ext);
    return ext.test(name) ? [file] : [];
  });
}

/** Relative specifiers a file imports at run time (static imports and re-exports; `import type` excluded). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)([^'";]*?)\s*from\s+'(\.[^']+)'/gm)) out.push(m[2]!);
  for (const m of text.matchAll(/^import\s+'(\.[^']+)'/gm)) out.push(m[1]!);
  return out.map((spec) => path.normalize(path.join(path.dirname(file), spec)).replace(/\.js$/, ''));
}

const SOURCE = ['source', 'state', 'screens'].flatMap((d) => files(d, /\.tsx?$/)).map((f) => ({ file: f, imports: runtimeImports(f) }));
const stem = (f: string) => f.replace(/\.tsx?$/, '');
const room = (f: string) => {
  const parts = stem(f).split(path.sep);
  return parts[0] === 'source' && parts.length > 2 ? `source/${parts[1]}` : parts[0] === 'source' ? stem(f) : parts[0]!;
};

// Leaves: the engine's building blocks. They know nothing of plans, flows, commands or screens.
const LEAVES = ['source/errors', 'source/paths', 'source/targets', 'source/logs', 'source/mas', 'source/parsers', 'source/playbook', 'source/remote'];
const ABOVE_LEAVES = ['state', 'source/flow', 'source/commands', 'source/session', 'source/cli', 'screens'];

describe('rooms import one way', () => {
  it('leaves never import state, the flow, the commands, the session or the screens', () => {
    const bad = SOURCE.filter((s) => LEAVES.includes(room(s.file))).flatMap((s) =>
      s.imports.filter((i) => ABOVE_LEAVES.includes(room(`${i}.ts`))).map((i) => `${s.file} → ${i}`),
    );
    expect(bad).toEqual([]);
  });

  it('state/ sits under the flow: it imports only leaves, never the flow, commands, session, lab or screens', () => {
    const bad = SOURCE.filter((s) => room(s.file) === 'state').flatMap((s) =>
      s.imports.filter((i) => room(`${i}.ts`) !== 'state' && !LEAVES.includes(room(`${i}.ts`))).map((i) => `${s.file} → ${i}`),
    );
    expect(bad).toEqual([]);
  });

  it('source/ and state/ have no React: only commands/wizard.ts reaches the screens (by a dynamic import after its checks)', () => {
    const bad = SOURCE.filter((s) => !s.file.startsWith('screens')).flatMap((s) =>
      s.imports.filter((i) => i.startsWith('screens')).map((i) => `${s.file} → ${i}`),
    );
    expect(bad).toEqual([]);
    for (const s of SOURCE.filter((x) => !x.file.startsWith('screens'))) expect(readFileSync(s.file, 'utf8'), s.file).not.toMatch(/from '(react|ink)'/);
  });

  it('screens import the engine only through the prompt store, the domain leaves and state, never a command or a step', () => {
    const bad = SOURCE.filter((s) => s.file.startsWith('screens')).flatMap((s) =>
      s.imports.filter((i) => /^source\/(commands|flow\/steps|flow\/driver|session|lab)/.test(i)).map((i) => `${s.file} → ${i}`),
    );
    expect(bad).toEqual([]);
  });
});

describe('the compiled output', () => {
  it('has no runtime import cycle', () => {
    const graph = new Map<string, string[]>();
    for (const file of ['dist/source', 'dist/state'].flatMap((d) => files(d, /\.js$/))) graph.set(file.replace(/\.js$/, ''), runtimeImports(file));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const walk = (node: string, trail: string[]) => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(node)), node].join(' → '));
        return;
      }
      state.set(node, 'open');
      for (const next of graph.get(node) ?? []) if (graph.has(next)) walk(next, [...trail, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) walk(node, []);
    expect(graph.size).toBeGreaterThan(50);
    expect(cycles).toEqual([]);
  });
});
