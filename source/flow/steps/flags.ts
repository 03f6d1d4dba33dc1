// mark-migration and cut-over: the two vars.yml switches around the real migration.
import { oidcRemovalEdits, LEGACY_MAPPING_KEY } from '../../mas/oidc-convert.js';
import type { VarsEdit } from '../../playbook/vars-edit.js';
import type { StepOutcome, StepRunner } from './step.js';
import { changeVars, varsValues } from './vars-change.js';

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

export const cutOver: StepRunner = {
  id: 'cut-over',
  commands: () => [],
  async run(ctx): Promise<StepOutcome> {
    const values = varsValues(ctx);
    const edits: VarsEdit[] = [];
    if (MIGRATION_FLAG in values) edits.push({ op: 'remove', key: MIGRATION_FLAG });
    edits.push(...oidcRemovalEdits(Object.keys(values)));
    if (LEGACY_MAPPING_KEY in values) edits.push({ op: 'remove', key: LEGACY_MAPPING_KEY });
    const written = await changeVars(ctx, 'cut-over', 'Cut over: MAS handles logins', edits);
    // The backup holds the Synapse OIDC settings a rollback puts back.
    return { status: 'succeeded', outputs: { vars_changed: written.keys, ...(written.backup ? { vars_backup: written.backup } : {}) } };
  },
};
