// When a playbook run fails because a service did not come up ("<unit> was not detected to be
// running", the systemd service manager role's check after a start), the wizard fetches that
// unit's recent log from the server itself — read-only, shown as a command like any other — and
// puts its last lines, redacted, beside the failure with the likely cause when the log shows a
// known one. The operator no longer has to open a second terminal to find out why.
import { redact } from '../../logs/redact.js';
import type { StepId } from '../../../state/steps.js';
import type { FlowContext } from '../context.js';
import { runPlanned } from '../exec.js';

const NOT_RUNNING = /([\w@.-]+\.service) was not detected to be running/g;
const SHOWN_LINES = 15;

/** Known causes in a unit's log, first match wins: the line that shows it, then what it means. */
const CAUSES: { re: RegExp; cause: string }[] = [
  {
    re: /(matrix-authentication-service|\bMAS\b).*(Connection refused|Could not connect|Name or service not known)/i,
    cause: 'Synapse cannot reach MAS: check that matrix-authentication-service is running (systemctl status matrix-authentication-service) and its log',
  },
  { re: /password authentication failed/i, cause: 'the database password in the configuration is wrong' },
  {
    re: /(could not connect to server|Connection refused|could not translate host name)/i,
    cause: 'it cannot reach a service it depends on (its database, or MAS)',
  },
  { re: /Address already in use/i, cause: 'another process already uses its port' },
  {
    re: /(ConfigError|Error in configuration|Failed to load (the )?config|invalid configuration)/i,
    cause: 'its configuration is invalid (the line above says which setting)',
  },
  { re: /Permission denied/i, cause: 'a file or directory it needs is not readable or writable by its user' },
];

export function likelyCause(log: string): { line: string; cause: string } | null {
  const lines = log.split('\n');
  for (const { re, cause } of CAUSES) {
    const line = lines.find((l) => re.test(l));
    if (line) return { line: line.trim(), cause };
  }
  return null;
}

/** Units a failed run says did not come up, in order, once each. */
export function unitsNotRunning(text: string): string[] {
  return [...new Set([...text.matchAll(NOT_RUNNING)].map((m) => m[1]!))];
}

/** Appends, for each unit the failure names, its recent log and the likely cause; returns the addition. */
export async function serviceDiagnosis(ctx: FlowContext, step: StepId, failureText: string): Promise<string> {
  let out = '';
  for (const unit of unitsNotRunning(failureText)) {
    const pc = ctx.session.cat.journal(unit);
    ctx.io.say(`${unit} did not come up; fetching its recent log from the server.`, 'warn');
    const ran = await runPlanned(ctx, pc, { step });
    if (ran.code !== 0) {
      out += `\nCould not read ${unit}'s log (${pc.display} exited with ${ran.code ?? 'no status'}); run it on the server.`;
      continue;
    }
    const log = redact(ran.output.trimEnd());
    const last = log.split('\n').slice(-SHOWN_LINES).join('\n');
    const cause = likelyCause(log);
    out += `\nLast lines of ${unit}'s log (${pc.display}):\n${last
      .split('\n')
      .map((l) => `  │ ${l}`)
      .join('\n')}`;
    out += cause ? `\nLikely cause: ${cause.cause}.\n  (from: ${cause.line})` : '\nNo known cause in those lines; the full log is in the transcript.';
  }
  return out;
}
