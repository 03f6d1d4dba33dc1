// vars.yml editing with the smallest possible change: the `yaml` Document API tells us
// where each top-level key's bytes are, and we splice new text into the ORIGINAL string,
// so comments, order, quoting, blank lines, `!vault` blocks, Jinja strings, anchors,
// CRLF line endings and a BOM stay byte-for-byte wherever we did not edit.
// Every result is re-parsed and checked against the intended values before it is used.
import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import { Document, isMap, isScalar, parseDocument, type Node, type Pair, Scalar, type YAMLMap } from 'yaml';
import type { VarsEdit, VarsValue } from './vars-edit.js';
import { AbortError } from '../errors.js';

/** Ansible reads vars files with PyYAML (YAML 1.1): `yes`/`no`/`on`/`off` are booleans there. */
const YAML_OPTIONS = { version: '1.1' as const, prettyErrors: true };
const TO_STRING = { lineWidth: 0 };
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A vars file that is not valid YAML (or not a mapping of variables). Nothing was written. */
export class VarsSyntaxError extends AbortError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${reason}`, { next: `fix ${file} at line ${line}; nothing was changed` });
  }

  override describe(): string {
    return `${this.file}: line ${this.line}, column ${this.column}: ${this.reason}`;
  }
}

/** An edit that cannot be made safely (bad key, anchor still in use, flow-style file…). Nothing was written. */
export class VarsEditError extends AbortError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

export interface ParsedVars {
  file: string;
  /** The full original text, BOM included. */
  text: string;
  bom: boolean;
  eol: '\n' | '\r\n';
  /** The text without the BOM; all offsets below are into this string. */
  body: string;
  doc: Document.Parsed;
  /** Top-level variables as Ansible would load them (vault values stay as their ciphertext string). */
  values: Record<string, unknown>;
}

/** Where a top-level key lives: 1-based line, and the node for judging Jinja/vault. */
export interface KeyLocation {
  line: number;
  node: Node | null;
  /** The YAML tag on the value, e.g. "!vault". */
  tag?: string;
}

export function parseVars(text: string, file: string): ParsedVars {
  const bom = text.startsWith('\uFEFF');
  const body = bom ? text.slice(1) : text;
  const eol = body.includes('\r\n') ? '\r\n' : '\n';
  const doc = parseDocument(body, YAML_OPTIONS);
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0] ?? { line: 1, col: 1 };
    throw new VarsSyntaxError(file, pos.line, pos.col, error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''));
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    const at = lineCol(body, doc.contents.range?.[0] ?? 0);
    throw new VarsSyntaxError(file, at.line, at.column, 'a vars file must be a mapping of variable names to values');
  }
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      if (!isScalar(pair.key) || typeof pair.key.value !== 'string') {
        const at = lineCol(body, (pair.key as Node | null)?.range?.[0] ?? 0);
        throw new VarsSyntaxError(file, at.line, at.column, 'top-level keys must be plain variable names');
      }
    }
  }
  let values: unknown;
  try {
    values = doc.toJS({ maxAliasCount: 1000 }) ?? {};
  } catch (e) {
    throw new VarsSyntaxError(file, 1, 1, (e as Error).message);
  }
  return { file, text, bom, eol, body, doc, values: values as Record<string, unknown> };
}

export function locateKey(parsed: ParsedVars, key: string): KeyLocation | undefined {
  const pair = findPair(parsed.doc, key);
  if (!pair) return undefined;
  const node = (pair.value as Node | null) ?? null;
  return { line: lineCol(parsed.body, (pair.key as Scalar).range![0]).line, node, tag: node?.tag };
}

function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: offset - last };
}

function topMap(doc: Document.Parsed, file: string): YAMLMap<Scalar<string>, Node | null> | null {
  if (doc.contents === null) return null;
  const map = doc.contents as YAMLMap<Scalar<string>, Node | null>;
  if (map.flow) throw new VarsEditError(file, 'the file is one flow-style mapping ({ … }); edit it by hand');
  return map;
}

function findPair(doc: Document.Parsed, key: string): Pair<Scalar<string>, Node | null> | undefined {
  if (!isMap(doc.contents)) return undefined;
  return (doc.contents as YAMLMap<Scalar<string>, Node | null>).items.find((p) => p.key.value === key);
}

const lineStart = (s: string, pos: number) => s.lastIndexOf('\n', pos - 1) + 1;
function lineEnd(s: string, pos: number): number {
  if (pos > 0 && s[pos - 1] === '\n') return pos;
  const nl = s.indexOf('\n', pos);
  return nl === -1 ? s.length : nl + 1;
}

/** [start, end) of a top-level key's own lines: from its key line to the end of its value's last line. */
function pairSpan(body: string, pair: Pair<Scalar<string>, Node | null>): [number, number] {
  const start = lineStart(body, pair.key.range![0]);
  const valueEnd = pair.value?.range ? pair.value.range[1] : pair.key.range![1];
  return [start, lineEnd(body, Math.max(valueEnd, pair.key.range![1]))];
}

/** Column-0 comment lines directly above a key (no blank line between): they describe it. */
function attachedCommentStart(body: string, keyLineStart: number, floor: number): number {
  let start = keyLineStart;
  while (start > floor) {
    const prev = lineStart(body, start - 1);
    if (prev < floor || body[prev] !== '#') break;
    start = prev;
  }
  return start;
}

const BOOL_WORDS: Array<[string, string]> = [
  ['true', 'false'],
  ['yes', 'no'],
  ['on', 'off'],
];

/** A new scalar written in the same style as the old one (quotes, yes/no vs true/false), or null. */
function sameStyleScalar(value: VarsValue, old: Node | null): string | null {
  if (!isScalar(old) || old.tag || value === null || typeof value === 'object') return null;
  const source = old.source;
  if (typeof value === 'boolean' && typeof old.value === 'boolean' && typeof source === 'string') {
    const family = BOOL_WORDS.find((f) => f.includes(source.toLowerCase()));
    if (family) {
      const word = family[value ? 0 : 1];
      if (source === source.toUpperCase()) return word.toUpperCase();
      if (source[0] === source[0].toUpperCase()) return word[0].toUpperCase() + word.slice(1);
      return word;
    }
  }
  if (old.type !== 'PLAIN' && old.type !== 'QUOTE_SINGLE' && old.type !== 'QUOTE_DOUBLE') return null;
  const node = new Scalar(value);
  if (typeof value === 'string') node.type = old.type;
  const out = new Document(node, { version: '1.1' }).toString(TO_STRING).replace(/\n$/, '');
  return out.includes('\n') ? null : out;
}

function renderBlock(key: string, value: VarsValue, comment: string | undefined): string {
  const doc = new Document({ [key]: value }, { version: '1.1' });
  const yamlText = doc.toString(TO_STRING);
  const commentText = comment
    ? comment
        .split('\n')
        .map((l) => (l ? `# ${l}` : '#'))
        .join('\n') + '\n'
    : '';
  return commentText + yamlText;
}

/** One splice of the body: `deleted` was at `start` and was replaced by `inserted`. */
export interface Splice {
  key: string;
  start: number;
  deleted: string;
  inserted: string;
}

export interface EditResult {
  /** The new full text (BOM and line endings as in the original). */
  text: string;
  changed: boolean;
  /** Splices in the order applied; `revertEdits` undoes them exactly. */
  splices: Splice[];
}

function splice(body: string, s: Splice): string {
  return body.slice(0, s.start) + s.inserted + body.slice(s.start + s.deleted.length);
}

function applyOne(parsed: ParsedVars, edit: VarsEdit): Splice | null {
  const { body, eol, file } = parsed;
  if (!VAR_NAME.test(edit.key)) throw new VarsEditError(file, `"${edit.key}" is not a valid Ansible variable name`);
  const map = topMap(parsed.doc, file);
  const pair = findPair(parsed.doc, edit.key);
  const toEol = (s: string) => (eol === '\n' ? s : s.replace(/\r?\n/g, '\r\n'));
  if (edit.op === 'remove') {
    if (!pair) return null;
    const [keyStart, end] = pairSpan(body, pair);
    const index = map!.items.indexOf(pair);
    const floor = index > 0 ? pairSpan(body, map!.items[index - 1])[1] : 0;
    let start = attachedCommentStart(body, keyStart, floor);
    // Removing the last lines of a file that had no final newline: take the newline before them too.
    if (end === body.length && !body.endsWith('\n') && start > 0) start -= eol.length;
    return { key: edit.key, start, deleted: body.slice(start, end), inserted: '' };
  }
  if (pair) {
    if (isDeepStrictEqual(parsed.values[edit.key], edit.value) && !pair.value?.tag) return null;
    const inline = sameStyleScalar(edit.value, pair.value);
    if (inline !== null && pair.value?.range) {
      const [s, e] = pair.value.range;
      return { key: edit.key, start: s, deleted: body.slice(s, e), inserted: inline };
    }
    const [start, end] = pairSpan(body, pair);
    let block = toEol(renderBlock(edit.key, edit.value, undefined));
    if (!body.slice(start, end).endsWith('\n')) block = block.slice(0, -eol.length);
    return { key: edit.key, start, deleted: body.slice(start, end), inserted: block };
  }
  let block = toEol(renderBlock(edit.key, edit.value, edit.comment));
  // Default place: right after the last setting, so a trailing block of commented-out examples
  // stays last and removing the key again gives back the exact original bytes.
  const anchor = (edit.after ? findPair(parsed.doc, edit.after) : undefined) ?? map?.items[map.items.length - 1];
  if (anchor) {
    const at = pairSpan(body, anchor)[1];
    if (at === body.length && !body.endsWith('\n')) return { key: edit.key, start: at, deleted: '', inserted: eol + block.slice(0, -eol.length) };
    return { key: edit.key, start: at, deleted: '', inserted: block };
  }
  if (body.length > 0 && !body.endsWith('\n')) block = eol + block.slice(0, -eol.length);
  return { key: edit.key, start: body.length, deleted: '', inserted: block };
}

/** Apply edits to a vars file's text; throws VarsSyntaxError/VarsEditError and never returns a broken file. */
export function applyEdits(text: string, edits: readonly VarsEdit[], file = 'vars.yml'): EditResult {
  const original = parseVars(text, file);
  let parsed = original;
  const splices: Splice[] = [];
  for (const edit of edits) {
    const s = applyOne(parsed, edit);
    if (!s) continue;
    splices.push(s);
    const next = (parsed.bom ? '\uFEFF' : '') + splice(parsed.body, s);
    try {
      parsed = parseVars(next, file);
    } catch (e) {
      const why = e instanceof VarsSyntaxError ? e.reason : (e as Error).message;
      throw new VarsEditError(file, `${edit.op} ${edit.key} would break the file (${why}); is it used through an anchor/alias?`);
    }
  }
  verify(original, parsed, edits);
  return { text: parsed.text, changed: parsed.text !== text, splices };
}

/** Every key not edited keeps its value; every edited key has exactly the intended value. */
function verify(before: ParsedVars, after: ParsedVars, edits: readonly VarsEdit[]): void {
  const expected: Record<string, unknown> = { ...before.values };
  for (const edit of edits) {
    if (edit.op === 'remove') delete expected[edit.key];
    else expected[edit.key] = edit.value;
  }
  for (const key of new Set([...Object.keys(expected), ...Object.keys(after.values)])) {
    if (!isDeepStrictEqual(normalise(expected[key]), normalise(after.values[key]))) {
      throw new VarsEditError(before.file, `internal check failed: ${key} would not hold the intended value after the edit; nothing was written`);
    }
  }
}

// toJS gives plain objects and arrays; edits may carry the same data with a different prototype.
const normalise = (v: unknown) => (v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as unknown));

/** Undo `applyEdits` exactly, given the text it produced. Refuses if that text changed since. */
export function revertEdits(text: string, splices: readonly Splice[], file = 'vars.yml'): string {
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  let body = bom ? text.slice(1) : text;
  for (const s of [...splices].reverse()) {
    if (body.slice(s.start, s.start + s.inserted.length) !== s.inserted) {
      throw new VarsEditError(file, `cannot undo the change to ${s.key}: the file changed since it was made`);
    }
    body = body.slice(0, s.start) + s.deleted + body.slice(s.start + s.inserted.length);
  }
  return bom + body;
}

export interface VarsChangePlan {
  file: string;
  before: string;
  after: string;
  changed: boolean;
  /** Unified diff for showing before anything is written (empty when nothing changes). */
  diff: string;
  splices: Splice[];
}

/** Read the file and work out the change and its diff. Writes nothing. */
export async function planVarsChange(file: string, edits: readonly VarsEdit[]): Promise<VarsChangePlan> {
  const before = await fs.readFile(file, 'utf8');
  const result = applyEdits(before, edits, file);
  const name = path.basename(file);
  const diff = result.changed ? createTwoFilesPatch(`a/${name}`, `b/${name}`, before, result.text, undefined, undefined, { context: 3 }) : '';
  return { file, before, after: result.text, changed: result.changed, diff, splices: result.splices };
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * Write a planned change: refuses if the file changed since planning, keeps a timestamped
 * backup beside it (same mode), then writes atomically (temp file, fsync, rename, fsync dir).
 */
export async function commitVarsChange(plan: VarsChangePlan, now = new Date()): Promise<{ backup: string | null }> {
  if (!plan.changed) return { backup: null };
  const current = await fs.readFile(plan.file, 'utf8');
  if (current !== plan.before) throw new VarsEditError(plan.file, 'the file changed since the diff was shown; nothing was written, look again');
  const stat = await fs.stat(plan.file);
  const mode = stat.mode & 0o7777;
  const dir = path.dirname(plan.file);
  let backup = `${plan.file}.bak-${stamp(now)}`;
  for (let n = 2; await exists(backup); n++) backup = `${plan.file}.bak-${stamp(now)}-${n}`;
  await fs.copyFile(plan.file, backup, fsConstants.COPYFILE_EXCL);
  await fs.chmod(backup, mode);
  const tmp = path.join(dir, `.${path.basename(plan.file)}.tmp-${process.pid}-${Date.now()}`);
  const handle = await fs.open(tmp, 'wx', mode);
  try {
    await handle.writeFile(plan.after, 'utf8');
    await handle.chmod(mode);
    if (process.getuid?.() === 0) await handle.chown(stat.uid, stat.gid);
    await handle.sync();
  } catch (e) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  await fs.rename(tmp, plan.file);
  const dirHandle = await fs.open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
  return { backup };
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
