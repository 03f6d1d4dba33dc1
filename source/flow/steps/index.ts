// Every step id → its runner.
import type { StepId } from '../../../state/steps.js';
import type { StepRunner } from './step.js';
import { prerequisites } from './prerequisites.js';
import { secret } from './secret.js';
import { url } from './url.js';
import { providers } from './providers.js';
import { cutOver, markMigration } from './flags.js';
import { install, reinstall } from './install.js';
import { backup } from './backup.js';
import { dryRun, migrate, syn2masCheck } from './syn2mas.js';
import { verify } from './verify.js';
import { firstAdmin, users } from './users.js';

export const RUNNERS: Record<StepId, StepRunner> = {
  prerequisites,
  secret,
  url,
  providers,
  'mark-migration': markMigration,
  install,
  backup,
  'syn2mas-check': syn2masCheck,
  'dry-run': dryRun,
  migrate,
  'cut-over': cutOver,
  reinstall,
  verify,
  users,
  'first-admin': firstAdmin,
};
