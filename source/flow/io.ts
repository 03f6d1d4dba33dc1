// How a step talks to the operator. Steps ask through plain async functions (one call
// per question, each naming its answers-file key); the TUI answers with screens, the
// non-interactive `run --answers` answers from the file. Steps never know which.
import type { Finding } from '../preflight/finding.js';
import type { Provider } from '../mas/providers.js';
import type { SecretChoice } from '../mas/secret.js';

/** What the typed gate shows about the dry run that vouches for the real migration. */
export interface GateFacts {
  /** Entity → rows the dry run migrated (users, threepids, …). */
  counts: Record<string, number>;
  /** How long the dry run's migration took, in seconds. */
  measuredSeconds: number | null;
  /** The expected downtime of the real run (parsers/syn2mas.ts estimateDowntime). */
  estimateSeconds: number | null;
  /** Warnings accepted on the way (finding ids and syn2mas warnings). */
  accepted: string[];
}

export interface Choice<T extends string> {
  value: T;
  label: string;
  hint?: string;
}

export type Tone = 'info' | 'ok' | 'warn' | 'error';

export interface StepIO {
  /** Narration for the operator (kept in the transcript). */
  say(text: string, tone?: Tone): void;
  /** Shown before a command runs: exactly what runs, secrets masked. */
  command(display: string, where: 'controller' | 'server'): void;
  /** The command ended (its output went to the log: LogSink in the context). */
  commandEnd(summary: string, ok: boolean): void;
  /** One line of progress (e.g. "task 12 of ~40: Install MAS"), replaced by the next. */
  progress(text: string): void;

  confirm(q: { key: string; question: string; defaultYes?: boolean }): Promise<boolean>;
  select<T extends string>(q: { key: string; question: string; choices: Choice<T>[]; initial?: T }): Promise<T>;
  text(q: { key: string; question: string; initial?: string; secret?: boolean; validate?: (value: string) => string | null }): Promise<string>;
  /** "Type the server name to continue": true only for an exact match. `facts`: what the dry run found, shown beside it. */
  typeToConfirm(q: { key: string; question: string; expected: string; warning: string; facts?: GateFacts }): Promise<boolean>;
  /** A vars.yml diff; true = write it. */
  reviewDiff(q: { key: string; title: string; diff: string }): Promise<boolean>;
  /** Blockers with a fix: which fixes to apply. Warnings: which are accepted. Returns ids. */
  findings(q: { fixable: Finding[]; warnings: Finding[] }): Promise<{ fix: string[]; accept: string[] }>;
  /** The encryption secret: generate, paste or point at a vault value. */
  secret(q: { existing: 'missing' | 'vault' | 'reference' | 'valid' | 'invalid' }): Promise<SecretChoice | 'keep'>;
  /** The MAS URL. */
  url(q: { domain: string; hostname: string; prefix: string }): Promise<{ hostname: string; prefix: string }>;
  /** Upstream providers: a list to write (possibly converted from Synapse OIDC) or keep what is there. */
  providers(q: { converted: Provider[]; existing: Provider[]; synapseOidc: boolean; warnings: string[] }): Promise<Provider[] | 'keep'>;
}

/** The operator declined or the answers file says no: the step stops, nothing more changes. */
export class Declined extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Declined';
  }
}

/** The gate's account of the dry run, one line each (screens and `run` print the same words). */
export function gateFactLines(f: GateFacts): string[] {
  const counts = Object.entries(f.counts)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  return [
    `Dry run: ${counts || 'no counts reported'}.`,
    `It took ${f.measuredSeconds === null ? 'an unknown time' : `${f.measuredSeconds} s`}; expect about ${f.estimateSeconds === null ? '(no estimate)' : `${f.estimateSeconds} s`} of downtime (Synapse stays down until the reinstall starts it again).`,
    `Accepted warnings: ${f.accepted.length ? f.accepted.join('; ') : 'none'}.`,
  ];
}
