// StepIO for the interactive wizard: the twin of answers-io.ts. Each question becomes a
// pending prompt (a plain object the screens render); the step's promise resolves when the
// screen calls answer(). Narration, the command about to run and the progress line are kept
// here too — bounded and redacted before they are stored — so the UI is a pure view of this
// store (current() + subscribe()). No React here.
//
// Prefill (Subiquity style): with an answers file, each prompt carries the value the file
// gives (computed by answers-io itself), so a screen starts on it and an answers file doubles
// as a UI test. The typed server-name gate is never prefilled.
import type { Answers } from '../../state/answers.js';
import type { Plan } from '../../state/plan.js';
import type { Finding } from '../preflight/finding.js';
import type { Provider } from '../mas/providers.js';
import type { SecretChoice } from '../mas/secret.js';
import type { DnsCheck } from '../mas/url.js';
import type { LogSource } from '../logs/log-sink.js';
import type { Summary } from './plan-view.js';
import { describeError, MissingAnswer } from '../errors.js';
import { redact } from '../logs/redact.js';
import { Declined, type Choice, type GateFacts, type StepIO, type Tone } from './io.js';

export { gateFactLines, type GateFacts } from './io.js';

export interface FindingsAnswer {
  fix: string[];
  accept: string[];
}
export interface UrlAnswer {
  hostname: string;
  prefix: string;
}

/** What each kind of prompt is answered with. */
export interface AnswerMap {
  confirm: boolean;
  select: string;
  text: string;
  'type-to-confirm': boolean;
  diff: boolean;
  findings: FindingsAnswer;
  secret: SecretChoice | 'keep';
  url: UrlAnswer;
  providers: Provider[] | 'keep';
  'host-key': boolean;
  passphrase: string | null;
  'become-password': string | null;
}
export type PromptKind = keyof AnswerMap;

interface Bodies {
  confirm: { key: string; question: string; defaultYes: boolean };
  select: { key: string; question: string; choices: Choice<string>[]; initial?: string };
  text: { key: string; question: string; initial?: string; secret: boolean; validate?: (value: string) => string | null };
  /** The gate before an irreversible step: `commands` are exactly what will run. */
  'type-to-confirm': { key: string; question: string; expected: string; warning: string; commands: string[]; facts?: GateFacts };
  diff: { key: string; title: string; diff: string };
  findings: { fixable: Finding[]; warnings: Finding[] };
  secret: { existing: 'missing' | 'vault' | 'reference' | 'valid' | 'invalid' };
  url: { domain: string; hostname: string; prefix: string };
  providers: { converted: Provider[]; existing: Provider[]; synapseOidc: boolean; warnings: string[] };
  'host-key': { host: string; port: number; keyType: string; fingerprint: string };
  passphrase: { keyFile: string; attempt: number };
  'become-password': { reason: string };
}

/**
 * `prefill`: the answers file's answer, shown as the screen's starting value. `prefillError`: the
 * file answers this question but the answer was refused (what and why), so the screen starts
 * empty and says so instead of silently dropping it.
 */
/** What the answers file said for a question: its value, or why it was refused. */
type Prefill<T> = { value: T } | { error: string };

export type Prompt = { [K in PromptKind]: { id: number; kind: K; prefill?: AnswerMap[K]; prefillError?: string } & Bodies[K] }[PromptKind];
export type PromptOf<K extends PromptKind> = Extract<Prompt, { kind: K }>;

export interface NarrationLine {
  /** Increasing, never reused: screens key and de-duplicate by it. */
  id: number;
  kind: 'say' | 'command' | 'end';
  tone: Tone;
  text: string;
}

export type Phase = 'starting' | 'running' | 'stopped' | 'done';

export interface WizardView {
  phase: Phase;
  /** What the wizard is doing when no step runs ("Opening the practice lab…"). */
  status: string;
  plan: Plan | null;
  narration: readonly NarrationLine[];
  progress: string | null;
  /** The command shown before it runs, until it ends. */
  running: { display: string; where: 'controller' | 'server' } | null;
  prompt: Prompt | null;
  /** How the last drive ended (phase stopped/done). */
  result: { code: number; message: string } | null;
  /** What changed, once every step is done. */
  summary: Summary | null;
  log: LogSource | null;
}

export interface PromptIOOptions {
  answers?: Answers;
  /** Narration lines kept (older ones are in the transcript). */
  keep?: number;
  /** The exact commands of the irreversible step about to start (for the gate). */
  gateCommands?: () => string[];
}

interface Pending {
  prompt: Prompt;
  resolve: (value: never) => void;
  reject: (error: Error) => void;
}

export class PromptIO implements StepIO {
  private view: WizardView = {
    phase: 'starting',
    status: 'Starting…',
    plan: null,
    narration: [],
    progress: null,
    running: null,
    prompt: null,
    result: null,
    summary: null,
    log: null,
  };
  private readonly listeners = new Set<() => void>();
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private readonly keep: number;
  /** answers-io answering from the file (loaded only when there is a file: it brings zod). */
  private readonly fromFile: Promise<StepIO> | null;

  constructor(private readonly options: PromptIOOptions = {}) {
    this.keep = options.keep ?? 200;
    const answers = options.answers;
    this.fromFile = answers ? import('./answers-io.js').then(({ answersIO }) => answersIO({ answers, yes: false, write: () => undefined })) : null;
  }

  current(): WizardView {
    return this.view;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(patch: Partial<WizardView>): void {
    this.view = { ...this.view, ...patch };
    for (const l of [...this.listeners]) l();
  }

  setPhase(phase: Phase, status?: string): void {
    this.set({ phase, ...(status !== undefined ? { status } : {}) });
  }
  setPlan(plan: Plan): void {
    this.set({ plan });
  }
  setLog(log: LogSource): void {
    this.set({ log });
  }
  setResult(result: { code: number; message: string }, summary: Summary | null = null): void {
    this.set({
      result: { code: result.code, message: redact(result.message) },
      summary,
      phase: result.code === 0 ? 'done' : 'stopped',
      progress: null,
      running: null,
    });
  }

  // ── narration ──
  private push(kind: NarrationLine['kind'], text: string, tone: Tone): void {
    const line: NarrationLine = { id: this.nextId++, kind, tone, text: redact(text) };
    const narration = [...this.view.narration, line];
    this.set({ narration: narration.length > this.keep ? narration.slice(narration.length - this.keep) : narration });
  }

  say(text: string, tone: Tone = 'info'): void {
    this.push('say', text, tone);
  }
  command(display: string, where: 'controller' | 'server'): void {
    this.push('command', `$ ${display}    [${where}]`, 'info');
    this.set({ running: { display: redact(display), where }, progress: null });
  }
  commandEnd(summary: string, ok: boolean): void {
    this.push('end', summary, ok ? 'ok' : 'error');
    this.set({ running: null, progress: null });
  }
  progress(text: string): void {
    this.set({ progress: redact(text) });
  }

  // ── prompts ──
  /** Asks; the promise settles when the screen answers (or cancels) this prompt. */
  ask<K extends PromptKind>(kind: K, body: Bodies[K], prefill?: Prefill<AnswerMap[K]>): Promise<AnswerMap[K]> {
    return new Promise<AnswerMap[K]>((resolve, reject) => {
      const from = prefill === undefined ? {} : 'error' in prefill ? { prefillError: prefill.error } : { prefill: prefill.value };
      const prompt = { id: this.nextId++, kind, ...body, ...from } as unknown as Prompt;
      this.queue.push({ prompt, resolve: resolve as (value: never) => void, reject });
      if (!this.view.prompt) this.set({ prompt });
    });
  }

  /**
   * Changes a question still waiting for its answer (found by its key), e.g. the flow choice once
   * the server's user count is known. False when no such question is pending.
   */
  revise<K extends PromptKind>(kind: K, key: string, body: Partial<Bodies[K]>): boolean {
    const pending = this.queue.find((p) => p.prompt.kind === kind && (p.prompt as { key?: string }).key === key);
    if (!pending) return false;
    pending.prompt = { ...pending.prompt, ...body } as Prompt;
    if (this.view.prompt?.id === pending.prompt.id) this.set({ prompt: pending.prompt });
    return true;
  }

  /** Answers the prompt on screen. A stale id (already answered) is ignored. */
  answer<K extends PromptKind>(id: number, value: AnswerMap[K]): void {
    const head = this.queue[0];
    if (!head || head.prompt.id !== id) return;
    this.queue.shift();
    this.set({ prompt: this.queue[0]?.prompt ?? null });
    head.resolve(value as never);
  }

  /** The operator backed out: the step stops with Declined, nothing more changes. */
  cancel(id: number, reason = 'you went back from this question'): void {
    const head = this.queue[0];
    if (!head || head.prompt.id !== id) return;
    this.queue.shift();
    this.set({ prompt: this.queue[0]?.prompt ?? null });
    head.reject(new Declined(reason));
  }

  private async prefill<T>(ask: (io: StepIO) => Promise<T>): Promise<Prefill<T> | undefined> {
    if (!this.fromFile) return undefined;
    try {
      return { value: await ask(await this.fromFile) };
    } catch (error) {
      // The file is silent on it: the screen starts empty. Anything else is a refused answer: say so.
      if (error instanceof MissingAnswer) return undefined;
      return { error: describeError(error) };
    }
  }

  async confirm(q: { key: string; question: string; defaultYes?: boolean }): Promise<boolean> {
    const prefill = await this.prefill((io) => io.confirm(q));
    return this.ask('confirm', { key: q.key, question: q.question, defaultYes: q.defaultYes ?? false }, prefill);
  }

  async select<T extends string>(q: { key: string; question: string; choices: Choice<T>[]; initial?: T }): Promise<T> {
    const prefill = await this.prefill((io) => io.select(q));
    return (await this.ask('select', { key: q.key, question: q.question, choices: q.choices, initial: q.initial }, prefill)) as T;
  }

  async text(q: { key: string; question: string; initial?: string; secret?: boolean; validate?: (value: string) => string | null }): Promise<string> {
    // A secret from the file is used as typed, never shown: no prefill for secrets.
    const prefill = q.secret ? undefined : await this.prefill((io) => io.text(q));
    return this.ask('text', { key: q.key, question: q.question, initial: q.initial, secret: Boolean(q.secret), validate: q.validate }, prefill);
  }

  typeToConfirm(q: { key: string; question: string; expected: string; warning: string; facts?: GateFacts }): Promise<boolean> {
    return this.ask('type-to-confirm', { ...q, commands: (this.options.gateCommands?.() ?? []).map(redact) });
  }

  async reviewDiff(q: { key: string; title: string; diff: string }): Promise<boolean> {
    // Diffs of vars.yml carry the secrets being written.
    return this.ask('diff', { key: q.key, title: q.title, diff: redact(q.diff) });
  }

  async findings(q: { fixable: Finding[]; warnings: Finding[] }): Promise<FindingsAnswer> {
    const prefill = await this.prefill((io) => io.findings(q));
    return this.ask('findings', q, prefill);
  }

  async secret(q: { existing: Bodies['secret']['existing'] }): Promise<SecretChoice | 'keep'> {
    // answers-io invents a default when the file is silent; only a real answer prefills.
    const prefill = this.options.answers?.secret ? await this.prefill((io) => io.secret(q)) : undefined;
    return this.ask('secret', q, prefill);
  }

  async url(q: { domain: string; hostname: string; prefix: string }): Promise<UrlAnswer> {
    const prefill = await this.prefill((io) => io.url(q));
    return this.ask('url', q, prefill);
  }

  async providers(q: { converted: Provider[]; existing: Provider[]; synapseOidc: boolean; warnings: string[] }): Promise<Provider[] | 'keep'> {
    const prefill = await this.prefill((io) => io.providers(q));
    return this.ask('providers', q, prefill);
  }

  // ── connection questions (bridged from the SSH target through openRun's `connect`) ──
  confirmUnknownHost = (info: { host: string; port: number; keyType: string; fingerprint: string }): Promise<boolean> =>
    this.ask('host-key', { host: info.host, port: info.port, keyType: info.keyType, fingerprint: info.fingerprint });

  askPassphrase = (keyFile: string, attempt: number): Promise<string | null> => this.ask('passphrase', { keyFile, attempt });

  askBecomePassword = (reason: string): Promise<string | null> => this.ask('become-password', { reason });
}

/** What the screens may ask the engine to do (the actions context). */
export interface WizardActions {
  /** After a stop (blocked, failed, could not start): try again from where the plan stands. */
  retry(): void;
  /** Leave now (exit 130); a detached step keeps running on the server. */
  quit(): void;
  /** Leave after the flow is done (exit 0). */
  finish(): void;
  checkDns(hostname: string, domain: string): Promise<DnsCheck>;
}
