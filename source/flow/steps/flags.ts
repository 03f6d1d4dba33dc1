// mark-migration and cut-over: the two vars.yml switches around the real migration.
import { oidcRemovalEdits, LEGACY_MAPPING_KEY } from '../../mas/oidc-convert.js';
import type { VarsEdit } from '../../playbook/vars-edit.js';
import type { StepOutcome, StepRunner } from './step.js';
import { changeVars, sha256, varsValues, type EarlierApproval } from './vars-change.js';
import { planVarsChange } from '../../playbook/vars-file.js';
import type { FlowContext } from '../context.js';
import { Declined } from '../io.js';
import type { Json } from '../../../state/plan.js';

export const MIGRATION_FLAG = 'matrix_authentication_service_migration_in_progress';

export const markMigration: StepRunner = {
  id: 'mark-migration',
  commands: () => [],
  async run(ctx): Promise<StepOutcome> {
    const edits: VarsEdit[] = [
      { op: 'set', key: 'matrix_authentication_service_enabled', value: true },
      { op: 'set', key: MIGRATION_FLAG, value: true, comment: 'remove after syn2mas (the wizard does it at cut-over)' },
    ];
    const written = await changeVars(ctx, 'mark-migration', 'Enable MAS in migration mode', edits);
    return { status: 'succeeded', outputs: { vars_changed: written.keys } };
  },
};

/** The cut-over's edits for vars.yml as it is now: migration flag, Synapse OIDC and the legacy mapping go. */
function cutOverEdits(ctx: FlowContext): VarsEdit[] {
  const values = varsValues(ctx);
  const edits: VarsEdit[] = [];
  if (MIGRATION_FLAG in values) edits.push({ op: 'remove', key: MIGRATION_FLAG });
  edits.push(...oidcRemovalEdits(Object.keys(values)));
  if (LEGACY_MAPPING_KEY in values) edits.push({ op: 'remove', key: LEGACY_MAPPING_KEY });
  return edits;
}

const CUT_OVER_TITLE = 'Cut over: MAS handles logins';

/**
 * Before the migration's typed gate: the cut-over diff is shown and approved now, because it is
 * written while Synapse is down (between syn2mas and the reinstall). Returns what the plan keeps
 * (the migrate step's inputs) so the cut-over step can write it without asking.
 */
export async function approveCutOver(ctx: FlowContext): Promise<Record<string, Json>> {
  const change = await planVarsChange(ctx.session.varsFile, cutOverEdits(ctx));
  if (!change.changed) return { cut_over: { vars_hash: sha256(change.before), diff_sha256: null } };
  ctx.io.say(
    'After the migration, while Synapse is down, the wizard writes this cut-over to vars.yml and reinstalls. Approve it now: nothing is asked inside the downtime window.',
  );
  const approved = await ctx.io.reviewDiff({ key: 'cut-over', title: `${CUT_OVER_TITLE} (written right after the migration)`, diff: change.diff });
  if (!approved)
    throw new Declined(
      `${CUT_OVER_TITLE}: the change to ${ctx.session.varsLabel} was not approved, so the migration was not started (it would leave Synapse down waiting for it)`,
    );
  return { cut_over: { vars_hash: sha256(change.before), diff_sha256: sha256(change.diff), approved_at: ctx.now() } };
}

function earlierApproval(ctx: FlowContext): EarlierApproval | undefined {
  const rec = ctx.plan().steps.find((s) => s.id === 'migrate')?.inputs.cut_over;
  if (!rec || typeof rec !== 'object' || Array.isArray(rec)) return undefined;
  const { vars_hash: varsHash, diff_sha256: diffSha256, approved_at: at } = rec as Record<string, Json>;
  if (typeof varsHash !== 'string' || typeof diffSha256 !== 'string') return undefined;
  return { varsHash, diffSha256, when: `before the migration${typeof at === 'string' ? ` (${at})` : ''}` };
}

export const cutOver: StepRunner = {
  id: 'cut-over',
  commands: () => [],
  async run(ctx): Promise<StepOutcome> {
    const written = await changeVars(ctx, 'cut-over', CUT_OVER_TITLE, cutOverEdits(ctx), earlierApproval(ctx));
    // The backup holds the Synapse OIDC settings a rollback puts back.
    return { status: 'succeeded', outputs: { vars_changed: written.keys, ...(written.backup ? { vars_backup: written.backup } : {}) } };
  },
};
