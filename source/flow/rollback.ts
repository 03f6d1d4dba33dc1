// The way back, while it is still cheap: what each option costs, and the one the wizard
// can do itself — switch MAS off and let Synapse handle logins again (syn2mas deletes
// nothing in Synapse's database). Restoring the database backup is shown, never run.
import { readFileSync, existsSync } from 'node:fs';
import type { Plan } from '../../state/plan.js';
import { findStep } from '../../state/reducer.js';
import type { VarsEdit, VarsValue } from '../playbook/vars-edit.js';
import { parseVars } from '../playbook/vars-file.js';
import { restoreInstructions } from './steps/backup.js';
import { MIGRATION_FLAG } from './steps/flags.js';
import { varsValues } from './steps/vars-change.js';
import type { FlowContext } from './context.js';
import type { Catalogue } from '../playbook/commands.js';

export type Stage = 'before-migration' | 'after-migration' | 'nothing-to-undo';

export function stageOf(plan: Plan): Stage {
  const migrate = findStep(plan, 'migrate');
  const touched = plan.steps.some((s) => ['mark-migration', 'install', 'first-admin'].includes(s.id) && s.status !== 'pending');
  if (migrate && migrate.status !== 'pending') return 'after-migration';
  return touched ? 'before-migration' : 'nothing-to-undo';
}

/** What going back costs, in plain words, for the plan as it stands. */
export function rollbackOptions(plan: Plan, cat: Catalogue): string[] {
  const stage = stageOf(plan);
  if (stage === 'nothing-to-undo') return ['Nothing on the server has changed yet: there is nothing to roll back.'];
  const out: string[] = [];
  if (stage === 'before-migration') {
    out.push(
      'Switch MAS off (the wizard can do this: mas-wizard rollback --yes)',
      `  Sets matrix_authentication_service_enabled: false, removes the migration flag and runs \`${cat.install('setup-all').display}\`,`,
      '  which stops MAS and deletes its directory on the server (keys included); its database stays.',
      '  Cost: none for users — nobody has moved to MAS yet; Synapse keeps handling logins.',
    );
  } else {
    out.push(
      'Go back to Synapse logins (the wizard can do this: mas-wizard rollback --yes)',
      '  Sets matrix_authentication_service_enabled: false, removes the migration flag, puts back the',
      `  matrix_synapse_oidc_* settings the cut-over removed, and runs \`${cat.install('setup-all').display}\`. syn2mas deleted nothing`,
      "  in Synapse's database, so users log in with their old passwords and existing Synapse sessions work.",
      '  Cost: everything done through MAS since the migration is lost — sessions created via MAS (those',
      '  devices are logged out), password changes, emails added, accounts registered in MAS. To migrate again',
      '  later, the MAS database must be emptied first (drop and re-create it), or syn2mas refuses.',
    );
  }
  if (plan.backup) {
    out.push(
      '',
      'Restore the database backup (by hand; the wizard never runs this)',
      `  Cost: every change to ANY database since ${plan.backup.verifiedAt} is lost (messages, rooms, users).`,
      ...restoreInstructions(cat, plan.backup.path)
        .split('\n')
        .map((l) => `  ${l}`),
    );
  }
  return out;
}

/** The vars.yml edits of "switch MAS off", with the Synapse OIDC settings restored from the cut-over's backup. */
export function rollbackEdits(ctx: FlowContext): VarsEdit[] {
  const values = varsValues(ctx);
  const edits: VarsEdit[] = [{ op: 'set', key: 'matrix_authentication_service_enabled', value: false }];
  if (MIGRATION_FLAG in values) edits.push({ op: 'remove', key: MIGRATION_FLAG });
  const backup = findStep(ctx.plan(), 'cut-over')?.outputs.vars_backup;
  if (typeof backup === 'string' && existsSync(backup)) {
    const before = parseVars(readFileSync(backup, 'utf8'), backup).values;
    for (const [key, value] of Object.entries(before)) {
      if (key.startsWith('matrix_synapse_oidc_') && !(key in values)) edits.push({ op: 'set', key, value: value as VarsValue });
    }
  }
  return edits;
}
