// The answers file (`mas-wizard run --answers FILE`): every question of the wizard as a
// YAML key, checked strictly (an unknown key is an error naming it and its line), with
// errors that point at line and column. Keys left out take the playbook's defaults, or
// raise MissingAnswer when the run needs them and there is no terminal to ask.
// Messages never quote a secret value.
import fs from 'node:fs';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import { checkProvider, unknownKeys, type Provider } from '../source/mas/providers.js';
import { checkSecret } from '../source/mas/secret.js';
import { isAnsibleReference } from '../source/mas/jinja-raw.js';
import { checkHostname, checkPathPrefix } from '../source/mas/url.js';
import { redactor } from '../source/logs/redact.js';
import { AbortError, MissingAnswer } from '../source/errors.js';

export { MissingAnswer } from '../source/errors.js';

export interface AnswerIssue {
  /** Dotted key path, e.g. "providers.0.client_id" ("" for the whole file). */
  path: string;
  line: number;
  column: number;
  message: string;
}

export class AnswersError extends AbortError {
  constructor(
    readonly file: string,
    readonly issues: AnswerIssue[],
  ) {
    super(
      `${file}: ${issues.length === 1 ? 'a problem' : `${issues.length} problems`}; nothing was changed\n${issues.map((i) => `  ${file}:${i.line}:${i.column}: ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n')}`,
    );
  }
}

export type SecretAnswer = { kind: 'generate' } | { kind: 'value'; value: string } | { kind: 'reference'; reference: string };

const FINDING_ID = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;
// Matrix user id localpart grammar (lower case, as MAS registers it).
const LOCALPART = /^[a-z0-9._=/+-]+$/;

const secret = z.unknown().transform((value, ctx): SecretAnswer => {
  if (value === 'generate') return { kind: 'generate' };
  if (typeof value === 'number') {
    ctx.addIssue({ code: 'custom', message: 'YAML read this as a number: put the 64 hex characters in quotes' });
    return z.NEVER;
  }
  if (typeof value === 'string') {
    const check = checkSecret(value);
    if (!check.ok) {
      ctx.addIssue({ code: 'custom', message: `not a valid encryption secret: ${check.problem} (or write generate, or {vault: "{{ var }}"})` });
      return z.NEVER;
    }
    return check.kind === 'reference' ? { kind: 'reference', reference: value.trim() } : { kind: 'value', value: value.trim() };
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const reference = (value as { vault?: unknown }).vault;
    if (keys.length === 1 && typeof reference === 'string' && isAnsibleReference(reference)) return { kind: 'reference', reference: reference.trim() };
    ctx.addIssue({ code: 'custom', message: 'the object form is {vault: "{{ variable_name }}"} and nothing else' });
    return z.NEVER;
  }
  ctx.addIssue({ code: 'custom', message: 'must be generate, 64 hex characters in quotes, or {vault: "{{ variable_name }}"}' });
  return z.NEVER;
});

const provider = z.unknown().transform((value, ctx): Provider => {
  for (const extra of unknownKeys(value)) {
    ctx.addIssue({ code: 'custom', path: extra.path.split('.'), message: extra.note.startsWith('unknown key') ? extra.note : `unknown key: ${extra.note}` });
  }
  const checked = checkProvider(value);
  if (!checked.ok) {
    for (const e of checked.errors) ctx.addIssue({ code: 'custom', path: e.path === '(provider)' ? [] : e.path.split('.'), message: e.message });
    return z.NEVER;
  }
  return checked.provider;
});

// Not a z.union: a union that fails reports only "no option matched", hiding the
// provider field that is wrong.
const providers = z.unknown().transform((value, ctx): 'convert-synapse-oidc' | Provider[] => {
  if (value === 'convert-synapse-oidc') return value;
  if (!Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'must be a list of providers or convert-synapse-oidc' });
    return z.NEVER;
  }
  const parsed = z.array(provider).safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  return z.NEVER;
});

const findingIds = z.array(z.string().regex(FINDING_ID, 'a finding id such as synapse.registration-enabled (see `mas-wizard preflight`)'));

const problem = (check: (s: string) => string | null) => (value: string, ctx: z.RefinementCtx) => {
  const found = check(value);
  if (found) ctx.addIssue({ code: 'custom', message: found });
};

export const answersSchema = z
  .strictObject({
    /** new: a homeserver without users yet; migrate: move Synapse's users into MAS. */
    mode: z.enum(['new', 'migrate']).optional(),
    /** Inventory host name (inventory/host_vars/<host>). */
    host: z.string().min(1).optional(),
    secret: secret.optional(),
    hostname: z.string().superRefine(problem(checkHostname)).optional(),
    path_prefix: z.string().superRefine(problem(checkPathPrefix)).optional(),
    providers: providers.optional(),
    fix: findingIds.optional(),
    accept: findingIds.optional(),
    backup: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** Absolute directory on the server for the dump (default: the playbook's postgres backup dir). */
        path: z.string().startsWith('/', 'must be an absolute path on the server').optional(),
        /** postgres_enabled: false — where on the server the operator's own backup of both databases is. */
        external_location: z.string().startsWith('/', 'must be an absolute path on the server').optional(),
      })
      .optional(),
    first_admin: z
      .strictObject({
        username: z.string().regex(LOCALPART, 'a Matrix localpart: lower-case letters, digits and . _ = / + -'),
        password: z.string().min(1, 'must not be empty'),
      })
      .optional(),
    /** Typed confirmation before the real migration; must equal the server name exactly. */
    confirm_server_name: z.string().min(1).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.first_admin && a.mode === 'migrate')
      ctx.addIssue({ code: 'custom', path: ['first_admin'], message: "only for mode: new (a migration keeps Synapse's admins)" });
    if (a.backup && a.mode === 'new')
      ctx.addIssue({ code: 'custom', path: ['backup'], message: 'only for mode: migrate (a new server has no users to back up)' });
  });

export type Answers = z.infer<typeof answersSchema>;
const TOP_KEYS = Object.keys(answersSchema.shape);

export interface LoadedAnswers {
  file: string;
  answers: Answers;
  /** Secret values in the file (to hand to the redactor and savePlan). */
  secrets: string[];
  /** Not errors, but worth saying (e.g. the file holding secrets is readable by others). */
  warnings: string[];
}

/** The node at a key path, or the deepest one that exists; for an unknown key, the key itself. */
function locate(root: unknown, path: readonly PropertyKey[], keyName?: string): Node | null {
  let node = root as Node | null;
  let last: Node | null = node;
  const segments = keyName === undefined ? path : [...path, keyName];
  for (const [i, segment] of segments.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return last;
      const keyNode = pair.key as Node;
      // Point at the value, unless this is the unknown key itself or the value is empty.
      if (i === segments.length - 1 && keyName !== undefined) return keyNode;
      node = (pair.value as Node | null) ?? null;
      last = node && node.range ? node : keyNode;
      if (!node) return keyNode;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (!item) return last;
      node = item;
      last = item;
    } else {
      return last;
    }
  }
  return last;
}

function position(lineCounter: LineCounter, node: Node | null): { line: number; column: number } {
  const offset = node?.range?.[0] ?? 0;
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/** Parses answers text; `file` only names it in messages. */
export function parseAnswers(text: string, file: string): Omit<LoadedAnswers, 'warnings'> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new AnswersError(
      file,
      doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return { path: '', line, column: col, message: `not valid YAML: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  const raw = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AnswersError(file, [{ path: '', line: 1, column: 1, message: 'the answers file must be a mapping of keys (mode:, host:, …)' }]);
  }
  const parsed = answersSchema.safeParse(raw);
  if (!parsed.success) {
    const issues: AnswerIssue[] = [];
    for (const issue of parsed.error.issues) {
      const dotted = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const allowed = issue.path.length === 0 ? ` (known keys: ${TOP_KEYS.join(', ')})` : '';
          issues.push({
            path: dotted ? `${dotted}.${key}` : key,
            ...position(lineCounter, locate(doc.contents, issue.path, key)),
            message: `unknown key "${key}"${allowed}`,
          });
        }
        continue;
      }
      const missing = issue.code === 'invalid_type' && issue.input === undefined;
      issues.push({ path: dotted, ...position(lineCounter, locate(doc.contents, issue.path)), message: missing ? 'required' : issue.message });
    }
    issues.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new AnswersError(file, issues);
  }
  return { file, answers: parsed.data, secrets: answerSecrets(parsed.data) };
}

/** Every secret value the answers hold. */
export function answerSecrets(answers: Answers): string[] {
  const out: string[] = [];
  if (answers.secret?.kind === 'value') out.push(answers.secret.value);
  if (answers.first_admin) out.push(answers.first_admin.password);
  if (Array.isArray(answers.providers)) {
    for (const p of answers.providers) {
      if (p.client_secret) out.push(p.client_secret);
      if (p.sign_in_with_apple?.private_key) out.push(p.sign_in_with_apple.private_key);
    }
  }
  return out;
}

/** Reads and checks an answers file and registers its secrets with the redactor. Throws AnswersError (with line:column) or a read error naming the file. */
export function loadAnswers(file: string): LoadedAnswers {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new AnswersError(file, [
      { path: '', line: 1, column: 1, message: `cannot read the answers file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` },
    ]);
  }
  const loaded = parseAnswers(text, file);
  // From now on every sink (screen, logs, transcript, plan file) masks them.
  for (const value of loaded.secrets) redactor.addSecret(value, 'answers-file secret');
  const warnings: string[] = [];
  const mode = fs.statSync(file).mode & 0o777;
  if (loaded.secrets.length > 0 && (mode & 0o077) !== 0) {
    warnings.push(`${file} holds secrets and is readable by others (mode ${mode.toString(8)}): chmod 600 ${file}`);
  }
  return { ...loaded, warnings };
}

/** The answer, or MissingAnswer naming the key when there is no terminal to ask. */
export function requireAnswer<T>(value: T | undefined, key: string, question: string): T {
  if (value === undefined) throw new MissingAnswer(key, question);
  return value;
}
