// StepIO for `mas-wizard run --answers FILE`: every question is answered from the file
// (or, for plain confirmations, by --yes). A question the file does not answer is an
// error naming the key to set — never a hang waiting for a terminal that is not there.
import type { Answers } from '../../state/answers.js';
import { MissingAnswer } from '../../state/answers.js';
import type { Choice, StepIO, Tone } from './io.js';
import { Declined, gateFactLines } from './io.js';
import { redact } from '../logs/redact.js';

export interface AnswersIOOptions {
  answers: Answers;
  yes: boolean;
  /** Where narration goes (stdout normally, stderr with --json). */
  write: (text: string) => void;
}

const PREFIX: Record<Tone, string> = { info: '  ', ok: '✔ ', warn: '⚠ ', error: '✖ ' };

function dotted(answers: Answers, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), answers);
}

export function answersIO(options: AnswersIOOptions): StepIO {
  const { answers, yes } = options;
  // Everything shown passes the redactor: diffs of vars.yml carry the secrets being written.
  const write = (text: string) => options.write(redact(text));
  const say = (text: string, tone: Tone = 'info') =>
    write(
      `${text
        .split('\n')
        .map((l, i) => (i === 0 ? PREFIX[tone] : '  ') + l)
        .join('\n')}\n`,
    );
  return {
    say,
    command: (display, where) => write(`$ ${display}    [${where}]\n`),
    commandEnd: (summary, ok) => say(summary, ok ? 'ok' : 'error'),
    progress: () => {
      /* the log already shows every task */
    },
    async confirm(q) {
      if (q.key.startsWith('accept: ')) {
        const id = q.key.slice('accept: '.length);
        if (answers.accept?.includes(id)) return true;
        throw new MissingAnswer('accept', `${q.question} (add ${id} to accept)`);
      }
      if (q.key.startsWith('fix: ')) {
        const id = q.key.slice('fix: '.length);
        return Boolean(answers.fix?.includes(id) || yes);
      }
      if (yes) return true;
      throw new MissingAnswer(q.key, `${q.question} (or pass --yes)`);
    },
    async select<T extends string>(q: { key: string; question: string; choices: Choice<T>[]; initial?: T }): Promise<T> {
      const value = dotted(answers, q.key);
      const hit = q.choices.find((c) => c.value === value);
      if (hit) return hit.value;
      if (value !== undefined) throw new Declined(`${q.key}: ${JSON.stringify(value)} is not one of ${q.choices.map((c) => c.value).join(', ')}`);
      if (q.initial !== undefined) return q.initial;
      throw new MissingAnswer(q.key, q.question);
    },
    async text(q) {
      const value = dotted(answers, q.key);
      if (typeof value !== 'string') {
        if (q.initial !== undefined) return q.initial;
        throw new MissingAnswer(q.key, q.question);
      }
      const problem = q.validate?.(value);
      if (problem) throw new Declined(`${q.key}: ${problem}`);
      return value;
    },
    async typeToConfirm(q) {
      if (q.facts) for (const l of gateFactLines(q.facts)) say(l);
      const typed = answers.confirm_server_name;
      if (typed === undefined) throw new MissingAnswer('confirm_server_name', q.question);
      if (typed !== q.expected) throw new Declined(`confirm_server_name is "${typed}" but the server name is "${q.expected}": nothing was started`);
      say(`confirm_server_name matches (${q.expected}).`, 'ok');
      return true;
    },
    async reviewDiff(q) {
      write(`${q.title} — change to vars.yml:\n${q.diff}`);
      if (yes) return true;
      throw new MissingAnswer('--yes', `${q.title}: write this change to vars.yml? (pass --yes to approve vars.yml changes)`);
    },
    async findings(q) {
      const fix = q.fixable.map((f) => f.id).filter((id) => answers.fix?.includes(id));
      const accept = q.warnings.map((f) => f.id).filter((id) => answers.accept?.includes(id));
      for (const f of q.fixable) if (!fix.includes(f.id)) say(`${f.id} can be fixed by the wizard: add it to \`fix:\` (${f.fix})`, 'warn');
      for (const f of q.warnings) if (!accept.includes(f.id)) say(`${f.id} needs acknowledging: add it to \`accept:\` (${f.title})`, 'warn');
      return { fix, accept };
    },
    async secret(q) {
      const s = answers.secret;
      if (!s) return q.existing === 'valid' || q.existing === 'vault' || q.existing === 'reference' ? 'keep' : { kind: 'generate' };
      if (s.kind === 'generate') return { kind: 'generate' };
      if (s.kind === 'value') return { kind: 'paste', value: s.value };
      return { kind: 'reference', value: s.reference };
    },
    async url(q) {
      return { hostname: answers.hostname ?? q.hostname, prefix: answers.path_prefix ?? q.prefix };
    },
    async providers(q) {
      const p = answers.providers;
      if (p === 'convert-synapse-oidc') return q.converted;
      if (Array.isArray(p)) return p;
      if (q.synapseOidc && q.existing.length === 0) return q.converted;
      return 'keep';
    },
  };
}
