// The one way a step changes vars.yml: compute the edit, show the diff, ask, keep a
// backup, write atomically, and tell the plan (a change after a passed dry run voids it).
import { createHash } from 'node:crypto';
import type { VarsEdit } from '../../playbook/vars-edit.js';
import { varsLayer } from '../../playbook/effective.js';
import { commitVarsChange, planVarsChange } from '../../playbook/vars-file.js';
import type { FlowContext } from '../context.js';
import { Declined } from '../io.js';

export interface VarsChangeResult {
  changed: boolean;
  backup: string | null;
  keys: string[];
}

/**
 * A diff approved earlier (before the migration's gate), for the file as it was then: it is
 * written without asking again only when vars.yml is byte for byte what it was at approval
 * (same sha256, hence the same diff); otherwise the operator sees the new diff and is asked.
 */
export interface EarlierApproval {
  varsHash: string;
  diffSha256: string;
  when: string;
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export async function changeVars(
  ctx: FlowContext,
  key: string,
  title: string,
  edits: readonly VarsEdit[],
  earlier?: EarlierApproval,
): Promise<VarsChangeResult> {
  const keys = [...new Set(edits.map((e) => e.key))];
  if (edits.length === 0) return { changed: false, backup: null, keys: [] };
  const change = await planVarsChange(ctx.session.varsFile, edits);
  if (!change.changed) {
    ctx.io.say(`${ctx.session.varsLabel} already has ${keys.join(', ')} as needed; nothing to change.`, 'ok');
    return { changed: false, backup: null, keys: [] };
  }
  const same = earlier && earlier.varsHash === sha256(change.before) && earlier.diffSha256 === sha256(change.diff);
  if (earlier && !same) {
    ctx.io.say(
      `${ctx.session.varsLabel} changed after you approved this change ${earlier.when}, so the approval no longer covers it: look at the diff again.`,
      'warn',
    );
  }
  const approved = same
    ? (ctx.io.say(`${title}: writing the change you approved ${earlier.when} (${ctx.session.varsLabel} is unchanged since).`), true)
    : await ctx.io.reviewDiff({ key, title, diff: change.diff });
  if (!approved) throw new Declined(`${title}: the change to ${ctx.session.varsLabel} was not approved; nothing was written`);
  const { backup } = await commitVarsChange(change);
  ctx.transcript.note(`vars.yml changed (${keys.join(', ')}); backup ${backup}`);
  ctx.io.say(`Wrote ${ctx.session.varsLabel} (${keys.join(', ')}); the previous version is kept as ${backup}.`, 'ok');
  ctx.dispatch({ type: 'vars-changed', at: ctx.now(), hash: ctx.varsHash() });
  return { changed: true, backup, keys };
}

/** Top-level values of vars.yml as Ansible would load them. */
export function varsValues(ctx: FlowContext): Record<string, unknown> {
  return varsLayer(ctx.session.layers()).parsed.values;
}
